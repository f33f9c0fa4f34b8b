"""classifier: what the classifier said on each complaint, people's labels, deployment models

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("complaints", sa.Column("category_secondary", sa.String(length=20), nullable=True))
    op.add_column(
        "complaints",
        sa.Column("category_evidence", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
    )
    op.add_column("complaints", sa.Column("classifier_version", sa.String(length=40), nullable=True))
    op.create_table(
        "complaint_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("predicted", sa.String(length=20), nullable=True),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("labelled_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "label IN ('personnel', 'process', 'technology', 'resources', 'other')",
            name=op.f("ck_complaint_labels_label"),
        ),
        sa.CheckConstraint(
            "source IN ('customer', 'customer_pick', 'admin')", name=op.f("ck_complaint_labels_source")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_labels_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_labels")),
    )
    op.create_index(
        op.f("ix_complaint_labels_complaint_id"), "complaint_labels", ["complaint_id"], unique=False
    )
    op.create_index("ix_complaint_labels_created_at", "complaint_labels", ["created_at"], unique=False)
    op.create_table(
        "classifier_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("model_json", sa.Text(), nullable=False),
        sa.Column("accuracy_before", sa.Float(), nullable=False),
        sa.Column("accuracy_after", sa.Float(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifier_models")),
        sa.UniqueConstraint("version", name=op.f("uq_classifier_models_version")),
    )
    op.create_index(
        "uq_classifier_models_active",
        "classifier_models",
        ["active"],
        unique=True,
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_classifier_models_active", table_name="classifier_models", postgresql_where=sa.text("active")
    )
    op.drop_table("classifier_models")
    op.drop_index("ix_complaint_labels_created_at", table_name="complaint_labels")
    op.drop_index(op.f("ix_complaint_labels_complaint_id"), table_name="complaint_labels")
    op.drop_table("complaint_labels")
    op.drop_column("complaints", "classifier_version")
    op.drop_column("complaints", "category_evidence")
    op.drop_column("complaints", "category_secondary")

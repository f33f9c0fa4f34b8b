"""follow-ups: low ratings open follow-up cases (好差评), reasons picked after a low rating, survey fatigue

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-05 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INVITATION_STATUSES = "'pending', 'sending', 'sent', 'reminding', 'failed', 'blocked', 'opted_out'"
LABEL_SOURCES = "'customer', 'customer_pick', 'admin'"


def upgrade() -> None:
    op.add_column(
        "complaints", sa.Column("kind", sa.String(length=10), server_default="complaint", nullable=False)
    )
    op.add_column("complaints", sa.Column("revisit_due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("fix_due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("rating_before", sa.Integer(), nullable=True))
    op.add_column("complaints", sa.Column("rerating", sa.Integer(), nullable=True))
    op.add_column("complaints", sa.Column("rerated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(op.f("ck_complaints_kind"), "complaints", "kind IN ('complaint', 'follow_up')")
    op.create_index(
        "uq_complaints_follow_up_response",
        "complaints",
        ["source_response_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'follow_up'"),
    )
    op.create_table(
        "rating_reasons",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("picked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "category IN ('personnel', 'process', 'technology', 'resources', 'other')",
            name=op.f("ck_rating_reasons_category"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_rating_reasons_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "reason", name=op.f("pk_rating_reasons")),
    )
    op.create_index("ix_rating_reasons_picked_at", "rating_reasons", ["picked_at"], unique=False)
    op.add_column("complaint_labels", sa.Column("response_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_complaint_labels_response_id_responses"),
        "complaint_labels",
        "responses",
        ["response_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_index(
        op.f("ix_complaint_labels_response_id"), "complaint_labels", ["response_id"], unique=False
    )
    _replace_check(
        "complaint_labels", "source", "source IN ('customer', 'customer_pick', 'customer_reason', 'admin')"
    )
    _replace_check(
        "campaign_invitations", "status", f"status IN ({INVITATION_STATUSES}, 'fatigued', 'unsampled')"
    )


def downgrade() -> None:
    # Rows only the new rules allow go first, so the old constraints hold again.
    op.execute("UPDATE campaign_invitations SET status = 'failed' WHERE status IN ('fatigued', 'unsampled')")
    _replace_check("campaign_invitations", "status", f"status IN ({INVITATION_STATUSES})")
    op.execute("DELETE FROM complaint_labels WHERE source = 'customer_reason'")
    _replace_check("complaint_labels", "source", f"source IN ({LABEL_SOURCES})")
    op.drop_index(op.f("ix_complaint_labels_response_id"), table_name="complaint_labels")
    op.drop_constraint(
        op.f("fk_complaint_labels_response_id_responses"), "complaint_labels", type_="foreignkey"
    )
    op.drop_column("complaint_labels", "response_id")
    op.drop_index("ix_rating_reasons_picked_at", table_name="rating_reasons")
    op.drop_table("rating_reasons")
    op.execute("DELETE FROM complaints WHERE kind = 'follow_up'")
    op.drop_index(
        "uq_complaints_follow_up_response",
        table_name="complaints",
        postgresql_where=sa.text("kind = 'follow_up'"),
    )
    op.drop_constraint(op.f("ck_complaints_kind"), "complaints", type_="check")
    for column in ("rerated_at", "rerating", "rating_before", "fix_due_at", "revisit_due_at", "kind"):
        op.drop_column("complaints", column)


def _replace_check(table: str, name: str, condition: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)

"""report aggregates: per-response summaries and daily answer/dimension histograms (issue 15)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTEXT = ("channel", "branch", "staff", "service_type")


def _context_columns() -> list[sa.Column[str]]:
    return [sa.Column(name, sa.Text(), server_default="", nullable=False) for name in CONTEXT]


def upgrade() -> None:
    op.create_table(
        "analytics_settings",
        sa.Column("id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("timezone", sa.Text(), nullable=False),
        sa.Column("min_items", sa.Integer(), nullable=False),
        sa.Column("min_seconds_per_item", sa.Float(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_analytics_settings_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_settings")),
    )
    op.execute(
        "INSERT INTO analytics_settings (id, timezone, min_items, min_seconds_per_item)"
        " VALUES (1, 'Asia/Shanghai', 5, 2.0)"
    )
    op.create_table(
        "response_summaries",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.Integer(), nullable=False),
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
        *_context_columns(),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_answer_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_answer_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("item_min", sa.Float(), nullable=True),
        sa.Column("item_max", sa.Float(), nullable=True),
        sa.Column("straightline", sa.Boolean(), nullable=False),
        sa.Column("speeder", sa.Boolean(), nullable=False),
        sa.Column("repeats", sa.SmallInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_summaries_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_response_summaries")),
    )
    op.create_index("ix_response_summaries_day", "response_summaries", ["day"], unique=False)
    op.create_index(
        "ix_response_summaries_respondent_id", "response_summaries", ["respondent_id"], unique=False
    )
    op.create_table(
        "daily_response_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
        *_context_columns(),
        sa.Column("straightline", sa.Boolean(), nullable=False),
        sa.Column("speeder", sa.Boolean(), nullable=False),
        sa.Column("repeats", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "survey_version_id",
            *CONTEXT,
            "straightline",
            "speeder",
            "repeats",
            name=op.f("pk_daily_response_counts"),
        ),
    )
    op.create_table(
        "daily_answer_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
        *_context_columns(),
        sa.Column("repeats", sa.SmallInteger(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "survey_version_id",
            *CONTEXT,
            "repeats",
            "question_id",
            "score",
            name=op.f("pk_daily_answer_counts"),
        ),
    )
    op.create_table(
        "daily_dimension_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
        *_context_columns(),
        sa.Column("repeats", sa.SmallInteger(), nullable=False),
        sa.Column("dimension", sa.Text(), nullable=False),
        sa.Column("item_sum", sa.Float(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "survey_version_id",
            *CONTEXT,
            "repeats",
            "dimension",
            "item_sum",
            "item_count",
            name=op.f("pk_daily_dimension_counts"),
        ),
    )


def downgrade() -> None:
    op.drop_table("daily_dimension_counts")
    op.drop_table("daily_answer_counts")
    op.drop_table("daily_response_counts")
    op.drop_index("ix_response_summaries_respondent_id", table_name="response_summaries")
    op.drop_index("ix_response_summaries_day", table_name="response_summaries")
    op.drop_table("response_summaries")
    op.drop_table("analytics_settings")

"""report products: item cross-products and dimension sums per response pattern (issue 15)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 20:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTEXT = ("channel", "branch", "staff", "service_type")
KEY = ("day", "survey_version_id", *CONTEXT, "repeats", "pattern")


def _key_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Text(), server_default="", nullable=False) for name in CONTEXT],
        sa.Column("repeats", sa.SmallInteger(), nullable=False),
        sa.Column("pattern", postgresql.ARRAY(sa.Integer()), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "daily_item_products",
        *_key_columns(),
        sa.Column("question_a", sa.Integer(), nullable=False),
        sa.Column("question_b", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("sum_a", sa.Float(), nullable=False),
        sa.Column("sum_b", sa.Float(), nullable=False),
        sa.Column("sum_ab", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY, "question_a", "question_b", name=op.f("pk_daily_item_products")),
    )
    op.create_table(
        "daily_pattern_dimensions",
        *_key_columns(),
        sa.Column("dimension", sa.Text(), nullable=False),
        sa.Column("item_sum", sa.Float(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            *KEY, "dimension", "item_sum", "item_count", name=op.f("pk_daily_pattern_dimensions")
        ),
    )


def downgrade() -> None:
    op.drop_table("daily_pattern_dimensions")
    op.drop_table("daily_item_products")

"""pair aggregates: SERVQUAL gaps and Kano answer pairs per day (issue 15)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTEXT = ("channel", "branch", "staff", "service_type")
KEY = ("day", "survey_version_id", *CONTEXT, "repeats")

# Which questions pair up lives in the survey definition (`pairs_with` of an expectation or
# kano_dysf question); question_pairs holds those pairs as question ids of one version, with the
# partner's (perception item's) dimension. New versions add theirs when stored; this fills the old.
FILL_PAIRS = """
INSERT INTO question_pairs (survey_version_id, question_id, partner_id, role, dimension)
SELECT v.id, own.id, partner.id, own.role, partner.dimension_key
FROM survey_versions v
CROSS JOIN LATERAL jsonb_array_elements(v.definition->'questions') AS q(value)
JOIN questions own ON own.survey_version_id = v.id AND own.key = q.value->>'key'
JOIN questions partner ON partner.survey_version_id = v.id AND partner.key = q.value->>'pairs_with'
WHERE own.role IN ('expectation', 'kano_dysf')
"""


def _key_columns() -> list[sa.Column[object]]:
    columns: list[sa.Column[object]] = [
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
    ]
    columns += [sa.Column(name, sa.Text(), server_default="", nullable=False) for name in CONTEXT]
    columns.append(sa.Column("repeats", sa.SmallInteger(), nullable=False))
    return columns


def upgrade() -> None:
    op.create_table(
        "daily_servqual_counts",
        *_key_columns(),
        sa.Column("dimension", sa.Text(), nullable=False),
        sa.Column("gap_sum", sa.Float(), nullable=False),
        sa.Column("pair_count", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("perception_sum", sa.Float(), nullable=False),
        sa.Column("expectation_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            *KEY, "dimension", "gap_sum", "pair_count", name=op.f("pk_daily_servqual_counts")
        ),
    )
    op.create_table(
        "daily_kano_counts",
        *_key_columns(),
        sa.Column("functional_id", sa.Integer(), nullable=False),
        sa.Column("dysfunctional_id", sa.Integer(), nullable=False),
        sa.Column("functional_score", sa.Float(), nullable=False),
        sa.Column("dysfunctional_score", sa.Float(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            *KEY,
            "functional_id",
            "dysfunctional_id",
            "functional_score",
            "dysfunctional_score",
            name=op.f("pk_daily_kano_counts"),
        ),
    )
    op.create_table(
        "question_pairs",
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("dimension", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_version_id"],
            ["survey_versions.id"],
            name=op.f("fk_question_pairs_survey_version_id_survey_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_version_id", "question_id", name=op.f("pk_question_pairs")),
    )
    op.execute(FILL_PAIRS)


def downgrade() -> None:
    op.drop_table("question_pairs")
    op.drop_table("daily_kano_counts")
    op.drop_table("daily_servqual_counts")

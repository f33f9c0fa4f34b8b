"""questions.kind takes any registered question type's name (up to 40 characters, as the registry allows)

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-05 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _kind_length(10, 40)


def downgrade() -> None:
    # Fails while a stored question has a kind longer than 10 characters: such a survey version
    # cannot be kept by the older code.
    _kind_length(40, 10)


def _kind_length(old: int, new: int) -> None:
    op.alter_column(
        "questions",
        "kind",
        existing_type=sa.String(length=old),
        type_=sa.String(length=new),
        existing_nullable=False,
    )

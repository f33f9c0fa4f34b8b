"""Deduplication of Telegram updates."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate


async def claim_update(session: AsyncSession, bot_id: int, update_id: int) -> bool:
    """Record the update as processed; False if it already was (a redelivery). Commits with the work."""
    statement = (
        insert(ProcessedUpdate)
        .values(bot_id=bot_id, update_id=update_id)
        .on_conflict_do_nothing()
        .returning(ProcessedUpdate.update_id)
    )
    return (await session.execute(statement)).first() is not None

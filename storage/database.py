"""Engine and session factory: one place that knows how to connect."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

POOL_SIZE = 10
# Connections an engine opens at most (its pool plus as many again in overflow): each update holds
# one from its chat lock to its last reply, so more updates at once than this only wait for one.
MAX_CONNECTIONS = 2 * POOL_SIZE


def create_engine(url: str, *, pool_size: int = POOL_SIZE) -> AsyncEngine:
    """An asyncpg engine for the bot and the tools.

    No pool pre-ping: it cost three round trips (BEGIN, ping, ROLLBACK) per checkout, a quarter of an
    update's statements. A connection the database dropped fails its first statement instead; SQLAlchemy
    then discards every pooled connection made before, and callers retry (the bot's unit of work, the
    background loops on their next pass).
    """
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (handlers render after committing)."""
    return async_sessionmaker(engine, expire_on_commit=False)

"""Engine and session factory: one place that knows how to connect."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
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

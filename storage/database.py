"""Engine and session factory: one place that knows how to connect."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# Connections an engine opens at most: each update holds one from its chat lock to its last reply, so
# more updates at once than this only wait for one. All of them stay pooled (no overflow): under load
# an overflow connection was opened and closed for each update (connect, authenticate, and asyncpg's
# prepared statements gone with it), 5-10 % of the bot's CPU.
MAX_CONNECTIONS = 20


def create_engine(url: str, *, pool_size: int = MAX_CONNECTIONS) -> AsyncEngine:
    """An asyncpg engine for the bot and the tools.

    No pool pre-ping: it cost three round trips (BEGIN, ping, ROLLBACK) per checkout, a quarter of an
    update's statements. A connection the database dropped fails its first statement instead; SQLAlchemy
    then discards every pooled connection made before, and callers retry (the bot's unit of work, the
    background loops on their next pass).
    """
    # Parameters carry customers' text and the API's filter values; an error's message (and so its
    # traceback in the log) must not.
    return create_async_engine(url, pool_size=pool_size, max_overflow=0, hide_parameters=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (handlers render after committing)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    """Check the database answers (retried once: see the comment)."""
    # The pool does not pre-ping (create_engine above): after a database restart the first pooled
    # connection fails once and the pool discards the stale ones, so one retry tells the truth.
    for attempt in (1, 2):
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return
        except DBAPIError:
            if attempt == 2:
                raise

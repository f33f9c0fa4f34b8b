"""Every PostgreSQL advisory lock Tingjian takes across processes, each under its own named key.

Two-key locks ``(namespace, key)``: the namespace says what is locked, the key which one of them.
Chat locks use the one-key form (the chat id, :mod:`storage.updates`), a separate key space in
PostgreSQL, so they can never collide with these.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


class Lock(enum.IntEnum):
    """Advisory lock namespaces: one per kind of work that only one process may do at a time."""

    SURVEY_VERSION = 2  # key: survey id — versions of one survey are numbered one at a time
    WEBHOOK = 3  # one process (re)sets Telegram's webhook
    DIGESTS = 4  # one process runs a digest round
    CAMPAIGNS = 5  # one process sends campaign invitations and reminders
    CLASSIFIER = 6  # one process retrains the complaint classifier
    INVITES = 7  # key: respondent id — one campaign invitation claimed for a customer at a time


@asynccontextmanager
async def try_lock(connection: AsyncConnection, lock: Lock, key: int = 1) -> AsyncIterator[bool]:
    """Hold the session-level lock ``(lock, key)`` if it is free: yields whether it was taken."""
    got = bool(await connection.scalar(select(func.pg_try_advisory_lock(int(lock), key))))
    try:
        yield got
    finally:
        if got:
            await connection.execute(select(func.pg_advisory_unlock(int(lock), key)))


async def lock_for_transaction(session: AsyncSession, lock: Lock, key: int) -> None:
    """Wait for ``(lock, key)`` and hold it until the session's current transaction ends."""
    await session.execute(select(func.pg_advisory_xact_lock(int(lock), key)))

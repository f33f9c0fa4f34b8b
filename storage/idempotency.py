"""Idempotency keys of the HTTP API: a retried POST gets the first answer back instead of writing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ApiIdempotencyKey


@dataclass(frozen=True)
class StoredAnswer:
    """The answer given the first time a key was used, and whether this request matches that one."""

    status_code: int
    body: dict[str, Any]
    same_request: bool


class IdempotencyRepository:
    """Claiming keys inside the transaction that does the work, so a retry waits for and sees its result."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, client: str, key: str, request_hash: str) -> StoredAnswer | None:
        """None when the key is new (now held by this transaction), else the answer stored with it.

        A concurrent request with the same key blocks on the primary key until this transaction ends.
        """
        statement = (
            insert(ApiIdempotencyKey)
            .values(client=client, key=key, request_hash=request_hash, status_code=0, body={})
            .on_conflict_do_nothing()
            .returning(ApiIdempotencyKey.key)
        )
        if (await self.session.execute(statement)).first() is not None:
            return None
        row = await self.session.get_one(ApiIdempotencyKey, (client, key), populate_existing=True)
        return StoredAnswer(row.status_code, dict(row.body), row.request_hash == request_hash)

    async def remember(self, client: str, key: str, status_code: int, body: dict[str, Any]) -> None:
        """Store the answer for a claimed key (committed with the work it describes)."""
        row = await self.session.get_one(ApiIdempotencyKey, (client, key))
        row.status_code, row.body = status_code, body
        await self.session.flush()

    async def purge(self, before: datetime) -> int:
        """Forget keys used before `before` (a retry is expected within hours, not weeks)."""
        result = await self.session.execute(
            delete(ApiIdempotencyKey).where(ApiIdempotencyKey.created_at < before)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

"""The jobs queue: heavy work the bot process asks a worker process to do, and the results it delivers.

A job is enqueued once per key (a retried update or a second scheduler enqueues nothing new), claimed
by one worker with `FOR UPDATE SKIP LOCKED`, finished with its result (message texts and files) or
failed — retried with back-off until `max_attempts`, then failed for good — and delivered once by a
bot process, which locks the row while it sends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.database import session_factory
from storage.models import Job

# A job 'running' this long (its worker died or was killed) is taken by another worker.
LEASE = timedelta(minutes=10)
RETRY_BACKOFF = timedelta(seconds=5)  # times the attempt number: 5 s, 10 s, …
DEFAULT_ATTEMPTS = 3
ERROR_LIMIT = 2000  # characters of a failure kept (exception type and message; never a payload)


@dataclass(frozen=True)
class Part:
    """One thing the bot sends for a job: a text, or a file (photo or document) with a caption."""

    kind: str  # "text" | "photo" | "document"
    text: str = ""  # the text, or the caption of a file
    filename: str = ""
    file: bytes = b""


@dataclass(frozen=True)
class ClaimedJob:
    """A job a worker took: what to do."""

    id: int
    kind: str
    payload: dict[str, Any]
    chat_id: int | None
    language: str
    attempts: int


@dataclass(frozen=True)
class FinishedJob:
    """A finished (or failed for good) job for the bot to deliver."""

    id: int
    kind: str
    chat_id: int
    language: str
    status: str  # "done" | "failed"
    attempts: int
    parts: list[Part] = field(default_factory=list)


async def enqueue_in(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    language: str,
    chat_id: int | None = None,
    key: str | None = None,
    max_attempts: int = DEFAULT_ATTEMPTS,
) -> tuple[int, bool]:
    """Queue a job in the caller's transaction (it exists only if that commits); as `JobQueue.enqueue`."""
    inserted = await session.execute(
        insert(Job)
        .values(
            kind=kind, payload=payload, language=language, chat_id=chat_id, key=key, max_attempts=max_attempts
        )
        .on_conflict_do_nothing(index_elements=[Job.key])
        .returning(Job.id)
    )
    new_id = inserted.scalar_one_or_none()
    if new_id is not None:
        await session.execute(text("NOTIFY tingjian_jobs"))  # delivered at the commit
        return new_id, True
    existing = await session.scalar(select(Job.id).where(Job.key == key))
    assert existing is not None  # the conflict was on this key
    return existing, False


class JobQueue:
    """Enqueue, claim, finish, fail and deliver jobs; each call is its own transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)

    async def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        language: str,
        chat_id: int | None = None,
        key: str | None = None,
        max_attempts: int = DEFAULT_ATTEMPTS,
    ) -> tuple[int, bool]:
        """Queue a job; returns its id and whether it is new (False: a job with this key exists)."""
        async with self.sessions() as session, session.begin():
            return await enqueue_in(
                session, kind, payload, language=language, chat_id=chat_id, key=key, max_attempts=max_attempts
            )

    async def claim(self, worker: str) -> ClaimedJob | None:
        """Take the oldest runnable job (queued and due, or running past its lease); None if none."""
        async with self.sessions() as session, session.begin():
            runnable = (
                select(Job.id)
                .where(
                    ((Job.status == "queued") & (Job.run_after <= func.now()))
                    | ((Job.status == "running") & (Job.claimed_at < func.now() - LEASE))
                )
                .order_by(Job.id)
                .limit(1)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            row = (
                await session.execute(
                    update(Job)
                    .where(Job.id == runnable)
                    .values(
                        status="running", attempts=Job.attempts + 1, claimed_by=worker, claimed_at=func.now()
                    )
                    .returning(Job.id, Job.kind, Job.payload, Job.chat_id, Job.language, Job.attempts)
                )
            ).first()
        if row is None:
            return None
        return ClaimedJob(row.id, row.kind, dict(row.payload), row.chat_id, row.language, row.attempts)

    async def finish(self, job_id: int, parts: list[Part]) -> None:
        """Store the result; the bot process delivers it."""
        result = {
            "parts": [
                {"kind": part.kind, "text": part.text, "filename": part.filename, "file": index}
                for index, part in enumerate(parts)
            ]
        }
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    status="done",
                    result=result,
                    result_files=[part.file for part in parts],
                    finished_at=func.now(),
                    error=None,
                )
            )
            await session.execute(text("NOTIFY tingjian_jobs"))

    async def fail(self, job_id: int, error: str) -> bool:
        """Record a failed attempt: queued again after a back-off, or failed for good once the
        attempts are used up. Returns True when it failed for good."""
        async with self.sessions() as session, session.begin():
            job = await session.get(Job, job_id, with_for_update=True)
            if job is None:
                return True
            final = job.attempts >= job.max_attempts
            job.error = error[:ERROR_LIMIT]
            job.claimed_by = None
            if final:
                job.status = "failed"
                job.finished_at = func.now()
                await session.execute(text("NOTIFY tingjian_jobs"))
            else:
                job.status = "queued"
                job.run_after = func.now() + RETRY_BACKOFF * job.attempts
            return final

    @asynccontextmanager
    async def next_delivery(self) -> AsyncIterator[tuple[FinishedJob, AsyncSession] | None]:
        """The oldest undelivered finished job, its row locked until the block ends (so two bot
        processes never send it twice); call `delivered` inside the block once it is sent."""
        async with self.sessions() as session, session.begin():
            job = await session.scalar(
                select(Job)
                .where(
                    Job.status.in_(("done", "failed")), Job.delivered_at.is_(None), Job.chat_id.is_not(None)
                )
                .order_by(Job.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job is None or job.chat_id is None:
                yield None
                return
            files = job.result_files or []
            parts = [
                Part(p["kind"], p["text"], p["filename"], files[p["file"]] if p["file"] < len(files) else b"")
                for p in (job.result or {}).get("parts", [])
            ]
            yield (
                FinishedJob(job.id, job.kind, job.chat_id, job.language, job.status, job.attempts, parts),
                session,
            )

    @staticmethod
    async def delivered(session: AsyncSession, job_id: int) -> None:
        """Mark a job delivered (in the session `next_delivery` gave); its files are dropped."""
        await session.execute(
            update(Job).where(Job.id == job_id).values(delivered_at=func.now(), result_files=None)
        )

    async def purge(self, older_than: timedelta) -> int:
        """Delete jobs finished longer ago than `older_than` and delivered (or for nobody's chat)."""
        async with self.sessions() as session, session.begin():
            deleted = await session.execute(
                delete(Job)
                .where(
                    Job.status.in_(("done", "failed")),
                    Job.delivered_at.is_not(None) | Job.chat_id.is_(None),
                    Job.finished_at < func.now() - older_than,
                )
                .returning(Job.id)
            )
            return len(deleted.all())

    async def status(self, job_id: int) -> tuple[str, int, str | None]:
        """A job's status, attempts and last error."""
        async with self.sessions() as session:
            row = (
                await session.execute(select(Job.status, Job.attempts, Job.error).where(Job.id == job_id))
            ).one()
        return row.status, row.attempts, row.error

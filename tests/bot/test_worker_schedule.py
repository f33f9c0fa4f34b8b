"""Scheduled work in the worker: classifier retraining (one job per period across workers) and the
purge of old finished jobs."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.jobs.retrain import queue_retrain, schedule_retraining
from bot.jobs.worker import JobContext, Worker
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.jobs import JobQueue
from storage.models import Job
from tests.support.botapp import bot_settings


async def _jobs(db: AsyncEngine) -> list[Job]:
    async with session_factory(db)() as session:
        return list(await session.scalars(select(Job).where(Job.kind == "retrain").order_by(Job.id)))


async def test_one_retraining_is_queued_per_period(db: AsyncEngine) -> None:
    queue = JobQueue(db)
    monday, sunday, next_week = date(2026, 11, 30), date(2026, 12, 5), date(2026, 12, 14)
    period_of = {day: day.toordinal() // 7 for day in (monday, sunday, next_week)}
    assert period_of[monday] == period_of[sunday] != period_of[next_week]

    assert await queue_retrain(queue, monday, 7, "zh") is True
    assert await queue_retrain(queue, sunday, 7, "zh") is False  # another worker, same week
    assert await queue_retrain(queue, next_week, 7, "zh") is True

    jobs = await _jobs(db)
    assert [job.status for job in jobs] == ["queued", "queued"]
    assert all(job.chat_id is None for job in jobs)  # nobody's chat: the outcome is logged


async def test_the_schedule_queues_at_once_and_the_worker_runs_it(db: AsyncEngine) -> None:
    async with BotAPIEmulator() as emulator:
        settings = bot_settings(emulator)
    queue = JobQueue(db)
    clock = lambda: datetime(2026, 12, 5, 9, tzinfo=UTC)  # noqa: E731
    task = asyncio.create_task(schedule_retraining(queue, 7, "zh", clock, check_seconds=0.01))
    for _ in range(200):
        if await _jobs(db):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # several more checks in the same week
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert len(await _jobs(db)) == 1

    ran = await Worker(JobContext(db, db, settings)).run_once()
    assert ran is not None and ran.kind == "retrain"
    (job,) = await _jobs(db)
    assert job.status == "done"
    # No labels in this deployment yet: the retraining says what it needs and changes nothing.
    assert job.result is not None
    assert "retraining needs at least 20" in job.result["parts"][0]["text"]


async def test_finished_jobs_are_purged_after_a_while_undelivered_ones_kept(db: AsyncEngine) -> None:
    queue = JobQueue(db)
    delivered, undelivered, scheduled, fresh = [
        (await queue.enqueue("digest", {}, language="zh", chat_id=chat))[0] for chat in (1, 2, None, 3)
    ]
    async with session_factory(db)() as session, session.begin():
        await session.execute(update(Job).values(status="done", finished_at=func.now() - timedelta(days=40)))
        await session.execute(update(Job).where(Job.id == fresh).values(finished_at=func.now()))
        await session.execute(
            update(Job).where(Job.id.in_((delivered, fresh))).values(delivered_at=func.now())
        )

    assert await queue.purge(timedelta(days=30)) == 2

    async with session_factory(db)() as session:
        left = set(await session.scalars(select(Job.id)))
    # Still to be sent (its admin waits for it), and delivered only now: both kept.
    assert left == {undelivered, fresh}
    assert scheduled not in left

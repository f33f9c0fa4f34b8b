"""The jobs queue and the worker: one run per job across workers, one job per key, bounded retries
told to the admin, and analytics reads from ANALYTICS_DATABASE_URL."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli.worker import analytics_engine
from bot.jobs import worker as worker_module
from bot.jobs.worker import JobContext, Worker
from dialogs.i18n import Language
from emulator.emulator import BotAPIEmulator
from storage import jobs as jobs_module
from storage.database import create_engine, session_factory
from storage.jobs import JobQueue, Part
from storage.kpis import NewReading
from storage.migrate import upgrade_async
from storage.models import Job
from storage.unit_of_work import UnitOfWork
from tests.support.botapp import ADMIN_ID, bot_settings, running_bot
from tests.support.database import create_database, drop_database


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


@pytest.fixture
async def second_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Another engine on the same database: another worker process's connections."""
    engine = create_engine(database_url, pool_size=4)
    yield engine
    await engine.dispose()


async def test_two_workers_never_run_the_same_job(
    db: AsyncEngine, second_engine: AsyncEngine, emulator: BotAPIEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[tuple[int, str]] = []
    all_ran = asyncio.Event()

    async def record(ctx: JobContext, payload: dict[str, Any], language: Language) -> list[Part]:
        runs.append((payload["n"], (ctx.engine is db and "first") or "second"))
        if len(runs) >= 40:
            all_ran.set()
        await asyncio.sleep(0.01)  # hold the job a moment, so the other worker claims meanwhile
        return [Part("text", f"job {payload['n']}")]

    monkeypatch.setitem(worker_module.HANDLERS, "record", record)
    queue = JobQueue(db)
    for n in range(40):
        await queue.enqueue("record", {"n": n}, language="zh")
    settings = bot_settings(emulator)
    workers = [
        Worker(JobContext(db, db, settings), name="first", poll_seconds=0.05),
        Worker(JobContext(second_engine, second_engine, settings), name="second", poll_seconds=0.05),
    ]
    tasks = [asyncio.create_task(w.run_forever()) for w in workers]
    try:
        await asyncio.wait_for(all_ran.wait(), 30)
        await asyncio.sleep(0.3)  # time for a double run to show up
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert Counter(n for n, _ in runs) == Counter(range(40))  # each job ran exactly once
    assert {name for _, name in runs} == {"first", "second"}  # and both workers took some
    async with session_factory(db)() as session:
        statuses = (await session.scalars(select(Job.status))).all()
    assert statuses == ["done"] * 40


async def test_a_job_is_queued_once_per_key(db: AsyncEngine) -> None:
    queue = JobQueue(db)
    first = await queue.enqueue("digest", {"freq": "week"}, language="zh", chat_id=1, key="digest:1:55")
    again = await queue.enqueue("digest", {"freq": "week"}, language="zh", chat_id=1, key="digest:1:55")
    assert first[1] is True and again == (first[0], False)
    async with session_factory(db)() as session:
        assert len((await session.scalars(select(Job.id))).all()) == 1


async def test_a_failing_job_tells_the_admin_and_is_not_retried_forever(
    db: AsyncEngine, emulator: BotAPIEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[str] = []

    async def broken(ctx: JobContext, payload: dict[str, Any], language: Language) -> list[Part]:
        attempts.append(payload["format"])
        raise RuntimeError("disk full")

    monkeypatch.setitem(worker_module.HANDLERS, "export", broken)
    monkeypatch.setattr(jobs_module, "RETRY_BACKOFF", timedelta(0))
    async with running_bot(db, emulator):
        admin = emulator.customer(ADMIN_ID)
        await admin.send("/export csv week")
        assert admin.last_text == "正在准备，好了会发给您…"
        await admin.wait_for(lambda: "没能生成" in admin.last_text, what="the failure notice")
        assert admin.last_text.startswith("抱歉，没能生成（已尝试 3 次）")
        await asyncio.sleep(1)  # the worker keeps polling: nothing runs the job again
        assert attempts == ["csv", "csv", "csv"]
        assert sum("没能生成" in m.shown_text for m in admin.messages) == 1  # told once
        assert not any(m.media_kind == "document" for m in admin.messages)
    async with session_factory(db)() as session:
        job = (await session.scalars(select(Job))).one()
    assert (job.status, job.attempts, job.error) == ("failed", 3, "RuntimeError: disk full")
    assert job.delivered_at is not None


async def test_reports_read_from_the_analytics_database_when_it_is_set(
    db: AsyncEngine, pg_server: str, emulator: BotAPIEmulator
) -> None:
    replica_url = await create_database(pg_server, prefix="tingjian_replica")
    try:
        await upgrade_async(replica_url)
        replica = create_engine(replica_url, pool_size=2)
        now = datetime.now(UTC)
        async with session_factory(replica)() as session, session.begin():
            await UnitOfWork(session).kpis.store([NewReading("uptime", 99.9, now - timedelta(hours=3))])
        await replica.dispose()
        queue = JobQueue(db)
        payload = {"days": 7, "at": now.isoformat()}
        for key in ("without", "with"):
            await queue.enqueue("kpis", payload, language="zh", chat_id=ADMIN_ID, key=key)
        # Without the setting the main database is read: it has no readings.
        plain = bot_settings(emulator)
        async with analytics_engine(plain, db) as analytics:
            assert analytics is db
            await Worker(JobContext(db, analytics, plain)).run_once()
        # With ANALYTICS_DATABASE_URL the replica's readings make the report.
        settings = bot_settings(emulator, analytics_database_url=replica_url)
        async with analytics_engine(settings, db) as analytics:
            assert analytics is not db
            await Worker(JobContext(db, analytics, settings)).run_once()
        async with session_factory(db)() as session:
            results = {
                job.key: job.result["parts"][0]["text"]
                for job in (await session.scalars(select(Job))).all()
                if job.result is not None
            }
        assert results["without"].startswith("最近 7 天没有绩效指标读数")
        assert "系统可用率：平均 99.9%" in results["with"]
    finally:
        await drop_database(pg_server, replica_url)

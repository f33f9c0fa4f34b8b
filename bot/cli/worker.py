"""`tingjian worker`: the process that builds reports, digests (scheduled ones too), exports and the
KPI report from the jobs queue; `tingjian run` starts one itself unless RUN_WORKER=false."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings

logger = logging.getLogger(__name__)


def add_worker_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `tingjian worker`."""
    worker = commands.add_parser(
        "worker", help="build reports, digests and exports queued by the bot (one per machine or more)"
    )
    worker.set_defaults(handler=_worker)


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(run_worker(settings))
    return 0


@asynccontextmanager
async def analytics_engine(settings: Settings, main: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine analytics reads use: ANALYTICS_DATABASE_URL (a read replica) if set, else `main`."""
    if settings.analytics_database_url is None:
        yield main
        return
    from storage.database import create_engine

    engine = create_engine(settings.analytics_database_url.get_secret_value(), pool_size=4)
    try:
        yield engine
    finally:
        await engine.dispose()


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run jobs and the digest scheduler until SIGTERM/SIGINT (or `stop`); a job in progress finishes."""
    from bot.app import build_bot
    from bot.database import open_database
    from bot.jobs.digests import DigestScheduler
    from bot.jobs.retrain import schedule_retraining
    from bot.jobs.sla_watch import utc_now
    from bot.jobs.worker import JobContext, Worker
    from bot.metrics import Metrics
    from storage.jobs import JobQueue

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, stop.set)
    engine = await open_database(settings)
    bot = build_bot(settings)
    try:
        async with analytics_engine(settings, engine) as analytics:
            worker = Worker(JobContext(engine, analytics, settings))
            digests = DigestScheduler(bot, engine, settings, Metrics(), analytics=analytics)
            tasks = [
                asyncio.create_task(worker.run_forever()),
                asyncio.create_task(digests.run_forever(utc_now)),
            ]
            if settings.classifier_retrain_days:
                retraining = schedule_retraining(
                    JobQueue(engine), settings.classifier_retrain_days, settings.default_language, utc_now
                )
                tasks.append(asyncio.create_task(retraining))
            logger.info("worker %s ready", worker.name)
            await stop.wait()
            logger.info("worker %s stopping", worker.name)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        await bot.session.close()
        await engine.dispose()

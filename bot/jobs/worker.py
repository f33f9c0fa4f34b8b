"""The worker: claims jobs from PostgreSQL and does the heavy work (reports with charts, exports, the
KPI report, scheduled digests) outside the chat process; `tingjian worker` runs it alone and
`tingjian run` starts one as a child process (RUN_WORKER)."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

import pandas as pd
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.kpis import KpiTarget, kpi_table
from analysis.periods import Freq, period_of
from bot.config import Settings
from bot.exports import to_csv_zip, to_xlsx
from bot.jobs.digests import report_parts
from bot.jobs.keywords import keywords_job
from bot.jobs.reports import build_period_report
from bot.jobs.retrain import JOB_KIND as RETRAIN_JOB
from bot.jobs.retrain import retrain_deployment
from dialogs.i18n import Language, language_of, t
from dialogs.kpis import load_kpis
from dialogs.terms import DIMENSIONS
from storage.analytics import load_frames
from storage.complaints import KEYWORDS_JOB
from storage.database import session_factory
from storage.jobs import ClaimedJob, JobQueue, Part
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5
KEEP_FINISHED = timedelta(days=30)
PURGE_EVERY_SECONDS = 3600.0
FREQS: dict[str, Freq] = {"day": "day", "week": "week", "month": "month"}


@dataclass
class JobContext:
    """What a job runs against: the main database, the one analytics reads go to, the settings."""

    engine: AsyncEngine
    analytics: AsyncEngine
    settings: Settings


async def digest_job(ctx: JobContext, payload: dict[str, Any], language: Language) -> list[Part]:
    """/digest: the report of the period containing `at`, with its chart."""
    at = pd.Timestamp(payload["at"])
    built = await build_period_report(ctx.analytics, ctx.settings, FREQS[payload["freq"]], at, language)
    return report_parts(built.report, language)


async def export_job(ctx: JobContext, payload: dict[str, Any], language: Language) -> list[Part]:
    """/export: the period's responses, answers and complaints as an xlsx workbook or a zip of CSVs."""
    period = period_of(pd.Timestamp(payload["at"]), FREQS[payload["freq"]], ctx.settings.timezone)
    frames = await load_frames(ctx.analytics, period.start, period.end)
    xlsx = payload["format"] == "xlsx"
    content = await asyncio.to_thread(to_xlsx if xlsx else to_csv_zip, frames)
    name = f"tingjian-{period.label}.{'xlsx' if xlsx else 'zip'}"
    caption = escape(t(language, "admin_export_caption", period=period.label))
    return [Part("document", caption, name, content)]


async def kpis_job(ctx: JobContext, payload: dict[str, Any], language: Language) -> list[Part]:
    """/kpis: each indicator against its target and its correlation with its dimension's scores."""
    days = int(payload["days"])
    until = datetime.fromisoformat(payload["at"])
    since = until - timedelta(days=days)
    async with session_factory(ctx.analytics)() as session:
        uow = UnitOfWork(session)
        readings = await uow.kpis.readings(since, until)
        dimension_days = await uow.kpis.dimension_days(since, until, ctx.settings.timezone)
    catalog = load_kpis(ctx.settings.kpi_file)
    targets = {key: KpiTarget(d.target, d.better, d.dimension) for key, d in catalog.items()}
    frame = pd.DataFrame(readings, columns=["kpi", "value", "measured_at", "branch"])
    frame["measured_at"] = pd.to_datetime(frame["measured_at"], utc=True)
    days_frame = pd.DataFrame(dimension_days, columns=["day", "dimension", "mean", "n"]).astype({"day": str})
    table = kpi_table(frame, targets, days_frame, ctx.settings.timezone)
    if table.empty:
        return [Part("text", t(language, "campaign_kpi_empty", days=days))]
    lines = [t(language, "campaign_kpi_title", days=days)]
    for row in table.to_dict("records"):
        definition = catalog[str(row["kpi"])]
        lines.append(
            t(
                language,
                "campaign_kpi_line",
                name=definition.name.get(language),
                mean=f"{row['mean']:.4g}",
                unit=definition.unit,
                better=t(language, f"campaign_kpi_{row['better']}"),
                target=f"{row['target']:g}",
                mark="✅" if row["meets"] else "⚠️",
                met=f"{row['met_share']:.0%}",
                n=row["n"],
            )
        )
        if row["dimension"] in DIMENSIONS:
            lines.append(_correlation_line(row["dimension"], row["r"], row["p_value"], row["days"], language))
    return [Part("text", "\n".join(lines))]


def _correlation_line(dimension: str, r: float, p: float, days: int, language: Language) -> str:
    name = t(language, f"complaint_dimension_{dimension}")
    if math.isnan(r):
        return t(language, "campaign_kpi_no_correlation", dimension=name, days=days)
    return t(language, "campaign_kpi_correlation", dimension=name, r=f"{r:+.2f}", days=days, p=f"{p:.3f}")


async def retrain_job(ctx: JobContext, payload: dict[str, Any], language: Language) -> list[Part]:
    """Scheduled retraining of the complaint classifier; its outcome (figures only) goes to the log."""
    outcome = await retrain_deployment(ctx.engine)
    logger.info("classifier retraining: %s", outcome)
    return [Part("text", outcome)]


JobHandler = Callable[[JobContext, dict[str, Any], Language], Awaitable[list[Part]]]
HANDLERS: dict[str, JobHandler] = {
    "digest": digest_job,
    "export": export_job,
    "kpis": kpis_job,
    RETRAIN_JOB: retrain_job,
    KEYWORDS_JOB: keywords_job,
}


def worker_name() -> str:
    """host:pid, kept on a claimed job (which worker has it)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Worker:
    """Claims jobs one at a time and runs them; a failure is recorded (retried, then failed for good)."""

    ctx: JobContext
    name: str = ""
    poll_seconds: float = POLL_SECONDS

    def __post_init__(self) -> None:
        self.name = self.name or worker_name()
        self.queue = JobQueue(self.ctx.engine)

    async def run_once(self) -> ClaimedJob | None:
        """Claim and run one job; returns it (None when nothing was runnable)."""
        job = await self.queue.claim(self.name)
        if job is None:
            return None
        language = language_of(job.language, self.ctx.settings.default_language)
        try:
            handler = HANDLERS[job.kind]
            parts = await handler(self.ctx, job.payload, language)
        except Exception as error:
            # The type and message only: a payload or a frame's content never reaches the log.
            final = await self.queue.fail(job.id, f"{type(error).__name__}: {error}")
            logger.exception(
                "job %s (%s) attempt %s failed%s",
                job.id,
                job.kind,
                job.attempts,
                "; giving up" if final else "; it will be retried",
            )
            return job
        await self.queue.finish(job.id, parts)
        logger.info("job %s (%s) done", job.id, job.kind)
        return job

    async def run_forever(self) -> None:
        """Run jobs until cancelled; with nothing to do, look again after `poll_seconds`."""
        purged_at = 0.0
        while True:
            try:
                if time.monotonic() - purged_at > PURGE_EVERY_SECONDS:
                    # Delivered results are kept a while for inspection, not for ever.
                    await self.queue.purge(KEEP_FINISHED)
                    purged_at = time.monotonic()
                while await self.run_once() is not None:
                    pass
            except Exception:
                logger.exception("claiming jobs failed; retrying")
            await asyncio.sleep(self.poll_seconds)

"""Periodic digests to admins, and alerts outside the schedule — each exactly once per period.

Every (admin, kind, period) is claimed in PostgreSQL before sending and marked sent after, so a
restart, a crash between two admins or a second bot process never sends a digest twice, and a
digest that fell due while the bot was down is sent when it is back. One process at a time
builds and sends (a PostgreSQL advisory lock); the others skip the round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.digest import (
    CAPTION_LIMIT,
    category_counts,
    complaint_alerts,
    digest_text,
    dimension_alerts,
    has_history,
    split_message,
)
from analysis.periods import Freq, PeriodBounds, period_of
from analysis.report import Report
from bot.campaign_report import rates_lines
from bot.config import Settings
from bot.jobs.deliveries import send_parts
from bot.jobs.reports import build_period_report
from bot.metrics import Metrics
from dialogs.i18n import Language, language_of, t
from dialogs.terms import CATEGORIES
from storage.database import session_factory
from storage.jobs import Part
from storage.locks import Lock, try_lock
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]
CAMPAIGNS_IN_DIGEST = 5
FREQUENCIES: dict[str, Freq] = {"daily": "day", "weekly": "week", "monthly": "month"}


def due_period(now: datetime, frequency: str, settings: Settings) -> PeriodBounds:
    """The latest complete period whose digest time has come (period end + day offset + time of day)."""
    freq = FREQUENCIES[frequency]
    stamp = pd.Timestamp(now)
    latest = period_of(stamp, freq, settings.timezone, offset=-1)
    return (
        latest
        if stamp >= send_time(latest, frequency, settings)
        else period_of(stamp, freq, settings.timezone, -2)
    )


def send_time(period: PeriodBounds, frequency: str, settings: Settings) -> pd.Timestamp:
    """When the digest of `period` is due."""
    hours, minutes = (int(part) for part in settings.digest_time.split(":"))
    days = {"daily": 0, "weekly": settings.digest_weekday, "monthly": settings.digest_monthday - 1}[frequency]
    local_end = period.end.tz_convert(settings.timezone)
    return (local_end + pd.Timedelta(days=days, hours=hours, minutes=minutes)).tz_convert("UTC")


def report_parts(report: Report, language: Language, extra: list[str] | None = None) -> list[Part]:
    """The chart (captioned with the title) then the digest text (and `extra` paragraphs), split
    within Telegram's limits."""
    text = digest_text(report, language)
    if extra:
        text += "\n\n" + "\n".join(extra)
    texts = split_message(text)
    # Before any answer or complaint the trend chart is an empty frame: the text says so instead.
    chart = report.charts.get("index_trend") if has_history(report) else None
    parts: list[Part] = []
    if chart:
        caption = texts[0].split("\n", 1)[0][:CAPTION_LIMIT]
        parts.append(Part("photo", caption, "digest.png", chart))
    return parts + [Part("text", part) for part in texts]


async def send_report(
    bot: Bot, chat_id: int, report: Report, language: Language, extra: list[str] | None = None
) -> None:
    """Send a report as `report_parts` gives it."""
    await send_parts(bot, chat_id, report_parts(report, language, extra))


@dataclass
class DigestScheduler:
    """Runs digest rounds: scheduled digests per admin and alerts, each claimed once."""

    bot: Bot
    engine: AsyncEngine
    settings: Settings
    metrics: Metrics
    analytics: AsyncEngine | None = None  # where reports read from (a read replica); None: `engine`

    async def run_once(self, now: datetime) -> int:
        """One round; returns how many digests and alerts were sent (0 if another process holds the lock)."""
        async with self.engine.connect() as connection:
            async with try_lock(connection, Lock.DIGESTS) as got:
                return await self._round(now) if got else 0

    async def _round(self, now: datetime) -> int:
        sent = 0
        reports: dict[tuple[str, str, str], Report] = {}
        for admin_id in sorted(self.settings.admin_ids):
            frequency, language = await self._preferences(admin_id)
            if frequency == "off":
                continue
            period = due_period(now, frequency, self.settings)
            key = (frequency, period.label, language)
            if not await self._claim(admin_id, f"digest:{frequency}", period.label, now):
                continue
            try:
                if key not in reports:
                    at = period.end - pd.Timedelta(microseconds=1)
                    built = await build_period_report(
                        self.analytics or self.engine, self.settings, FREQUENCIES[frequency], at, language
                    )
                    reports[key] = built.report
                await send_report(self.bot, admin_id, reports[key], language, await self._campaigns(language))
            except Exception:
                logger.exception("digest for admin %s failed; it will be retried", admin_id)
                await self._finish(admin_id, f"digest:{frequency}", period.label, sent=False)
                continue
            await self._finish(admin_id, f"digest:{frequency}", period.label, sent=True)
            self.metrics.digests.inc()
            sent += 1
        return sent + await self._alerts(now)

    async def _alerts(self, now: datetime) -> int:
        """Alerts for the current (partial) period: a dimension clearly below baseline, a complaint spike."""
        if not self.settings.admin_ids:
            return 0
        language = self.settings.default_language
        stamp = pd.Timestamp(now)
        built = await build_period_report(
            self.analytics or self.engine, self.settings, "week", stamp, language
        )
        current = period_of(stamp, "week", self.settings.timezone)
        previous = period_of(stamp, "week", self.settings.timezone, -1)
        names: dict[str, str] = {c: t(language, f"complaint_category_{c}") for c in CATEGORIES}
        alerts = dimension_alerts(built.report, self.settings.alert_margin, language) + complaint_alerts(
            category_counts(built.complaints, current),
            category_counts(built.complaints, previous),
            self.settings.complaint_spike_factor,
            self.settings.complaint_spike_minimum,
            names,
            language,
        )
        sent = 0
        for condition, text in alerts:
            for admin_id in sorted(self.settings.admin_ids):
                if not await self._claim(admin_id, condition, current.label, now):
                    continue
                try:
                    await self.bot.send_message(admin_id, text, parse_mode=None)
                except Exception:
                    logger.exception("alert %s for admin %s failed; it will be retried", condition, admin_id)
                    await self._finish(admin_id, condition, current.label, sent=False)
                    continue
                await self._finish(admin_id, condition, current.label, sent=True)
                sent += 1
        return sent

    async def _campaigns(self, language: Language) -> list[str]:
        """Response rates of the newest campaigns (nothing when there are none)."""
        async with session_factory(self.engine)() as session:
            rates = (await UnitOfWork(session).campaigns.rates())[:CAMPAIGNS_IN_DIGEST]
        return [t(language, "admin_digest_campaigns"), *rates_lines(rates, language)] if rates else []

    async def _preferences(self, admin_id: int) -> tuple[str, Language]:
        async with session_factory(self.engine)() as session:
            uow = UnitOfWork(session)
            frequency = await uow.digests.frequency(admin_id) or self.settings.digest_frequency
            admin = await uow.respondents.by_telegram_id(admin_id)
        language = language_of(admin.language if admin else None, self.settings.default_language)
        return frequency, language

    async def _claim(self, admin_id: int, kind: str, period: str, now: datetime) -> bool:
        async with session_factory(self.engine)() as session, session.begin():
            return await UnitOfWork(session).digests.claim(admin_id, kind, period, now)

    async def _finish(self, admin_id: int, kind: str, period: str, *, sent: bool) -> None:
        async with session_factory(self.engine)() as session, session.begin():
            digests = UnitOfWork(session).digests
            if sent:
                await digests.mark_sent(admin_id, kind, period)
            else:
                await digests.release(admin_id, kind, period)

    async def run_forever(self, clock: Clock) -> None:
        """A round every DIGEST_CHECK_SECONDS until cancelled; a failed round is retried next time."""
        while True:
            try:
                await self.run_once(clock())
            except Exception:
                logger.exception("digest round failed")
            await asyncio.sleep(self.settings.digest_check_seconds)

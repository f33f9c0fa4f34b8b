"""The campaign sender: plans rounds, sends invitations and reminders within Telegram's limits, resumably.

One pass (`tick`) runs under a PostgreSQL advisory lock, so with several bot processes exactly one
sends at a time and the rate limit holds for the bot as a whole. Each message is claimed in the
database (committed) before it is sent and marked after, and `stop()` lets the message in flight
finish, so a restart neither repeats nor skips anyone. Time comes from an injectable clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.invitations import invitation_keyboard, invitation_text
from dialogs.campaign import CampaignSpec, Send, Stop, Wait, next_message
from dialogs.i18n import Language
from storage.database import session_factory
from storage.locks import Lock, try_lock
from storage.surveys import StoredSurvey
from storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from storage.campaigns import Claimable

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]
RETRY_DELAY = timedelta(minutes=2)  # after a network or server error, on the campaign clock
MAX_ATTEMPTS = 5
IDEMPOTENCY_KEEP = timedelta(days=2)


def utc_now() -> datetime:
    """The real clock (tests pass their own)."""
    return datetime.now(UTC)


class Throttle(BaseRequestMiddleware):
    """At most `rate` requests a second through one Bot session, and a 429 pauses all of them.

    aiolimiter provides the leaky bucket; the shared pause is ours: the session's retry middleware
    waits out a 429 per request, but other workers must not keep sending meanwhile.
    """

    def __init__(self, rate: float) -> None:
        self.limiter = AsyncLimiter(rate, 1.0)
        self.resume_at = 0.0

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        loop = asyncio.get_running_loop()
        while (pause := self.resume_at - loop.time()) > 0:  # noqa: ASYNC110 (a 429 may extend the pause)
            await asyncio.sleep(pause)
        await self.limiter.acquire()
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as error:
            self.resume_at = max(self.resume_at, loop.time() + error.retry_after)
            raise


def campaign_bot(settings: Settings) -> Bot:
    """A Bot with its own session for campaign traffic, throttled to CAMPAIGN_RATE_PER_SECOND.

    Replies to customers use the dispatcher's Bot and are not held up behind a large campaign: both
    share the bot-wide pacing (BOT_SENDS_PER_SECOND), and the campaign leaves them the difference.
    """
    from bot.app import build_bot

    return build_bot(settings, throttle=Throttle(settings.campaign_rate_per_second))


@dataclass
class TickReport:
    """What one pass did."""

    planned: int = 0
    sent: int = 0
    reminded: int = 0
    skipped: int = 0
    failed: int = 0
    postponed: int = 0
    recovered: int = 0


@dataclass(frozen=True)
class _Claimed:
    invitation_id: int
    telegram_id: int
    language: Language
    reminder: bool
    reminders_after: int
    stored: StoredSurvey
    due: Claimable


class CampaignSender:
    """Sends what campaigns have due; `start()` runs it every CAMPAIGN_CHECK_SECONDS until `stop()`."""

    def __init__(
        self,
        bot: Bot,
        engine: AsyncEngine,
        settings: Settings,
        clock: Clock = utc_now,
        workers: int = 4,
    ) -> None:
        self.bot = bot
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.workers = workers
        self._stopping = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._surveys: dict[int, StoredSurvey] = {}
        self._owns_bot = False

    @classmethod
    def with_own_bot(cls, engine: AsyncEngine, settings: Settings, clock: Clock = utc_now) -> CampaignSender:
        """A sender with its own throttled Bot (closed by `stop`)."""
        sender = cls(campaign_bot(settings), engine, settings, clock)
        sender._owns_bot = True
        return sender

    def start(self) -> None:
        """Run in the background."""
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="campaign-sender")

    def wake(self) -> None:
        """Run a pass now (an API call just asked for an invitation)."""
        self._wake.set()

    async def stop(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109 (the caller bounds the shutdown)
        """Finish the messages in flight, then stop (cancelled if that takes longer than `timeout`)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        if self._owns_bot:
            await self.bot.session.close()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self.tick()
            except Exception:
                logger.exception(
                    "campaign pass failed; retrying in %ss", self.settings.campaign_check_seconds
                )
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.campaign_check_seconds)

    async def tick(self) -> TickReport:
        """One pass: recover interrupted claims, plan due rounds, send everything due (if no one else is)."""
        report = TickReport()
        async with self.engine.connect() as lock:
            async with try_lock(lock, Lock.CAMPAIGNS) as got:
                if not got:
                    return report
                await self._prepare(report)
                await asyncio.gather(*(self._work(report) for _ in range(self.workers)))
            await lock.commit()
        if report.sent or report.reminded or report.failed:
            logger.info(
                "campaigns: %s invited, %s reminded, %s failed, %s skipped",
                report.sent,
                report.reminded,
                report.failed,
                report.skipped,
            )
        return report

    async def _prepare(self, report: TickReport) -> None:
        now = self.clock()
        async with session_factory(self.engine)() as session, session.begin():
            uow = UnitOfWork(session)
            # Under the lock nobody is sending, so open claims were left by a process that died
            # mid-message: count them as sent (a duplicate invitation annoys more than a missing one).
            for invitation, campaign in await uow.campaigns.interrupted():
                assert invitation.claimed_at is not None
                reminders = invitation.reminders_sent + (invitation.status == "reminding")
                policy = CampaignSpec.model_validate(campaign.spec).reminders
                next_due = policy.next_reminder_at(invitation.claimed_at, reminders)
                await uow.campaigns.delivered(invitation.id, invitation.claimed_at, next_due)
                report.recovered += 1
            await uow.idempotency.purge(now - IDEMPOTENCY_KEEP)
            for campaign in await uow.campaigns.to_plan():
                schedule = CampaignSpec.model_validate(campaign.spec).schedule
                for number in range(campaign.rounds_planned + 1, schedule.rounds_due(now) + 1):
                    starts = schedule.round_start(number)
                    report.planned += await uow.campaigns.plan_round(campaign, number, starts)
        if report.recovered:
            logger.warning("campaigns: %s messages interrupted by a crash counted as sent", report.recovered)

    async def _work(self, report: TickReport) -> None:
        while not self._stopping:
            claimed = await self._claim_next(report)
            if claimed is None:
                return
            if isinstance(claimed, _Claimed):
                await self._deliver(claimed, report)

    async def _claim_next(self, report: TickReport) -> _Claimed | Literal[False] | None:
        """The next message to send (claimed), False when the due item needed no message, None when idle."""
        now = self.clock()
        async with session_factory(self.engine)() as session, session.begin():
            uow = UnitOfWork(session, self._surveys)
            due = await uow.campaigns.next_due(now)
            if due is None:
                return None
            spec = due.spec
            invitation = due.invitation
            invited = invitation.invited_at is not None
            decision = next_message(
                invited=invited,
                opted_out=due.opted_out,
                blocked=due.blocked,
                completed=due.completed,
                reminders_sent=invitation.reminders_sent,
                policy=spec.reminders,
                quiet=spec.reminders.quiet_hours or self.settings.campaign_quiet_hours,
                timezone=due.timezone or self.settings.timezone,
                now=now,
                last_invited=due.last_invited,
                min_gap=timedelta(days=self.settings.invite_min_days),
            )
            if isinstance(decision, Stop):
                await uow.campaigns.drop(invitation, decision.status)
                report.skipped += decision.status is not None
                return False
            if isinstance(decision, Wait):
                await uow.campaigns.postpone(invitation, decision.until)
                report.postponed += 1
                return False
            assert isinstance(decision, Send)
            stored = await uow.surveys.latest(due.campaign.survey_key)
            if stored is None:
                await uow.campaigns.drop(invitation, "failed", error="survey_unavailable")
                report.failed += 1
                return False
            await uow.campaigns.claim(invitation, now)
            reminders_after = invitation.reminders_sent + (1 if decision.reminder else 0)
            return _Claimed(
                invitation.id,
                due.telegram_id,
                due.language,  # type: ignore[arg-type]
                decision.reminder,
                reminders_after,
                stored,
                due,
            )

    async def _deliver(self, claimed: _Claimed, report: TickReport) -> None:
        """Send one claimed message and record the outcome (also when the sender is being stopped)."""
        retry_at: datetime | None = None
        final, error = "failed", None
        try:
            await self.bot.send_message(
                claimed.telegram_id,
                invitation_text(claimed.stored.survey, claimed.language, claimed.reminder),
                reply_markup=invitation_keyboard(claimed.invitation_id, claimed.language),
            )
        except TelegramForbiddenError:
            final, error = "blocked", "blocked"
        except TelegramBadRequest as problem:
            error = problem.message[:80]
        except TelegramRetryAfter:
            retry_at, error = self.clock(), None  # waited out by the throttle; picked up again at once
        except (TelegramNetworkError, TelegramServerError) as problem:
            error = type(problem).__name__
            if claimed.due.invitation.attempts + 1 < MAX_ATTEMPTS:
                retry_at = self.clock() + RETRY_DELAY
        else:
            await self._record_delivery(claimed, report)
            return
        async with session_factory(self.engine)() as session, session.begin():
            uow = UnitOfWork(session)
            await uow.campaigns.undelivered(
                claimed.invitation_id, retry_at=retry_at, error=error, final_status=final
            )
            if final == "blocked":
                await uow.profiles.set_blocked(claimed.due.invitation.respondent_id, True)
        if retry_at is None:
            report.failed += final == "failed"
            report.skipped += final == "blocked"

    async def _record_delivery(self, claimed: _Claimed, report: TickReport) -> None:
        now = self.clock()
        policy = claimed.due.spec.reminders
        next_due = policy.next_reminder_at(now, claimed.reminders_after)
        async with session_factory(self.engine)() as session, session.begin():
            await UnitOfWork(session).campaigns.delivered(claimed.invitation_id, now, next_due)
        if claimed.reminder:
            report.reminded += 1
        else:
            report.sent += 1

"""Reports SLA breaches to admins, each breach once (even with several bot processes running)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.follow_ups import due_day
from bot.tickets import local_time, tell_admins
from dialogs.i18n import t
from dialogs.tickets import DueTimes, SlaTicket, breaches, ticket_number
from storage.database import session_factory
from storage.models import Complaint
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock (tests pass their own)."""
    return datetime.now(UTC)


async def report_breaches(bot: Bot, engine: AsyncEngine, settings: Settings, now: datetime) -> int:
    """Tell admins about breaches not reported before; returns how many were reported."""
    slas = settings.slas()
    async with session_factory(engine)() as session:
        uow = UnitOfWork(session)
        overdue = await uow.complaints.overdue(slas, now)
        tickets = [
            SlaTicket(c.id, c.severity, c.status, c.created_at, c.first_response_at, _case_due(c))
            for c in overdue
        ]
        # The unique row in sla_breaches decides, so two processes never report the same breach.
        claimed = [
            b for b in breaches(tickets, now, slas=slas) if await uow.complaints.claim_breach_report(*b.pair)
        ]
        await uow.commit()
        language = settings.default_language
        for breach in claimed:
            if breach.ticket.due is not None:  # a follow-up case: late revisit or fix
                await tell_admins(
                    bot,
                    uow,
                    settings,
                    "admin_case_breach",
                    markup_for=breach.ticket.id,
                    ticket=ticket_number(breach.ticket.id),
                    kind=t(language, f"case_breach_{breach.kind}"),
                    due=due_day(breach.due, settings.working_calendar(), language),
                )
                continue
            await tell_admins(
                bot,
                uow,
                settings,
                "admin_breach",
                markup_for=breach.ticket.id,
                ticket=ticket_number(breach.ticket.id),
                severity=t(language, f"complaint_severity_{breach.ticket.severity}"),
                kind=t(language, f"ticket_breach_{breach.kind}"),
                due=local_time(breach.due, settings.timezone),
            )
    return len(claimed)


def _case_due(complaint: Complaint) -> DueTimes | None:
    """A follow-up case's own revisit and fix deadlines (None for a complaint: its severity decides)."""
    if complaint.kind != "follow_up" or complaint.revisit_due_at is None or complaint.fix_due_at is None:
        return None
    return DueTimes(complaint.revisit_due_at, complaint.fix_due_at)


async def watch_sla(bot: Bot, engine: AsyncEngine, settings: Settings, clock: Clock = utc_now) -> None:
    """Check for breaches every SLA_CHECK_SECONDS until cancelled; a failed check is retried next time."""
    while True:
        try:
            await report_breaches(bot, engine, settings, clock())
        except Exception:
            logger.exception("SLA check failed; retrying in %ss", settings.sla_check_seconds)
        await asyncio.sleep(settings.sla_check_seconds)

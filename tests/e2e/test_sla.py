"""SLA breaches reach the admins once, from the events' known times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.follow_ups import rules_of
from bot.jobs.sla_watch import report_breaches
from dialogs.complaint_io import NewComplaint
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import Complaint
from storage.unit_of_work import UnitOfWork
from tests.support.botapp import ADMIN_ID, RunningBot, bot_settings


async def open_ticket(engine: AsyncEngine, severity: str, created_at: datetime) -> int:
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        customer = await uow.respondents.touch(5001, "zh", None)
        complaint = await uow.complaints.open_ticket(
            customer.id,
            "zh",
            NewComplaint("网点排队太久", "resources", 0.8, "resources", None, None, severity, False, None),
        )
        await session.execute(
            update(Complaint).where(Complaint.id == complaint.id).values(created_at=created_at)
        )
        return complaint.id


async def test_breaches_are_reported_once_per_ticket_and_kind(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    admin = emulator.customer(ADMIN_ID)
    await admin.send("/start")
    settings = bot_settings(emulator)
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    late = await open_ticket(db, "high", now - timedelta(hours=2))  # first response was due after 1 h
    await open_ticket(db, "low", now - timedelta(hours=1))  # low: 24 h to respond, not late
    assert await report_breaches(tingjian.bot, db, settings, now) == 1
    await admin.wait_for(lambda: "SLA 超时" in admin.last_text, what="breach report")
    assert f"TJ-{late:06d}" in admin.last_text and "首次响应超时" in admin.last_text
    assert await report_breaches(tingjian.bot, db, settings, now + timedelta(minutes=5)) == 0
    # a day later the resolution is overdue too: that is a new breach, reported once
    assert await report_breaches(tingjian.bot, db, settings, now + timedelta(hours=22, minutes=30)) == 1
    assert "解决超时" in admin.last_text


async def test_a_follow_up_case_not_revisited_by_its_working_day_deadline_is_reported_once(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    admin = emulator.customer(ADMIN_ID)
    await admin.send("/start")
    settings = bot_settings(emulator)
    friday = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)  # Friday 15:00 in Shanghai
    async with session_factory(db)() as session, session.begin():
        uow = UnitOfWork(session)
        customer = await uow.respondents.touch(5002, "zh", None)
        draft = NewComplaint("", "other", 0.0, "other", None, None, "medium", True, None, rating_before=1)
        case = await uow.follow_ups.open_case(customer.id, "zh", draft, rules_of(settings), at=friday)
    monday_night = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 23:00 on Monday: still in time
    assert await report_breaches(tingjian.bot, db, settings, monday_night) == 0
    tuesday = datetime(2026, 12, 7, 16, 1, tzinfo=UTC)  # 00:01 on Tuesday in Shanghai
    assert await report_breaches(tingjian.bot, db, settings, tuesday) == 1
    await admin.wait_for(lambda: "差评回访超时" in admin.last_text, what="the late revisit")
    assert f"TJ-{case.id:06d} · 未按时回访 · 期限 2026-12-07（周一）" in admin.last_text
    assert await report_breaches(tingjian.bot, db, settings, tuesday + timedelta(hours=1)) == 0

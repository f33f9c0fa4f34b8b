"""Follow-up cases in PostgreSQL: working-day deadlines as stored, overdue like tickets, reasons kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from dialogs.complaint_io import NewComplaint
from dialogs.follow_up import FollowUpRules
from dialogs.survey_loader import default_survey_path, load_survey_file
from dialogs.working_days import WorkingCalendar
from storage.database import session_factory
from storage.models import Complaint, RatingReason
from storage.unit_of_work import UnitOfWork

SHANGHAI = "Asia/Shanghai"


def case_draft(response_id: int | None = None) -> NewComplaint:
    return NewComplaint(
        "窗口只开了一个", "resources", 0.7, "resources", None, None, "medium", True, None,
        source_response_id=response_id, rating_before=2,
    )  # fmt: skip


async def open_case(engine: AsyncEngine, at: datetime, rules: FollowUpRules) -> Complaint:
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        customer = await uow.respondents.touch(7001, "zh", None)
        return await uow.follow_ups.open_case(customer.id, "zh", case_draft(), rules, at=at)


async def stored(engine: AsyncEngine, case_id: int) -> Complaint:
    async with session_factory(engine)() as session:
        return await session.get_one(Complaint, case_id)


def shanghai(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time (UTC+8, no DST) as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


async def test_a_rating_on_friday_afternoon_is_due_for_a_revisit_by_the_end_of_monday(
    db: AsyncEngine,
) -> None:
    rules = FollowUpRules(revisit_days=1, fix_days=15, calendar=WorkingCalendar(SHANGHAI))
    case = await open_case(db, shanghai(2026, 12, 4, 15), rules)  # Friday 15:00 in Shanghai
    row = await stored(db, case.id)
    assert row.kind == "follow_up" and row.rating_before == 2 and row.status == "received"
    assert row.created_at == shanghai(2026, 12, 4, 15)
    assert row.revisit_due_at == shanghai(2026, 12, 8, 0)  # Monday 7 December ends at Tuesday 00:00
    # 15 working days: the weeks of 7, 14 and 21 December; Friday 25 December is the last
    assert row.fix_due_at == shanghai(2026, 12, 26, 0)


async def test_the_day_counts_in_the_operators_time_zone_not_in_utc(db: AsyncEngine) -> None:
    # Sunday 16:30 UTC is already Monday 00:30 in Shanghai: a working day, so the revisit is due
    # by the end of Tuesday there; in UTC it is still Sunday, so the end of Monday.
    sunday_evening_utc = datetime(2026, 12, 6, 16, 30, tzinfo=UTC)
    in_shanghai = await open_case(db, sunday_evening_utc, FollowUpRules(calendar=WorkingCalendar(SHANGHAI)))
    assert (await stored(db, in_shanghai.id)).revisit_due_at == shanghai(2026, 12, 9, 0)
    in_utc = await open_case(db, sunday_evening_utc, FollowUpRules(calendar=WorkingCalendar("UTC")))
    assert (await stored(db, in_utc.id)).revisit_due_at == datetime(2026, 12, 8, 0, tzinfo=UTC)
    # Friday 23:59 in Shanghai is Friday there (15:59 UTC): Monday, as for any Friday rating
    late_friday = await open_case(
        db, shanghai(2026, 12, 4, 23, 59), FollowUpRules(calendar=WorkingCalendar(SHANGHAI))
    )
    assert (await stored(db, late_friday.id)).revisit_due_at == shanghai(2026, 12, 8, 0)


async def test_holidays_and_make_up_working_days_from_the_settings(db: AsyncEngine) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        holidays="2026-10-01,2026-10-02, 2026-10-05",
        extra_workdays="2026-10-10",
    )
    rules = FollowUpRules(revisit_days=1, fix_days=3, calendar=settings.working_calendar())
    # Wednesday 30 September: Thursday and Friday are holidays, so is Monday 5 October
    case = await open_case(db, shanghai(2026, 9, 30, 10), rules)
    row = await stored(db, case.id)
    assert row.revisit_due_at == shanghai(2026, 10, 7, 0)  # Tuesday 6 October
    # three working days: Tuesday 6, Wednesday 7, Thursday 8 October
    assert row.fix_due_at == shanghai(2026, 10, 9, 0)
    # Friday 9 October: the next working day is the make-up Saturday 10 October
    saturday = await open_case(db, shanghai(2026, 10, 9, 10), rules)
    assert (await stored(db, saturday.id)).revisit_due_at == shanghai(2026, 10, 11, 0)
    assert settings.working_calendar().holidays == {date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)}


async def test_a_case_past_its_revisit_is_overdue_until_staff_responds_then_until_its_fix(
    db: AsyncEngine,
) -> None:
    rules = FollowUpRules(calendar=WorkingCalendar(SHANGHAI))
    case = await open_case(db, shanghai(2026, 12, 4, 15), rules)
    monday_evening, tuesday = shanghai(2026, 12, 7, 20), shanghai(2026, 12, 8, 9)
    slas = Settings(_env_file=None).slas()  # type: ignore[call-arg]
    async with session_factory(db)() as session, session.begin():
        uow = UnitOfWork(session)
        # the medium complaint SLA (4 h to respond) does not apply to a case: not overdue on Monday
        assert await uow.complaints.overdue(slas, monday_evening) == []
        assert [c.id for c in await uow.complaints.overdue(slas, tuesday)] == [case.id]
        row = await uow.complaints.get(case.id, for_update=True)
        assert row is not None
        await uow.complaints.record(
            row, actor_role="admin", actor_id=1, action="acknowledge", to_status="in_progress", at=tuesday
        )
        assert await uow.complaints.overdue(slas, tuesday) == []  # revisited (late), fix not yet due
        assert [c.id for c in await uow.complaints.overdue(slas, shanghai(2026, 12, 26, 1))] == [case.id]


async def test_reasons_picked_again_replace_the_earlier_picks(db: AsyncEngine) -> None:
    async with session_factory(db)() as session, session.begin():
        uow = UnitOfWork(session)
        customer = await uow.respondents.touch(7002, "zh", None)
        version = await uow.surveys.store(load_survey_file(default_survey_path()))
        response_id = await uow.responses.open(customer.id, version.version_id)
        await uow.follow_ups.set_reasons(response_id, [(1, "personnel"), (7, "resources")])
        await uow.follow_ups.set_reasons(response_id, [(3, "process")])
        assert await uow.follow_ups.reasons(response_id) == [(3, "process")]
    async with session_factory(db)() as session:
        rows = (await session.scalars(select(RatingReason))).all()
        assert [(r.response_id, r.reason, r.category) for r in rows] == [(response_id, 3, "process")]

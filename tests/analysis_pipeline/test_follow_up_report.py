"""Follow-up cases and reasons from PostgreSQL into the report (every format) and the digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.digest import digest_text
from analysis.report import ReportSettings, build_report, report_window
from dialogs.complaint_io import NewComplaint
from dialogs.follow_up import FollowUpRules
from dialogs.survey_loader import default_survey_path, load_survey_file
from dialogs.working_days import WorkingCalendar
from storage.analytics import load_frames
from storage.database import session_factory
from storage.models import RatingReason
from storage.unit_of_work import UnitOfWork

MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
NOW = pd.Timestamp("2026-12-10 12:00", tz="UTC")  # Thursday 20:00 in Shanghai
RULES = FollowUpRules(calendar=WorkingCalendar("Asia/Shanghai"))  # revisit by the end of Tuesday


async def open_case(uow: UnitOfWork, customer: int, rating: int, category: str, at: datetime) -> int:
    respondent = await uow.respondents.touch(customer, "zh", None)
    draft = NewComplaint("", "other", 0.0, category, None, None, "medium", True, None, rating_before=rating)
    case = await uow.follow_ups.open_case(respondent.id, "zh", draft, RULES, at=at)
    return case.id


async def act(uow: UnitOfWork, case_id: int, action: str, status: str, at: datetime) -> None:
    case = await uow.complaints.get(case_id, for_update=True)
    assert case is not None
    await uow.complaints.record(case, actor_role="admin", actor_id=1, action=action, to_status=status, at=at)


async def build(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        on_time = await open_case(uow, 9001, 2, "personnel", MONDAY)
        await act(uow, on_time, "acknowledge", "in_progress", MONDAY + timedelta(hours=3))
        await act(uow, on_time, "resolve", "resolved", MONDAY + timedelta(days=1))
        case = await uow.complaints.get(on_time, for_update=True)
        assert case is not None
        await uow.complaints.rerate(case, 4, at=MONDAY + timedelta(days=2))
        late = await open_case(uow, 9002, 1, "resources", MONDAY)  # revisited on Wednesday: late
        await act(uow, late, "acknowledge", "in_progress", MONDAY + timedelta(days=2))
        await open_case(uow, 9003, 2, "resources", MONDAY)  # never revisited: overdue
        await open_case(uow, 9004, 1, "process", MONDAY - timedelta(days=7))  # last week, still open
        version = await uow.surveys.store(load_survey_file(default_survey_path()))
        respondent = await uow.respondents.touch(9001, "zh", None)
        for picks in ([(1, "personnel"), (7, "resources")], [(8, "resources")]):
            response_id = await uow.responses.open(respondent.id, version.version_id)
            await uow.follow_ups.set_reasons(response_id, picks)
        await session.execute(update(RatingReason).values(picked_at=MONDAY + timedelta(hours=1)))


async def test_the_report_shows_recovery_re_rating_and_reasons_in_every_format(db: AsyncEngine) -> None:
    await build(db)
    settings = ReportSettings(tz="Asia/Shanghai", lang="zh", charts=False)
    start, end = report_window(NOW, "week", settings.trend_periods, settings.tz)
    frames = await load_frames(db, start, end)
    assert frames.complaints.empty  # cases are not complaints: they have their own figures
    report = build_report(
        frames.answers, frames.responses, frames.complaints, NOW, "week", settings,
        follow_ups=frames.follow_ups, reasons=frames.reasons,
    )  # fmt: skip

    loop = report.follow_up_headline()
    # this week: three cases, all revisits due by Tuesday night; one revisited in time
    assert (loop.cases, loop.recovery_rate, loop.fix_on_time_rate) == (3, 1 / 3, 1.0)
    assert loop.overdue_open == 2  # this week's unrevisited case, and last week's still open
    assert (loop.rerated, loop.rerating_change, loop.improved_share) == (1, 2.0, 1.0)

    document = json.loads(report.to_json())
    section = next(s for s in document["sections"] if s["key"] == "follow_ups")
    tables = {table["key"]: table["rows"] for table in section["tables"]}
    current, previous = tables["follow_ups"]
    assert (current["cases"], current["revisited_on_time"], current["revisit_judged"]) == (3, 1, 3)
    assert (previous["cases"], previous["revisit_judged"], previous["revisited_on_time"]) == (1, 1, 0)
    assert [row["ticket_no"] for row in tables["follow_up_overdue"]] == ["TJ-000004", "TJ-000003"]
    assert [(r["picks"], r["responses"]) for r in tables["reasons"]] == [(1, 1), (0, 0), (0, 0), (2, 2)]
    complaints = next(s for s in document["sections"] if s["key"] == "complaints")["tables"]
    by_category = next(table for table in complaints if table["key"] == "by_category")
    picked = {row["label"]: (row["complaints"], row["reason_picks"]) for row in by_category["rows"]}
    assert picked == {"资源配置": (0, 2), "人员素质": (0, 1)}
    assert document["follow_up_headline"]["recovery_rate"] == 1 / 3

    text, markdown, page = report.to_text(), report.to_markdown(), report.to_html()
    for rendering in (text, markdown, page):
        assert "差评回访（好差评）" in rendering and "差评按时回访率" in rendering and "33.3%" in rendering
        assert "差评原因选择" in rendering
    assert '<section id="follow_ups">' in page
    digest = digest_text(report, "zh")
    assert "差评回访：3 件 · 按时回访 33% · 按时整改 100% · 逾期未结 2 件" in digest
    assert "复评 1 件：平均 +2.0 分，100% 评分提高" in digest


async def test_a_report_without_cases_says_so(db: AsyncEngine) -> None:
    start, end = report_window(NOW, "week", 8, "Asia/Shanghai")
    frames = await load_frames(db, start, end)
    settings = ReportSettings(tz="Asia/Shanghai", lang="en", charts=False)
    report = build_report(
        frames.answers, frames.responses, frames.complaints, NOW, "week", settings,
        follow_ups=frames.follow_ups, reasons=frames.reasons,
    )  # fmt: skip
    section = next(s for s in json.loads(report.to_json())["sections"] if s["key"] == "follow_ups")
    assert section["notes"][0] == "No data for this period."
    assert "Low-rating follow-ups" not in digest_text(report, "en")

"""Admins receive the weekly digest exactly once, with the figures analysis/ computes and a chart."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pandas as pd
import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.digest import digest_text
from analysis.report import build_report
from bot.app import build_bot
from bot.jobs.digests import DigestScheduler
from bot.jobs.reports import report_settings
from bot.metrics import Metrics
from bot.runner import load_default_survey
from dialogs.campaign import Audience, CampaignSpec, Schedule
from dialogs.complaint_io import NewComplaint
from dialogs.follow_up import FollowUpRules
from dialogs.working_days import WorkingCalendar
from emulator.customer import Customer
from emulator.emulator import BotAPIEmulator
from storage.analytics import load_frames
from storage.database import session_factory
from storage.demo_data import DemoConfig, write_demo_data
from storage.locks import Lock, try_lock
from storage.unit_of_work import UnitOfWork
from tests.support.botapp import ADMIN_ID, RunningBot, bot_settings, running_bot

SECOND_ADMIN = 900002
# Monday 2026-11-23 09:30 in Shanghai: the weekly digest of 2026-11-16 … 22 is due.
MONDAY_MORNING = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
HISTORY_END = pd.Timestamp("2026-11-22 20:00", tz="Asia/Shanghai")


@pytest.fixture
async def history(db: AsyncEngine) -> AsyncEngine:
    loaded = await load_default_survey(db)
    await write_demo_data(db, loaded.version_id, DemoConfig(customers=300, weeks=4, seed=7, end=HISTORY_END))
    return db


@pytest.fixture
async def admins(emulator: BotAPIEmulator, history: AsyncEngine) -> AsyncIterator[list[Customer]]:
    async with running_bot(history, emulator, admin_ids=frozenset({ADMIN_ID, SECOND_ADMIN})):
        people = [emulator.customer(ADMIN_ID), emulator.customer(SECOND_ADMIN, language_code="en")]
        for person in people:
            await person.send("/start")
        yield people


MakeScheduler = Callable[[AsyncEngine], DigestScheduler]


@pytest.fixture
async def scheduler(emulator: BotAPIEmulator) -> AsyncIterator[MakeScheduler]:
    """Makes a digest scheduler (one process's) on its own Bot; every Bot's session is closed after."""
    bots: list[Bot] = []

    def make(engine: AsyncEngine) -> DigestScheduler:
        settings = bot_settings(emulator, admin_ids=frozenset({ADMIN_ID, SECOND_ADMIN}))
        bots.append(build_bot(settings))
        return DigestScheduler(bots[-1], engine, settings, Metrics())

    yield make
    for bot in bots:
        await bot.session.close()


def digests(customer: Customer) -> list[str]:
    return [
        m.shown_text for m in customer.messages if "周报" in m.shown_text or "weekly digest" in m.shown_text
    ]


async def expected_text(engine: AsyncEngine, emulator: BotAPIEmulator, language: str) -> str:
    settings = bot_settings(emulator)
    cfg = report_settings(settings, language)  # type: ignore[arg-type]
    at = pd.Timestamp("2026-11-22 23:59:59.999999", tz="Asia/Shanghai").tz_convert("UTC")
    frames = await load_frames(
        engine, pd.Timestamp("2026-09-01", tz="UTC"), pd.Timestamp("2026-11-24", tz="UTC")
    )
    report = build_report(
        frames.answers, frames.responses, frames.complaints, at, "week", cfg,
        follow_ups=frames.follow_ups, reasons=frames.reasons,
    )  # fmt: skip
    return digest_text(report, language)  # type: ignore[arg-type]


async def test_weekly_digest_arrives_once_per_admin_with_the_analysis_figures_and_a_chart(
    admins: list[Customer], emulator: BotAPIEmulator, history: AsyncEngine, scheduler: MakeScheduler
) -> None:
    first, second = admins
    digest = scheduler(history)
    assert await digest.run_once(MONDAY_MORNING) >= 2
    await first.wait_for(lambda: any("综合指数" in text for text in digests(first)), what="zh digest")
    await second.wait_for(
        lambda: any("Composite index" in text for text in digests(second)), what="en digest"
    )
    assert "\n".join(digests(first)[1:]) == await expected_text(history, emulator, "zh")
    assert "\n".join(digests(second)[1:]) == await expected_text(history, emulator, "en")
    photo = next(m for m in first.messages if m.media_kind == "photo")
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    # an hour later, and from a second process, nothing is sent again
    before = len(first.messages), len(second.messages)
    await asyncio.gather(
        digest.run_once(MONDAY_MORNING.replace(hour=2)), scheduler(history).run_once(MONDAY_MORNING)
    )
    assert (len(first.messages), len(second.messages)) == before


async def test_two_processes_at_once_send_one_digest_each(
    admins: list[Customer], emulator: BotAPIEmulator, history: AsyncEngine, scheduler: MakeScheduler
) -> None:
    processes = [scheduler(history) for _ in range(2)]
    await asyncio.gather(*(p.run_once(MONDAY_MORNING) for p in processes))
    await asyncio.gather(*(p.run_once(MONDAY_MORNING) for p in processes))
    for admin in admins:
        await admin.wait_for(lambda admin=admin: len(digests(admin)) >= 2, what="digest")
        assert sum(m.media_kind == "photo" for m in admin.messages) == 1


async def test_a_failure_after_the_first_admin_resumes_with_the_second(
    admins: list[Customer], emulator: BotAPIEmulator, history: AsyncEngine, scheduler: MakeScheduler
) -> None:
    first, second = admins
    digest = scheduler(history)
    emulator.block_user(SECOND_ADMIN, notify=False)  # the send to the second admin fails mid-round
    await digest.run_once(MONDAY_MORNING)
    assert sum(m.media_kind == "photo" for m in first.messages) == 1
    assert not any(m.media_kind == "photo" for m in second.messages)
    emulator.unblock_user(SECOND_ADMIN, notify=False)
    await digest.run_once(MONDAY_MORNING.replace(minute=31))
    await second.wait_for(lambda: any(m.media_kind == "photo" for m in second.messages), what="second digest")
    assert sum(m.media_kind == "photo" for m in first.messages) == 1


async def test_a_429_while_sending_the_digest_is_waited_out(
    admins: list[Customer], emulator: BotAPIEmulator, history: AsyncEngine, scheduler: MakeScheduler
) -> None:
    first, _ = admins
    emulator.fail_next("sendPhoto", status=429, retry_after=1, times=1)
    digest = scheduler(history)
    await digest.run_once(MONDAY_MORNING)
    assert any(c.status == 429 for c in emulator.calls("sendPhoto"))
    assert sum(m.media_kind == "photo" for m in first.messages) == 1


async def test_digest_due_while_the_bot_was_down_is_sent_when_it_is_back(
    admins: list[Customer], emulator: BotAPIEmulator, history: AsyncEngine, scheduler: MakeScheduler
) -> None:
    first, _ = admins
    digest = scheduler(history)
    # Monday 08:30, before this week's send time: the previous week's digest (never sent) goes out
    await digest.run_once(datetime(2026, 11, 23, 0, 30, tzinfo=UTC))
    assert [m.shown_text for m in first.messages if m.media_kind == "photo"] == [
        "📊 服务质量周报（2026-W46）"
    ]
    # the bot is down over Monday 09:00; on Wednesday the overdue W47 digest is sent once
    await digest.run_once(datetime(2026, 11, 25, 3, 0, tzinfo=UTC))
    await digest.run_once(datetime(2026, 11, 25, 4, 0, tzinfo=UTC))
    assert [m.shown_text for m in first.messages if m.media_kind == "photo"] == [
        "📊 服务质量周报（2026-W46）",
        "📊 服务质量周报（2026-W47）",
    ]


async def test_admin_commands_digest_subscribe_export(
    admins: list[Customer], emulator: BotAPIEmulator, history: AsyncEngine
) -> None:
    first, _ = admins
    await first.send("/subscribe")
    await first.press("每月")
    await first.wait_for(lambda: "已设置：每月" in first.last_text, what="subscribed")
    await first.send("/export xlsx month")
    await first.wait_for(lambda: any(m.media_kind == "document" for m in first.messages), what="export")
    document = next(m for m in first.messages if m.media_kind == "document")
    assert document.filename is not None and document.filename.endswith(".xlsx")
    sheets = pd.read_excel(io.BytesIO(document.document or b""), sheet_name=None)
    assert set(sheets) == {"responses", "answers", "complaints", "follow_ups", "reasons"}
    assert "phone" not in sheets["complaints"].columns
    await first.send("/export csv week")
    await first.wait_for(lambda: any((m.filename or "").endswith(".zip") for m in first.messages), what="csv")
    archive = next(m for m in first.messages if (m.filename or "").endswith(".zip"))
    assert sorted(zipfile.ZipFile(io.BytesIO(archive.document or b"")).namelist()) == [
        "answers.csv",
        "complaints.csv",
        "follow_ups.csv",
        "reasons.csv",
        "responses.csv",
    ]


async def test_the_export_carries_this_weeks_follow_up_cases_and_reasons_without_personal_data(
    admins: list[Customer], history: AsyncEngine
) -> None:
    rules = FollowUpRules(calendar=WorkingCalendar("Asia/Shanghai"))
    async with session_factory(history)() as session, session.begin():
        uow = UnitOfWork(session)
        customer = await uow.respondents.touch(987654321987, "zh", "王小明")
        version = await uow.surveys.latest("service_quality")
        assert version is not None
        response_id = await uow.responses.open(customer.id, version.version_id)
        await uow.follow_ups.set_reasons(response_id, [(1, "personnel"), (7, "resources")])
        draft = NewComplaint(
            "柜台的人很不耐烦", "personnel", 0.8, "personnel", None, None, "medium", True, "13800138000",
            rating_before=2, source_response_id=response_id,
        )  # fmt: skip
        case = await uow.follow_ups.open_case(customer.id, "zh", draft, rules)
        await uow.complaints.record(case, actor_role="admin", actor_id=ADMIN_ID, action="acknowledge",
                                    to_status="in_progress")  # fmt: skip
    first, _ = admins
    await first.send("/export csv week")
    await first.wait_for(lambda: any((m.filename or "").endswith(".zip") for m in first.messages), what="csv")
    archive = zipfile.ZipFile(io.BytesIO(next(m for m in first.messages if m.filename).document or b""))
    read = {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}
    cases = pd.read_csv(io.StringIO(read["follow_ups.csv"]))
    mine = cases[cases["ticket_no"] == f"TJ-{case.id:06d}"]
    assert list(cases.columns) == [
        "ticket_no", "created_at", "category", "status", "rating_before", "revisit_due_at",
        "first_response_at", "fix_due_at", "fixed_at", "rerating", "rerated_at",
    ]  # fmt: skip
    assert mine[["category", "status", "rating_before"]].values.tolist() == [["personnel", "in_progress", 2]]
    assert pd.Timestamp(mine["revisit_due_at"].iloc[0]) == pd.Timestamp(
        rules.due(case.created_at).first_response
    ).tz_localize(None)
    assert mine["first_response_at"].notna().all() and mine["fixed_at"].isna().all()
    reasons = pd.read_csv(io.StringIO(read["reasons.csv"]))
    assert reasons[reasons["response_id"] == response_id][["reason", "category"]].values.tolist() == [
        [1, "personnel"],
        [7, "resources"],
    ]
    everything = "".join(read.values())
    for personal in ("王小明", "13800138000", "987654321987", "很不耐烦"):
        assert personal not in everything


async def test_a_non_admin_gets_no_digest_or_export(tingjian: RunningBot, emulator: BotAPIEmulator) -> None:
    customer = emulator.customer(7001)
    for command in ("/digest", "/export csv", "/subscribe"):
        await customer.send(command)
        assert "仅限管理员" in customer.last_text
    assert not any(m.media_kind for m in customer.messages)


async def test_the_digest_carries_campaign_response_rates(
    admins: list[Customer], emulator: BotAPIEmulator, history: AsyncEngine, scheduler: MakeScheduler
) -> None:
    spec = CampaignSpec(
        name="spring-pulse", audience=Audience(kind="all"), schedule=Schedule(start=MONDAY_MORNING)
    )
    async with session_factory(history)() as session, session.begin():
        await UnitOfWork(session).campaigns.save(spec)
    first, _ = admins
    digest = scheduler(history)
    await digest.run_once(MONDAY_MORNING)
    await first.wait_for(lambda: any("📮 问卷发放" in text for text in digests(first)), what="campaign rates")
    assert any("spring-pulse" in text for text in digests(first))


async def test_a_digest_goes_out_while_a_campaign_send_holds_its_lock(
    admins: list[Customer], emulator: BotAPIEmulator, history: AsyncEngine, scheduler: MakeScheduler
) -> None:
    first, _ = admins
    async with history.connect() as campaign_sender, try_lock(campaign_sender, Lock.CAMPAIGNS) as got:
        assert got
        digest = scheduler(history)
        assert await digest.run_once(MONDAY_MORNING) >= 2
    await first.wait_for(lambda: any("综合指数" in text for text in digests(first)), what="zh digest")


async def test_before_any_answer_or_complaint_the_digest_says_so_without_an_empty_chart(
    db: AsyncEngine, emulator: BotAPIEmulator, scheduler: MakeScheduler
) -> None:
    # A fresh deployment (or playground): nothing answered, nothing filed, yet a digest is due.
    await load_default_survey(db)
    async with running_bot(db, emulator, admin_ids=frozenset({ADMIN_ID, SECOND_ADMIN})):
        admin = emulator.customer(ADMIN_ID)
        await admin.send("/start")
        digest = scheduler(db)
        assert await digest.run_once(MONDAY_MORNING) >= 1
        await admin.wait_for(lambda: bool(digests(admin)), what="the digest")
        assert digests(admin) == [
            "📊 服务质量周报（2026-W47）\n还没有数据：至今没有收到问卷回答或投诉。"
            "顾客参加调查或提交投诉后，这里会显示综合指数、各维度得分和趋势图。"
        ]
        assert not any(m.media_kind == "photo" for m in admin.messages)
        await admin.send("/digest")
        await admin.wait_for(lambda: len(digests(admin)) == 2, what="the /digest answer")
        assert "还没有数据" in digests(admin)[-1]
        assert not any(m.media_kind == "photo" for m in admin.messages)

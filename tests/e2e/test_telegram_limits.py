"""Telegram's flood limits switched on in the emulator at Telegram's real numbers (emulator/flood.py):
the bot paces itself (bot/telegram_pacing.py) so that not one request is refused with a 429, and
customers and admins still get everything."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_bot
from bot.jobs.campaigns import CampaignSender
from bot.jobs.digests import DigestScheduler
from bot.metrics import Metrics
from bot.runner import load_default_survey
from dialogs.campaign import Audience, CampaignSpec, Schedule
from dialogs.survey_loader import default_survey_path, load_survey_file
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.demo_data import DemoConfig, write_demo_data
from storage.models import CampaignInvitation
from storage.unit_of_work import UnitOfWork
from tests.distribution.helpers import INVITE_ZH, FakeClock, add_customers, received, save_campaign
from tests.support.botapp import ADMIN_ID, RunningBot, bot_settings, running_bot
from tests.support.survey_steps import THANKS_ZH, answer, start_survey, stored_answers, wait_for_question

# Every test here runs the bot as production does: paced. (False shows the 429s an unpaced bot gets.)
PACING = True
SURVEY = load_survey_file(default_survey_path())
SCORED = [q for q in SURVEY.questions if q.role not in ("reasons", "comment")]


@pytest.fixture
async def paced_bot(db: AsyncEngine, emulator: BotAPIEmulator) -> AsyncIterator[RunningBot]:
    emulator.enable_flood_control()
    async with running_bot(db, emulator, telegram_pacing=PACING) as running:
        yield running


def refusals(emulator: BotAPIEmulator) -> Counter[str]:
    """The 429s the emulator answered, by method."""
    return Counter(call.method for call in emulator.calls() if call.status == 429)


async def test_a_customer_pressing_one_answer_a_second_completes_the_survey_without_a_429(
    paced_bot: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(1401, timeout=20)
    await start_survey(customer)
    plan = {q.key: (9 if q.role == "nps" else 3 + i % 3) for i, q in enumerate(SCORED)}
    loop = asyncio.get_running_loop()
    started = loop.time()
    for number, question in enumerate(SCORED, start=1):
        await wait_for_question(customer, f"第 {number}/16 题")
        await asyncio.sleep(max(0.0, started + number - loop.time()))  # one press a second
        await answer(customer, plan[question.key])
    card = customer.messages[-1]
    assert THANKS_ZH in card.shown_text, customer.transcript()
    assert not card.buttons or all("第 " not in b.text for b in card.buttons)
    assert await stored_answers(db, 1401) == plan
    assert refusals(emulator) == Counter()


LOW_RATERS = list(range(1501, 1513))


async def test_a_dozen_low_ratings_at_once_reach_the_admin_as_alerts_without_a_429(
    paced_bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    """A busy hour: 12 customers rate the service low at the same moment; one admin chat takes about one
    message a second, so the alerts must queue for it instead of running into 429s."""
    admin = emulator.customer(ADMIN_ID, timeout=60)
    await admin.send("/start")

    async def rates_low(user_id: int) -> None:
        customer = emulator.customer(user_id, timeout=60)
        await start_survey(customer)
        for number, question in enumerate(SCORED, start=1):
            await wait_for_question(customer, f"第 {number}/")
            await answer(customer, 2 if question.role == "overall" else (9 if question.role == "nps" else 4))
        while THANKS_ZH not in customer.last_text:  # skip the reasons and the comment
            await customer.wait_for(lambda: "跳过 »" in customer.buttons, what="an optional question")
            card = customer.keyboard_message
            assert card is not None
            edits = card.edited
            await customer.press("跳过 »")
            await customer.wait_for(lambda card=card, edits=edits: card.edited > edits, what="the next step")

    await asyncio.gather(*(rates_low(user) for user in LOW_RATERS))
    await admin.wait_for(
        lambda: sum("新的差评回访单" in m.shown_text for m in admin.messages) == len(LOW_RATERS),
        what="an alert for every case",
    )
    assert refusals(emulator) == Counter()


# Monday 2026-11-23 09:30 in Shanghai: the weekly digest of 2026-11-16 … 22 is due, and the morning's
# campaign is going out.
MONDAY_MORNING = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
ADMINS = [ADMIN_ID, *range(910_001, 910_020)]
MONDAY_AUDIENCE = list(range(730_001, 730_601))


async def test_a_digest_to_20_admins_during_a_campaign_reaches_every_one_without_a_429(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    loaded = await load_default_survey(db)
    end = pd.Timestamp("2026-11-22 20:00", tz="Asia/Shanghai")
    await write_demo_data(db, loaded.version_id, DemoConfig(customers=300, weeks=4, seed=7, end=end))
    for admin in ADMINS:
        emulator.user(admin, language_code="zh-hans")
    await add_customers(db, emulator, MONDAY_AUDIENCE)
    audience = Audience(kind="ids", ids=tuple(MONDAY_AUDIENCE))
    await save_campaign(
        db,
        CampaignSpec(name="monday", audience=audience, schedule=Schedule(start=MONDAY_MORNING)),
        MONDAY_MORNING,
    )
    emulator.enable_flood_control()
    settings = bot_settings(emulator, admin_ids=frozenset(ADMINS), telegram_pacing=PACING)
    sender = CampaignSender.with_own_bot(db, settings, FakeClock(MONDAY_MORNING))
    bot = build_bot(settings)
    sender.start()
    try:
        await until(lambda: sent(db, "monday"), 50, what="the campaign under way")
        assert await DigestScheduler(bot, db, settings, Metrics()).run_once(MONDAY_MORNING) >= len(ADMINS)
        assert await sent(db, "monday") < len(MONDAY_AUDIENCE), "the digest went out after the campaign"
        await until(lambda: sent(db, "monday"), len(MONDAY_AUDIENCE), what="the campaign finished")
    finally:
        await sender.stop()
        await bot.session.close()
    for admin in ADMINS:
        messages = emulator.bot_messages(admin)
        assert sum(m.media_kind == "photo" for m in messages) == 1, admin
        assert any("周报" in m.shown_text for m in messages), admin
    assert refusals(emulator) == Counter()


# Monday 12:00 in Shanghai: no quiet hours.
T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
INVITED = list(range(720_001, 720_501))
ANSWERING = INVITED[::5]  # open the survey as soon as their invitation arrives


async def test_a_campaign_to_500_paces_itself_under_the_bulk_limit_while_invited_customers_answer(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    await add_customers(db, emulator, INVITED)
    spec = CampaignSpec(name="limits", audience=Audience(kind="all"), schedule=Schedule(start=T0))
    await save_campaign(db, spec, T0)
    emulator.enable_flood_control()

    async def opens_the_survey(user_id: int) -> None:
        customer = emulator.customer(user_id, timeout=60)
        await customer.wait_for(lambda: received(emulator, user_id, INVITE_ZH) > 0, what="the invitation")
        invitation = next(m for m in customer.messages if INVITE_ZH in m.shown_text)
        await customer.press("📝 开始填写", message=invitation.message_id)
        await wait_for_question(customer, "第 1/16 题")

    async with running_bot(db, emulator, telegram_pacing=PACING):
        sender = CampaignSender.with_own_bot(
            db, bot_settings(emulator, telegram_pacing=PACING), FakeClock(T0)
        )
        answering = asyncio.gather(*(opens_the_survey(user) for user in ANSWERING))
        sender.start()
        try:
            await asyncio.wait_for(answering, 60)
            await until(lambda: sent(db, "limits"), len(INVITED), what="the campaign finished")
        finally:
            await sender.stop()
    assert all(received(emulator, user, INVITE_ZH) == 1 for user in INVITED)
    assert refusals(emulator) == Counter()


async def sent(engine: AsyncEngine, campaign: str) -> int:
    """How many of the campaign's invitations were sent."""
    async with session_factory(engine)() as session:
        row = await UnitOfWork(session).campaigns.by_name(campaign)
        assert row is not None
        rows = await session.scalars(
            select(CampaignInvitation.status).where(CampaignInvitation.campaign_id == row.id)
        )
        return sum(status == "sent" for status in rows)


async def until(count: Callable[[], Awaitable[int]], at_least: int, what: str, timeout: float = 60) -> None:  # noqa: ASYNC109
    """Wait until an async count (polled) reaches ``at_least``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while await count() < at_least:
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)

"""A campaign to 200 customers on a controllable clock, through the Bot API emulator and real PostgreSQL:
a restart in the middle of sending, flood control, blocked customers, quiet hours in the customer's time
zone, reminders per policy, opt-outs, and the response rates."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.jobs.campaigns import CampaignSender
from dialogs.campaign import Audience, CampaignSpec, ReminderPolicy, Schedule
from emulator.customer import Customer
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import CampaignInvitation, CustomerProfile, Respondent
from storage.unit_of_work import UnitOfWork
from tests.distribution.helpers import INVITE_ZH, REMIND_ZH, FakeClock, add_customers, received, save_campaign
from tests.support.botapp import bot_settings, running_bot
from tests.support.survey_steps import THANKS_ZH, answer, wait_for_question

CUSTOMERS = list(range(700_001, 700_201))
COMPLETERS = CUSTOMERS[0:3]
STARTERS = CUSTOMERS[3:5]
OPTING_OUT = CUSTOMERS[5:7]
BLOCKED_KNOWN = CUSTOMERS[10:12]  # blocked the bot, and Telegram told the bot (my_chat_member)
BLOCKED_SILENT = CUSTOMERS[12]  # blocked the bot; found out when the invitation is refused
NEW_YORK = CUSTOMERS[13]  # lives in New York: noon in Shanghai is night there
T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai, Sunday 23:00 in New York
NY_MORNING = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in New York (EST)
SPEC = CampaignSpec(
    name="spring-pulse",
    audience=Audience(kind="all"),
    schedule=Schedule(start=T0),
    reminders=ReminderPolicy(after_hours=48, max=2),
)


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until an async condition holds (polling the database), failing with `what` on timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def statuses(engine: AsyncEngine, campaign: str = "spring-pulse") -> Counter[str]:
    async with session_factory(engine)() as session:
        campaign_row = await UnitOfWork(session).campaigns.by_name(campaign)
        assert campaign_row is not None
        rows = await session.scalars(
            select(CampaignInvitation.status).where(CampaignInvitation.campaign_id == campaign_row.id)
        )
        return Counter(rows)


async def blocked_profiles(engine: AsyncEngine) -> set[int]:
    async with session_factory(engine)() as session:
        rows = await session.scalars(
            select(Respondent.telegram_id)
            .join(CustomerProfile, CustomerProfile.respondent_id == Respondent.id)
            .where(CustomerProfile.blocked_at.is_not(None))
        )
        return set(rows)


async def complete_from_invitation(customer: Customer) -> None:
    """Press the invitation's start button and answer every question with a 4."""
    await customer.press("📝 开始填写", message=invitation_message(customer))
    while THANKS_ZH not in customer.last_text:
        await wait_for_question(customer, "第 ")
        await answer(customer, 4)


def invitation_message(customer: Customer) -> int:
    return [m for m in customer.messages if INVITE_ZH in m.shown_text or REMIND_ZH in m.shown_text][
        -1
    ].message_id


def attempts_to(emulator: BotAPIEmulator, user_id: int) -> int:
    return sum(str(call.params.get("chat_id")) == str(user_id) for call in emulator.calls("sendMessage"))


async def test_a_campaign_to_200_customers_survives_a_restart_and_reminds_per_policy(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    clock = FakeClock(T0)
    settings = bot_settings(emulator, campaign_rate_per_second=100)
    await add_customers(db, emulator, CUSTOMERS)
    async with session_factory(db)() as session, session.begin():
        uow = UnitOfWork(session)
        respondent = await uow.respondents.by_telegram_id(NEW_YORK)
        assert respondent is not None
        await uow.profiles.set_timezone(respondent.id, "America/New_York")
    await save_campaign(db, SPEC, T0)
    invited = [u for u in CUSTOMERS if u not in (*BLOCKED_KNOWN, BLOCKED_SILENT, NEW_YORK)]

    def invited_so_far() -> int:
        return sum(received(emulator, u, INVITE_ZH) for u in CUSTOMERS)

    async with running_bot(db, emulator):
        for user in BLOCKED_KNOWN:
            emulator.block_user(user)
        await eventually(
            lambda: _has(blocked_profiles(db), set(BLOCKED_KNOWN)), "the bot to learn of the blocks"
        )
        emulator.block_user(BLOCKED_SILENT, notify=False)
        emulator.fail_next("sendMessage", status=429, retry_after=1)  # flood control on the first message
        sender = CampaignSender.with_own_bot(db, settings, clock)
        sender.start()
        await eventually(lambda: _at_least(statuses(db), "sent", 80), "80 invitations", timeout=30)
        await sender.stop()  # the process is restarted in the middle of the campaign
    stopped_at = invited_so_far()
    assert 80 <= stopped_at < len(invited)
    assert any(call.status == 429 for call in emulator.calls("sendMessage"))

    async with running_bot(db, emulator):
        sender = CampaignSender.with_own_bot(db, settings, clock)
        sender.start()
        await eventually(
            lambda: _at_least(statuses(db), "sent", len(invited)), "every invitation", timeout=30
        )
        await sender.stop()
        # nobody twice, nobody skipped, nobody who blocked the bot, nobody at night in New York
        assert {u: received(emulator, u, INVITE_ZH) for u in CUSTOMERS} == {
            u: int(u in invited) for u in CUSTOMERS
        }
        assert await statuses(db) == {"sent": len(invited), "blocked": 3, "pending": 1}
        assert await blocked_profiles(db) == {*BLOCKED_KNOWN, BLOCKED_SILENT}
        assert attempts_to(emulator, BLOCKED_SILENT) == 1 and attempts_to(emulator, BLOCKED_KNOWN[0]) == 0

        # customers answer: three complete, two start and stop, two opt out
        for user in COMPLETERS:
            await complete_from_invitation(emulator.customer(user))
        for user in STARTERS:
            customer = emulator.customer(user)
            await customer.press("📝 开始填写", message=invitation_message(customer))
            await wait_for_question(customer, "第 1/16 题")
            await answer(customer, 4)
        for user in OPTING_OUT:
            customer = emulator.customer(user)
            await customer.press("🔕 不再接收调查邀请", message=invitation_message(customer))
            await customer.wait_for(lambda c=customer: "以后不会再向您发送" in c.last_text)  # type: ignore[misc]

        ticker = CampaignSender.with_own_bot(db, settings, clock)
        try:
            clock.now = NY_MORNING - timedelta(minutes=1)
            assert (await ticker.tick()).sent == 0  # still night in New York
            clock.now = NY_MORNING
            assert (await ticker.tick()).sent == 1
            assert received(emulator, NEW_YORK, INVITE_ZH) == 1

            reminded_first = len(invited) - len(COMPLETERS) - len(OPTING_OUT)
            clock.now = T0 + timedelta(hours=47, minutes=59)
            assert (await ticker.tick()).reminded == 0
            clock.now = T0 + timedelta(hours=48)
            assert (await ticker.tick()).reminded == reminded_first
            clock.now = NY_MORNING + timedelta(hours=48)
            assert (await ticker.tick()).reminded == 1

            late = emulator.customer(STARTERS[0])  # the reminder brings a starter back to finish
            await late.press("📝 开始填写", message=invitation_message(late))
            await wait_for_question(late, "第 2/16 题")  # where they stopped
            while THANKS_ZH not in late.last_text:
                await wait_for_question(late, "第 ")
                await answer(late, 4)

            clock.now = T0 + timedelta(hours=96)
            assert (await ticker.tick()).reminded == reminded_first - 1
            clock.now = NY_MORNING + timedelta(hours=96)
            assert (await ticker.tick()).reminded == 1
            clock.now = T0 + timedelta(days=30)
            assert (await ticker.tick()).reminded == 0  # at most two reminders

            for user in CUSTOMERS:
                expected = 2
                if user in (*COMPLETERS, *OPTING_OUT, *BLOCKED_KNOWN, BLOCKED_SILENT):
                    expected = 0
                elif user == STARTERS[0]:
                    expected = 1
                assert received(emulator, user, REMIND_ZH) == expected, user

            async with session_factory(db)() as session:
                (rates,) = await UnitOfWork(session).campaigns.rates()
            assert (rates.invited, rates.started, rates.completed, rates.blocked) == (197, 5, 4, 3)
            assert rates.opened == 5 and rates.reminded == reminded_first + 1 and rates.pending == 0
            assert rates.response_rate == 4 / 197

            # A later campaign skips, without trying, those who blocked the bot or opted out, and
            # (INVITE_MIN_DAYS=30) the customer in New York, invited 30 days ago less ten hours.
            await save_campaign(db, SPEC.model_copy(update={"name": "autumn-pulse"}), clock.now)
            report = await ticker.tick()
            assert (report.sent, report.skipped, report.postponed) == (len(CUSTOMERS) - 6, 6, 0)
            assert attempts_to(emulator, BLOCKED_SILENT) == 1
            assert received(emulator, NEW_YORK, INVITE_ZH) == 1
            autumn = {"sent": 194, "blocked": 3, "opted_out": 2, "fatigued": 1}
            assert await statuses(db, "autumn-pulse") == autumn
        finally:
            await ticker.stop()


async def _has(found: Awaitable[set[int]], wanted: set[int]) -> bool:
    return wanted <= await found


async def _at_least(counts: Awaitable[Counter[str]], status: str, number: int) -> bool:
    return (await counts)[status] >= number


async def test_a_message_interrupted_by_a_crash_counts_as_sent_and_is_reminded_on_time(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    clock = FakeClock(T0)
    settings = bot_settings(emulator)
    await add_customers(db, emulator, CUSTOMERS[:3])
    await save_campaign(db, SPEC, T0)
    sender = CampaignSender.with_own_bot(db, settings, clock)
    try:
        assert (await sender.tick()).sent == 3
        clock.advance(hours=48)
        async with (
            session_factory(db)() as session,
            session.begin(),
        ):  # a process claims a reminder, then dies
            uow = UnitOfWork(session)
            due = await uow.campaigns.next_due(clock.now)
            assert due is not None
            await uow.campaigns.claim(due.invitation, clock.now)
            crashed = due.telegram_id
        report = await sender.tick()
        assert (report.recovered, report.reminded) == (1, 2)
        assert received(emulator, crashed, REMIND_ZH) == 0  # never sent twice: it may have gone out
        clock.advance(hours=48)
        assert (await sender.tick()).reminded == 3  # the second reminder, due 48 h after the claim
        assert [received(emulator, u, REMIND_ZH) for u in CUSTOMERS[:3]].count(2) == 2
    finally:
        await sender.stop()


async def test_a_customer_who_unblocks_the_bot_is_invited_again(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    user = CUSTOMERS[0]
    await add_customers(db, emulator, [user])
    async with running_bot(db, emulator):
        emulator.block_user(user)
        await eventually(lambda: _has(blocked_profiles(db), {user}), "the block")
        emulator.unblock_user(user)
        await eventually(lambda: _is_empty(blocked_profiles(db)), "the unblock")
    await save_campaign(db, SPEC, T0)
    sender = CampaignSender.with_own_bot(db, bot_settings(emulator), FakeClock(T0))
    try:
        assert (await sender.tick()).sent == 1
    finally:
        await sender.stop()


async def _is_empty(found: Awaitable[set[int]]) -> bool:
    return not await found


async def test_opting_out_takes_one_press_and_can_be_undone(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    user = CUSTOMERS[0]
    await add_customers(db, emulator, [user])
    await save_campaign(db, SPEC, T0)
    sender = CampaignSender.with_own_bot(db, bot_settings(emulator), FakeClock(T0))
    try:
        assert (await sender.tick()).sent == 1
    finally:
        await sender.stop()
    async with running_bot(db, emulator):
        customer = emulator.customer(user)
        await customer.press("🔕 不再接收调查邀请")
        await customer.wait_for(lambda: "以后不会再向您发送调查邀请" in customer.last_text)
        async with session_factory(db)() as session:
            assert (await session.scalars(select(CustomerProfile.opted_out_at))).one() is not None
        await customer.press("🔔 恢复接收调查邀请")
        await customer.wait_for(lambda: "已恢复接收调查邀请" in customer.last_text)
        async with session_factory(db)() as session:
            assert (await session.scalars(select(CustomerProfile.opted_out_at))).one() is None

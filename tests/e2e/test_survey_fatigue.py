"""Survey fatigue in Telegram: a customer invited by one campaign is not invited by another within
INVITE_MIN_DAYS, the campaign report counts the skip with its reason, and after the gap they are asked."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.jobs.campaigns import CampaignSender
from dialogs.campaign import Audience, CampaignSpec, Schedule
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import Campaign, CampaignInvitation
from tests.distribution.helpers import INVITE_ZH, FakeClock, add_customers, received, save_campaign
from tests.support.botapp import ADMIN_ID, bot_settings, running_bot

RECENT, FRESH = 6001, 6002
T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # Monday noon in Shanghai: outside quiet hours


def campaign(name: str, ids: tuple[int, ...], start: datetime) -> CampaignSpec:
    return CampaignSpec(name=name, audience=Audience(kind="ids", ids=ids), schedule=Schedule(start=start))


async def statuses(engine: AsyncEngine, name: str) -> Counter[str]:
    async with session_factory(engine)() as session:
        rows = await session.scalars(
            select(CampaignInvitation.status)
            .join(Campaign, Campaign.id == CampaignInvitation.campaign_id)
            .where(Campaign.name == name)
        )
        return Counter(rows)


async def test_a_customer_invited_recently_by_another_campaign_is_skipped_and_counted(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    clock = FakeClock(T0)
    settings = bot_settings(emulator, invite_min_days=30)
    await add_customers(db, emulator, (RECENT, FRESH, ADMIN_ID))
    async with running_bot(db, emulator, invite_min_days=30):
        sender = CampaignSender.with_own_bot(db, settings, clock)
        try:
            await save_campaign(db, campaign("march-pulse", (RECENT,), T0), T0)
            assert (await sender.tick()).sent == 1

            clock.advance(days=10)  # ten days later another campaign asks both customers
            await save_campaign(db, campaign("branch-survey", (RECENT, FRESH), clock.now), clock.now)
            report = await sender.tick()
            assert (report.sent, report.skipped) == (1, 1)
            assert received(emulator, FRESH, INVITE_ZH) == 1
            assert received(emulator, RECENT, INVITE_ZH) == 1  # the March invitation only
            assert await statuses(db, "branch-survey") == {"sent": 1, "fatigued": 1}

            admin = emulator.customer(ADMIN_ID)
            await admin.send("/campaigns")
            await admin.wait_for(lambda: "branch-survey" in admin.last_text, what="the campaign report")
            report_text = admin.last_text.split("branch-survey", 1)[1].split("march-pulse", 1)[0]
            assert "邀请 1 ·" in report_text and "未发送：近期已邀请过 1 · 未抽中 0" in report_text

            clock.advance(days=21)  # 31 days after the March invitation: asked again
            await save_campaign(db, campaign("april-pulse", (RECENT,), clock.now), clock.now)
            assert (await sender.tick()).sent == 1
            assert received(emulator, RECENT, INVITE_ZH) == 2
        finally:
            await sender.stop()


async def test_concurrent_senders_invite_a_customer_once_across_campaigns(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    # Six campaigns ask the same customer at the same moment; two senders (each with four workers,
    # as two processes would run them) work through them at once. Each worker claims a different
    # campaign's invitation, so only the per-customer claim keeps the customer from six invitations.
    clock = FakeClock(T0)
    settings = bot_settings(emulator, invite_min_days=30)
    await add_customers(db, emulator, (RECENT, ADMIN_ID))
    names = [f"wave-{n}" for n in range(6)]
    for name in names:
        await save_campaign(db, campaign(name, (RECENT,), T0), T0)
    async with running_bot(db, emulator, invite_min_days=30):
        senders = [CampaignSender.with_own_bot(db, settings, clock) for _ in range(2)]
        try:
            reports = await asyncio.gather(*(sender.tick() for sender in senders))
            reports += await asyncio.gather(*(sender.tick() for sender in senders))
        finally:
            for sender in senders:
                await sender.stop()
    assert received(emulator, RECENT, INVITE_ZH) == 1
    assert sum(r.sent for r in reports) == 1 and sum(r.skipped for r in reports) == 5
    totals: Counter[str] = Counter()
    for name in names:
        totals += await statuses(db, name)
    assert totals == {"sent": 1, "fatigued": 5}

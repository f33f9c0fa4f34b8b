"""Shared helpers of the distribution tests: a clock the test moves, customers, counting messages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.runner import load_default_survey
from dialogs.campaign import CampaignSpec
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import Campaign
from storage.unit_of_work import UnitOfWork

INVITE_ZH = "邀请您参加"
REMIND_ZH = "温馨提醒"


class FakeClock:
    """The campaign clock under the test's control."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += timedelta(**delta)


async def add_customers(engine: AsyncEngine, emulator: BotAPIEmulator, ids: Iterable[int]) -> None:
    """Customers who have used the bot: known to Telegram (the emulator) and stored as respondents."""
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        for telegram_id in ids:
            emulator.user(telegram_id, first_name=f"客户{telegram_id}", language_code="zh-hans")
            await uow.respondents.touch(telegram_id, "zh", f"客户{telegram_id}")


async def save_campaign(engine: AsyncEngine, spec: CampaignSpec, now: datetime) -> Campaign:
    """Store a campaign as `tingjian campaign load` would (with the default survey it asks for)."""
    await load_default_survey(engine)
    async with session_factory(engine)() as session, session.begin():
        campaign, _ = await UnitOfWork(session).campaigns.save(spec.resolve(now, "Asia/Shanghai"))
        return campaign


def received(emulator: BotAPIEmulator, user_id: int, marker: str) -> int:
    """How many messages containing `marker` the bot sent to a customer."""
    return sum(marker in message.shown_text for message in emulator.bot_messages(user_id))

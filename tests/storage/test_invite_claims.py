"""Survey fatigue across campaigns is decided under a per-customer lock: a second claim for the same
customer waits for the first to commit and then sees it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.runner import load_default_survey
from dialogs.campaign import Audience, CampaignSpec, Schedule
from storage.campaigns import Claimable
from storage.database import session_factory
from storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
CUSTOMER = 6101


async def two_campaigns_asking(engine: AsyncEngine) -> None:
    await load_default_survey(engine)
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        await uow.respondents.touch(CUSTOMER, "zh", None)
        for name in ("north", "south"):
            spec = CampaignSpec(
                name=name, audience=Audience(kind="ids", ids=(CUSTOMER,)), schedule=Schedule(start=NOW)
            ).resolve(NOW, "Asia/Shanghai")
            campaign, _ = await uow.campaigns.save(spec)
            assert await uow.campaigns.plan_round(campaign, 1, NOW) == 1


async def test_a_second_claim_for_the_customer_waits_and_sees_the_first(db: AsyncEngine) -> None:
    await two_campaigns_asking(db)

    async def second() -> Claimable | None:
        async with session_factory(db)() as session, session.begin():
            return await UnitOfWork(session).campaigns.next_due(NOW)

    async with session_factory(db)() as session, session.begin():
        uow = UnitOfWork(session)
        first = await uow.campaigns.next_due(NOW)
        assert first is not None and first.last_invited is None
        await uow.campaigns.claim(first.invitation, NOW)
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.5)
        # The other campaign's invitation is free to row-lock, but the customer is not.
        assert not waiting.done()
    later = await asyncio.wait_for(waiting, 10)
    assert later is not None and later.invitation.id != first.invitation.id
    assert later.last_invited == NOW  # the first claim counts: this one is fatigued

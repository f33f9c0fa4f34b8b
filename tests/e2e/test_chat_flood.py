"""One customer flooding the bot neither delays the others nor gets anything processed twice."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.middlewares.chat_queue import MAX_QUEUED_PER_CHAT
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import ProcessedUpdate
from tests.support.botapp import RunningBot

FLOODER = 5001
OTHERS = (5002, 5003, 5004)
SLOW_DOWN = "消息有点多，我处理不过来了"


async def test_a_flooding_customer_is_asked_to_slow_down_and_the_others_are_answered_first(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    flooder = emulator.customer(FLOODER)
    others = [emulator.customer(user_id) for user_id in OTHERS]
    for number in range(200):
        emulator.inject_text(FLOODER, f"在吗 {number}")
    answered_before: list[int] = []
    for customer in others:
        await customer.send("/help")
        assert "/survey" in customer.last_text
        # How many of the flood's messages the bot had answered by then (a fallback reply each).
        answered_before.append(sum(SLOW_DOWN not in m.shown_text for m in emulator.bot_messages(FLOODER)))
    assert max(answered_before) <= MAX_QUEUED_PER_CHAT * 3, answered_before

    await flooder.wait_for(lambda: len(emulator.queue) == 0, what="the flood to be taken", timeout=30)
    await asyncio.sleep(0.5)
    replies = [m.shown_text for m in emulator.bot_messages(FLOODER)]
    assert sum(SLOW_DOWN in text for text in replies) == 1  # one polite request per burst
    answered = len(replies) - 1
    assert 1 <= answered < 200  # the excess was dropped, not queued behind everyone
    async with session_factory(db)() as session:
        processed = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert processed == answered + len(OTHERS)  # each processed update once, dropped ones never

"""In a group, Tingjian points to a private chat and does nothing else: no data, no rows."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import ProcessedUpdate, Respondent
from tests.support.botapp import RunningBot

GROUP = -100500


async def test_commands_in_a_group_get_one_pointer_each_and_nothing_else(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    emulator.add_group(GROUP, "营业厅员工群")
    emulator.user(5101, first_name="王", language_code="zh-hans")
    emulator.user(5102, first_name="Ann", language_code="en")
    emulator.inject_text(5101, "/mydata", chat_id=GROUP)
    emulator.inject_text(5101, "大家好，今天排队好长", chat_id=GROUP)
    emulator.inject_text(5102, "/survey", chat_id=GROUP)
    for _ in range(100):
        if len(emulator.bot_messages(GROUP)) >= 2:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # anything more would have arrived by now
    sent = emulator.bot_messages(GROUP)
    assert sent[0].text.startswith("为保护您的隐私，我只在私聊中提供服务。请点这里和我私聊：https://t.me/")
    assert len(sent) == 2 and "only work in private chats" in sent[1].text
    assert all(m.media_kind is None for m in sent)  # no data file
    assert not emulator.calls("sendDocument")
    async with session_factory(db)() as session:
        assert await session.scalar(select(func.count()).select_from(Respondent)) == 0
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0

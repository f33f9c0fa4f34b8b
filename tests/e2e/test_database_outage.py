"""The database goes away for a second: the customer's answer is neither lost nor doubled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.emulator.emulator import BotAPIEmulator
from storage.database import create_engine
from tests.support.botapp import running_bot
from tests.support.proxy import DatabaseProxy
from tests.support.survey_steps import answer, option_button, start_survey, stored_answers, wait_for_question


@pytest.fixture
async def proxy(db: AsyncEngine, database_url: str) -> AsyncIterator[DatabaseProxy]:
    proxy = DatabaseProxy(database_url)
    await proxy.start()
    yield proxy
    await proxy.stop()


async def test_answer_given_while_the_database_is_down_is_stored_once_it_is_back(
    db: AsyncEngine, emulator: BotAPIEmulator, proxy: DatabaseProxy
) -> None:
    engine = create_engine(proxy.url)
    customer = emulator.customer(2001)
    try:
        async with running_bot(engine, emulator):
            await start_survey(customer)
            await answer(customer, 4)
            await wait_for_question(customer, "第 2/16 题")
            proxy.cut()
            label = option_button(customer, 2)
            emulator.press(2001, label)  # pressed while the database is unreachable
            await asyncio.sleep(0.8)  # the outage itself lasts a while; the bot must wait it out
            proxy.restore()
            await wait_for_question(customer, "第 3/17 题")
    finally:
        await engine.dispose()
    assert await stored_answers(db, 2001) == {"func_needs": 4.0, "func_practical": 2.0}

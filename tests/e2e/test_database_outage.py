"""The database goes away for a second: the customer's answer is neither lost nor doubled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.metrics import Metrics
from bot.webhook import add_health_routes
from emulator.emulator import BotAPIEmulator
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
            await wait_for_question(customer, "第 3/18 题")
    finally:
        await engine.dispose()
    assert await stored_answers(db, 2001) == {"func_needs": 4.0, "func_practical": 2.0}


async def test_polling_loses_nothing_while_the_database_is_down_for_20_seconds(
    db: AsyncEngine, emulator: BotAPIEmulator, proxy: DatabaseProxy
) -> None:
    # Longer than the unit of work's own retries (about 8 s): the update must stay unconfirmed.
    engine = create_engine(proxy.url)
    customers = [emulator.customer(2101 + i) for i in range(3)]
    try:
        async with running_bot(engine, emulator):
            for customer in customers:
                await start_survey(customer)
                await answer(customer, 4)
                await wait_for_question(customer, "第 2/16 题")
            proxy.cut()
            for customer in customers:
                emulator.press(customer.user_id, option_button(customer, 2))
            await asyncio.sleep(20)
            proxy.restore()
            for customer in customers:
                # the update waits between attempts (up to 15 s) before it sees the database back
                await customer.wait_for(
                    lambda c=customer: (
                        c.keyboard_message is not None and "第 3/18 题" in c.keyboard_message.shown_text
                    ),
                    timeout=40,
                    what="question 3 after the outage",
                )
    finally:
        await engine.dispose()
    for customer in customers:
        assert await stored_answers(db, customer.user_id) == {"func_needs": 4.0, "func_practical": 2.0}


async def test_health_is_ok_at_the_first_check_after_the_database_came_back(
    db: AsyncEngine, proxy: DatabaseProxy
) -> None:
    # The pool keeps connections the outage killed (no pre-ping); the check must not report them.
    engine = create_engine(proxy.url)
    app = web.Application()
    add_health_routes(app, engine, Metrics())
    try:
        async with TestClient(TestServer(app)) as client:
            assert (await client.get("/healthz")).status == 200
            proxy.cut()  # kills the pooled connection; nothing notices until it is used
            proxy.restore()
            back = await client.get("/healthz")
            assert back.status == 200, await back.text()
            assert await back.json() == {"process": "ok", "database": "ok", "migrations": "current"}
            proxy.cut()
            down = await client.get("/healthz")
            assert down.status == 503
            assert "unreachable" in (await down.json())["database"]
    finally:
        await engine.dispose()

"""Webhook mode: Telegram's secret token is checked, updates are handled, health and metrics answer."""

from __future__ import annotations

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_bot
from bot.webhook import set_webhook_once
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import ProcessedUpdate, Respondent
from tests.support.botapp import running_webhook_bot
from tests.support.survey_steps import answer, start_survey, stored_answers, wait_for_question


async def test_customer_answers_through_the_webhook(db: AsyncEngine, emulator: BotAPIEmulator) -> None:
    async with running_webhook_bot(db, emulator):
        customer = emulator.customer(3001)
        await start_survey(customer)
        await answer(customer, 5)
        await wait_for_question(customer, "第 2/16 题")
        assert emulator.webhook_deliveries and all(d.ok for d in emulator.webhook_deliveries)
    assert await stored_answers(db, 3001) == {"func_needs": 5.0}


async def test_a_wrong_or_missing_secret_gets_401_and_writes_nothing(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    update = {
        "update_id": 777,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 3002, "type": "private"},
            "from": {"id": 3002, "is_bot": False, "first_name": "X"},
            "text": "/start",
        },
    }
    async with running_webhook_bot(db, emulator) as running, aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(f"{running.url}/telegram/webhook", json=update, headers=headers) as reply:
                assert reply.status == 401
    async with session_factory(db)() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
        assert await session.scalar(select(func.count()).select_from(Respondent)) == 0


async def test_health_and_metrics(db: AsyncEngine, emulator: BotAPIEmulator) -> None:
    async with running_webhook_bot(db, emulator) as running, aiohttp.ClientSession() as http:
        customer = emulator.customer(3003)
        await start_survey(customer)
        await answer(customer, 4)
        async with http.get(f"{running.url}/healthz") as reply:
            assert reply.status == 200
            assert await reply.json() == {"process": "ok", "database": "ok", "migrations": "current"}
        async with http.get(f"{running.url}/metrics") as reply:
            body = await reply.text()
        assert 'tingjian_updates_total{outcome="handled",type="callback_query"} 1.0' in body
        assert "tingjian_answers_stored_total 1.0" in body
        assert "tingjian_update_seconds_bucket" in body


async def test_the_webhook_is_set_once_not_by_every_process(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    async with running_webhook_bot(db, emulator) as running:
        second_process = build_bot(running.settings)
        try:
            assert await set_webhook_once(second_process, db, running.settings) is False
        finally:
            await second_process.session.close()
    assert len(emulator.calls("setWebhook")) == 1


async def test_a_body_that_is_no_update_gets_4xx_or_200_and_stores_nothing(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    bodies = {
        b"{not json": 400,
        b"": 400,
        b"[1, 2, 3]": 400,
        b'"update"': 400,
        b'{"message": {}}': 400,
        b'{"update_id": "7"}': 400,
        deep.encode(): 400,
        b'{"update_id": 778, "some_future_update": {"x": 1}}': 200,
        b'{"update_id": 779, "message": {"message_id": "not a number"}}': 200,
    }
    async with running_webhook_bot(db, emulator) as running, aiohttp.ClientSession() as http:
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token_ABC", "Content-Type": "application/json"}
        for body, status in bodies.items():
            async with http.post(f"{running.url}/telegram/webhook", data=body, headers=headers) as reply:
                assert reply.status == status, body[:40]
        # the bot still works afterwards
        customer = emulator.customer(3003)
        await start_survey(customer)
    async with session_factory(db)() as session:
        stored = await session.scalars(select(ProcessedUpdate.update_id))
        assert not {778, 779} & set(stored)


async def test_metrics_ask_for_the_token_when_one_is_set(db: AsyncEngine, emulator: BotAPIEmulator) -> None:
    async with (
        running_webhook_bot(db, emulator, metrics_token="m3trics-T0ken") as running,
        aiohttp.ClientSession() as http,
    ):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "m3trics-T0ken"}):
            async with http.get(f"{running.url}/metrics", headers=headers) as reply:
                assert reply.status == 401
                assert await reply.json() == {"error": "unauthorized"}
        headers = {"Authorization": "Bearer m3trics-T0ken"}
        async with http.get(f"{running.url}/metrics", headers=headers) as reply:
            assert reply.status == 200
            assert "tingjian_updates_total" in await reply.text()
        async with http.get(f"{running.url}/healthz") as reply:
            assert reply.status == 200

"""The bot's pacing (bot/telegram_pacing.py) against the emulator with Telegram's limits switched on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from bot.app import build_bot
from bot.config import Settings
from bot.telegram_pacing import is_paced
from emulator.emulator import DEFAULT_TOKEN, BotAPIEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


@pytest.fixture
async def paced(emulator: BotAPIEmulator) -> AsyncIterator[Bot]:
    settings = Settings(_env_file=None, bot_token=DEFAULT_TOKEN, telegram_api_base=emulator.base_url)  # type: ignore[call-arg]
    bot = build_bot(settings)
    yield bot
    await bot.session.close()


def test_sends_and_edits_are_paced_but_not_callback_answers_or_chat_actions() -> None:
    assert all(is_paced(m) for m in ("sendMessage", "sendPhoto", "editMessageText", "copyMessage"))
    assert not any(
        is_paced(m) for m in ("answerCallbackQuery", "sendChatAction", "getUpdates", "deleteMessage")
    )


async def test_a_burst_to_sixty_customers_draws_no_429(emulator: BotAPIEmulator, paced: Bot) -> None:
    customers = range(3001, 3061)
    for user in customers:
        emulator.user(user)
    emulator.enable_flood_control()
    await asyncio.gather(*(paced.send_message(user, "通知") for user in customers))
    assert all(len(emulator.bot_messages(user)) == 1 for user in customers)
    assert emulator.flood_refusals() == 0


async def test_a_429_holds_back_that_chat_only_for_its_retry_after(
    emulator: BotAPIEmulator, paced: Bot
) -> None:
    held, other = 3101, 3102
    emulator.user(held)
    emulator.user(other)
    emulator.fail_next("sendMessage", status=429, retry_after=1)
    first = asyncio.create_task(paced.send_message(held, "first"))
    while not emulator.flood_refusals():  # noqa: ASYNC110 (a logged call wakes no waiter)
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # the 429 reaches the bot, which then waits 1 s before retrying
    await asyncio.gather(paced.send_message(held, "second"), paced.send_message(other, "meanwhile"))
    await first
    refused_at = next(c.at for c in emulator.calls("sendMessage") if c.status == 429)
    delivered = {str(c.params["text"]): c.at for c in emulator.calls("sendMessage") if c.status == 200}
    assert delivered["meanwhile"] < delivered["second"]
    # The held chat's next message waited out the retry_after too, not only the refused one.
    assert delivered["second"] - refused_at >= 0.95
    assert {m.text for m in emulator.bot_messages(held)} == {"first", "second"}

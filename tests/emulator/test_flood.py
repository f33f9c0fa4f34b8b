"""The emulator's model of Telegram's flood control, on a clock the test turns."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiohttp import ClientSession

from emulator import BotAPIEmulator, FloodControl, FloodLimits

PRIVATE = 1001
OTHER_PRIVATE = 1002
GROUP = -100500


class FakeClock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def flood(clock: FakeClock) -> FloodControl:
    return FloodControl(FloodLimits(), clock)


def refused(flood: FloodControl, method: str, chat_id: int | None) -> int | None:
    """retry_after of a 429, or None when the call is let through."""
    error = flood.check(method, chat_id)
    if error is None:
        return None
    assert error.status == 429
    assert error.description == f"Too Many Requests: retry after {error.parameters['retry_after']}"
    return int(error.parameters["retry_after"])


def test_a_private_chat_takes_a_short_burst_then_one_message_a_second(
    flood: FloodControl, clock: FakeClock
) -> None:
    assert [refused(flood, "sendMessage", PRIVATE) for _ in range(3)] == [None, None, None]
    assert refused(flood, "sendMessage", PRIVATE) == 1
    clock.now += 1.0
    assert refused(flood, "sendMessage", PRIVATE) is None
    assert refused(flood, "editMessageText", PRIVATE) == 1
    # Another chat is not held up by this one.
    assert refused(flood, "sendMessage", OTHER_PRIVATE) is None


def test_sends_and_edits_share_about_twenty_a_minute_per_chat(flood: FloodControl, clock: FakeClock) -> None:
    # One a second (within the per-second limit): the bucket of 20 fills at 2/3 a second and is
    # full after 29; from then on the chat gets 20 a minute, sends and edits together.
    let_through = []
    for second in range(90):
        method = "editMessageText" if second % 2 else "sendMessage"
        let_through.append(refused(flood, method, PRIVATE) is None)
        clock.now += 1.0
    assert all(let_through[:29])
    assert not let_through[29]
    assert sum(let_through[30:90]) == 20
    assert refused(flood, "sendMessage", OTHER_PRIVATE) is None  # another chat's limit is its own


def test_a_group_takes_twenty_a_minute_at_once_but_not_twenty_one(
    flood: FloodControl, clock: FakeClock
) -> None:
    assert all(refused(flood, "sendMessage", GROUP) is None for _ in range(20))
    assert refused(flood, "sendMessage", GROUP) == 3
    clock.now += 3.0
    assert refused(flood, "sendMessage", GROUP) is None


def test_bulk_sends_across_chats_are_held_to_about_thirty_a_second(
    flood: FloodControl, clock: FakeClock
) -> None:
    assert all(refused(flood, "sendMessage", 5000 + n) is None for n in range(30))
    assert refused(flood, "sendMessage", 6000) == 1
    clock.now += 0.5  # half a second drains 15
    assert all(refused(flood, "sendMessage", 7000 + n) is None for n in range(15))
    assert refused(flood, "sendPhoto", 8000) == 1


def test_refused_calls_are_not_counted_and_unlimited_methods_pass(
    flood: FloodControl, clock: FakeClock
) -> None:
    for _ in range(3):
        assert refused(flood, "sendMessage", PRIVATE) is None
    for _ in range(50):
        assert refused(flood, "sendMessage", PRIVATE) is not None
        assert refused(flood, "answerCallbackQuery", None) is None
        assert refused(flood, "sendChatAction", PRIVATE) is None
        assert refused(flood, "getMe", None) is None
    clock.now += 1.0
    assert refused(flood, "sendMessage", PRIVATE) is None
    assert flood.refused == 50


def test_a_time_factor_runs_the_same_limits_faster(clock: FakeClock) -> None:
    fast = FloodControl(FloodLimits().scaled(10.0), clock)
    for _ in range(20):
        assert refused(fast, "sendMessage", GROUP) is None
    assert refused(fast, "sendMessage", GROUP) == 1  # 0.3 s, rounded up to Telegram's whole second
    clock.now += 0.3
    assert refused(fast, "sendMessage", GROUP) is None


async def test_over_the_limit_the_bot_api_answers_429_exactly_as_telegram_does(
    emu: BotAPIEmulator, bot: Bot
) -> None:
    emu.user(PRIVATE)
    emu.enable_flood_control()
    for n in range(3):
        await bot.send_message(PRIVATE, f"burst {n}")
    async with ClientSession() as http:
        reply = await http.post(
            f"{emu.base_url}/bot{emu.token}/sendMessage", json={"chat_id": PRIVATE, "text": "one too many"}
        )
        assert reply.status == 429
        assert await reply.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(PRIVATE, "and again")
    assert caught.value.retry_after == 1
    assert emu.flood_refusals("sendMessage") == 2
    assert [m.text for m in emu.bot_messages(PRIVATE)] == ["burst 0", "burst 1", "burst 2"]


async def test_flood_control_is_off_by_default_and_switched_through_the_control_api(
    emu: BotAPIEmulator, bot: Bot
) -> None:
    emu.user(PRIVATE)
    emu.user(OTHER_PRIVATE)
    for n in range(10):
        await bot.send_message(PRIVATE, f"free {n}")
    async with ClientSession() as http:
        on = await http.post(f"{emu.base_url}/_emulator/flood_control", json={"enabled": True})
        assert await on.json() == {"enabled": True, "refused": 0}
        for n in range(3):
            await bot.send_message(OTHER_PRIVATE, f"limited {n}")
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(OTHER_PRIVATE, "over")
        off = await http.post(f"{emu.base_url}/_emulator/flood_control", json={"enabled": False})
        assert await off.json() == {"enabled": False, "refused": 1}
    await bot.send_message(OTHER_PRIVATE, "free again")

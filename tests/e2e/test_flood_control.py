"""Telegram's 429 flood control is waited out: the customer still gets every reply."""

from __future__ import annotations

from emulator.emulator import BotAPIEmulator
from tests.support.botapp import RunningBot


async def test_a_429_on_a_reply_is_waited_out_and_the_reply_arrives(
    tingjian: RunningBot, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(6001)
    emulator.fail_next("sendMessage", status=429, retry_after=1, times=1)
    await customer.send("/help")
    assert "/survey" in customer.last_text
    failed = [c for c in emulator.calls("sendMessage") if c.status == 429]
    assert len(failed) == 1

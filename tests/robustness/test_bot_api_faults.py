"""The Bot API answers 429 (flood control) or 5xx: the customer still gets every reply, nothing is lost."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import BotAPIEmulator
from tests.support.botapp import running_bot
from tests.support.survey_steps import answer, option_button, start_survey, stored_answers, wait_for_question


# A press turns the survey card (editMessageText) and is acknowledged; a typed answer gets a new
# message with the next question (sendMessage).
@pytest.mark.parametrize("method", ["sendMessage", "editMessageText", "answerCallbackQuery"])
async def test_flood_control_on_a_reply_delays_it_but_loses_nothing(
    db: AsyncEngine, emulator: BotAPIEmulator, method: str
) -> None:
    customer = emulator.customer(4101)
    async with running_bot(db, emulator):
        await start_survey(customer)
        emulator.fail_next(method, status=429, retry_after=1)
        if method == "sendMessage":
            await customer.send("4")
        else:
            await answer(customer, 4)
        await wait_for_question(customer, "第 2/16 题")
        await answer(customer, 5)
        await wait_for_question(customer, "第 3/16 题")
    assert [c.status for c in emulator.calls(method) if not c.ok] == [429]
    assert await stored_answers(db, 4101) == {"func_needs": 4.0, "func_practical": 5.0}


# Four 502s in a row: 0.5 + 1 + 2 + 4 s of back-off, within the 30 s budget.
@pytest.mark.parametrize(("status", "times"), [(500, 1), (502, 4)])
async def test_a_server_error_on_a_reply_is_retried_and_loses_nothing(
    db: AsyncEngine, emulator: BotAPIEmulator, status: int, times: int
) -> None:
    customer = emulator.customer(4102, timeout=15)
    async with running_bot(db, emulator):
        await start_survey(customer)
        emulator.fail_next("editMessageText", status=status, times=times)
        await answer(customer, 4)
        await wait_for_question(customer, "第 2/16 题")
    assert [c.status for c in emulator.calls("editMessageText") if not c.ok] == [status] * times
    assert await stored_answers(db, 4102) == {"func_needs": 4.0}


async def test_a_flood_wait_longer_than_the_budget_is_not_waited_and_the_customer_resumes(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(4103)
    async with running_bot(db, emulator):
        await start_survey(customer)
        emulator.fail_next("editMessageText", status=429, retry_after=31)
        emulator.press(4103, option_button(customer, 4))
        await customer.wait_for(lambda: any(not c.ok for c in emulator.calls("editMessageText")), what="429")
        await customer.wait_quiet()
        assert [c.status for c in emulator.calls("editMessageText")] == [429]  # given up at once
        assert await stored_answers(db, 4103) == {"func_needs": 4.0}  # the answer is kept
        await customer.send("/survey")
        await customer.press("▶️ 继续上次")
        await wait_for_question(customer, "第 2/16 题")

"""A bot process killed with SIGKILL mid-survey: after a restart the customer resumes, nothing is lost."""

from __future__ import annotations

import signal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import BotAPIEmulator
from tests.robustness.bot_process import bot_process, kill_when, wait_for_lock_waiters
from tests.support.survey_steps import (
    THANKS_ZH,
    answer,
    option_button,
    responses_of,
    start_survey,
    stored_answers,
    wait_for_question,
)

QUESTIONS = 16
PLAN = [3 + i % 3 for i in range(QUESTIONS)]  # all above 2: the optional comment question stays hidden


async def test_killed_after_storing_an_answer_before_the_press_is_acknowledged(
    db: AsyncEngine, database_url: str, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    customer = emulator.customer(4401, timeout=15)
    async with bot_process(emulator, database_url, tmp_path / "first") as first:
        await start_survey(customer)
        for value in PLAN[:5]:
            await answer(customer, value)
        card = customer.keyboard_message
        assert card is not None
        press = emulator.press(4401, option_button(customer, PLAN[5]))
        # The answer is committed before the card turns to the next question: die the moment it turns,
        # before the bot hears back and acknowledges the press.
        kill_when(emulator, lambda: card.edited > 5, first)
        assert await first.exited(timeout=30) == -signal.SIGKILL
    assert f"第 7/{QUESTIONS} 题" in card.shown_text and not customer.answers[-1].answered
    assert customer.answers[-1].id == press.id
    assert len(await stored_answers(db, 4401)) == 6  # the sixth answer was committed, nothing half-done
    assert await responses_of(db, 4401) == ["started"]

    async with bot_process(emulator, database_url, tmp_path / "second"):
        # The customer goes on from the card, which shows the question the stored state is at.
        for number, value in enumerate(PLAN[6:], start=7):
            await wait_for_question(customer, f"第 {number}/{QUESTIONS} 题")
            await answer(customer, value)
        assert THANKS_ZH in customer.last_text
    assert list((await stored_answers(db, 4401)).values()) == [float(v) for v in PLAN]
    assert await responses_of(db, 4401) == ["completed"]


async def test_killed_while_an_update_waits_for_the_database(
    db: AsyncEngine, database_url: str, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    customer = emulator.customer(4402, timeout=15)
    async with bot_process(emulator, database_url, tmp_path / "first") as first:
        await start_survey(customer)
        await answer(customer, PLAN[0])
        assert customer.keyboard_message is not None
        async with db.connect() as blocker:
            # Hold this chat's lock, as a slow update in another process would: the press waits on it.
            await blocker.execute(text("SELECT pg_advisory_lock(4402)"))
            emulator.press(4402, option_button(customer, PLAN[1]))
            await wait_for_lock_waiters(db, 1)  # fetched, and waiting for the lock
            first.process.kill()
            assert await first.exited(timeout=30) == -signal.SIGKILL
            await blocker.execute(text("SELECT pg_advisory_unlock(4402)"))
    assert len(await stored_answers(db, 4402)) == 1  # the press left no trace

    async with bot_process(emulator, database_url, tmp_path / "second"):
        # A polled batch is confirmed only once handled (bot/polling.py), so the press the killed
        # process was holding is delivered again: the customer goes on without pressing twice.
        await wait_for_question(customer, f"第 3/{QUESTIONS} 题")
    assert list((await stored_answers(db, 4402)).values()) == [float(v) for v in PLAN[:2]]

"""Telegram delivers an update twice, late, or out of order: every answer is stored exactly once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import BotAPIEmulator
from emulator.serialize import callback_query_json
from emulator.updates import callback_update
from storage.database import session_factory
from storage.models import ProcessedUpdate
from tests.support.botapp import running_bot, running_webhook_bot
from tests.support.survey_steps import (
    THANKS_ZH,
    answer,
    current_question,
    start_survey,
    stored_answers,
    wait_for_question,
)

QUESTIONS = 16


async def processed_updates(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def chat_locks_held(engine: AsyncEngine, chat_id: int) -> int:
    """Advisory locks on this chat still held by any database session (pooled ones included)."""
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :chat AND granted")
    async with engine.connect() as connection:
        return int(await connection.scalar(query, {"chat": chat_id}) or 0)


async def test_every_update_delivered_twice_is_handled_once(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(4201)
    deliver_once = emulator.dispatch

    def dispatch_twice(update: dict[str, object]) -> int:
        update_id = deliver_once(update)
        emulator.redeliver(update_id)  # Telegram sends the same update_id again
        return update_id

    emulator.dispatch = dispatch_twice  # type: ignore[method-assign]
    async with running_bot(db, emulator):
        await start_survey(customer)
        for number in range(1, QUESTIONS + 1):
            await wait_for_question(customer, f"第 {number}/{QUESTIONS} 题")
            await answer(customer, 3 + number % 3)
        await customer.wait_quiet()
    assert THANKS_ZH in customer.last_text
    stored = await stored_answers(db, 4201)
    assert len(stored) == QUESTIONS
    turns = [c for c in emulator.calls("editMessageText") if c.ok]
    assert len(turns) == QUESTIONS  # the card turned once per press: no question asked twice
    assert len(customer.messages) == 2  # the intro and the survey card: nothing doubled
    assert await processed_updates(db) == 1 + QUESTIONS  # /survey and one press per question


async def test_an_old_update_redelivered_after_later_ones_changes_nothing(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(4202)
    async with running_bot(db, emulator):
        await start_survey(customer)
        first = emulator.inject_text(4202, "5")  # typed answers: a replay would answer the next question
        await wait_for_question(customer, f"第 2/{QUESTIONS} 题")
        emulator.inject_text(4202, "4")
        await wait_for_question(customer, f"第 3/{QUESTIONS} 题")
        sent_before = len(emulator.calls("sendMessage"))
        assert first.update_id is not None
        emulator.redeliver(first.update_id)
        await customer.wait_for(lambda: len(emulator.queue) == 0, what="the replay to be fetched")
        await customer.wait_quiet()
        assert len(emulator.calls("sendMessage")) == sent_before
        assert f"第 3/{QUESTIONS} 题" in current_question(customer)
    assert await stored_answers(db, 4202) == {"func_needs": 5.0, "func_practical": 4.0}


async def test_a_double_tap_delivered_in_reverse_order_stores_one_answer(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(4203)
    async with running_bot(db, emulator):
        await start_survey(customer)
        question = customer.keyboard_message
        assert question is not None
        taps = [
            emulator.state.open_callback_query(4203, 4203, question.message_id, button.callback_data or "")
            for button in question.buttons[2:4]  # "3" then "4", pressed in quick succession
        ]
        for tap in reversed(taps):  # the second tap reaches the bot first
            tap.update_id = emulator.dispatch(
                callback_update(emulator.queue.next_id(), callback_query_json(emulator.state, tap))
            )
        await customer.wait_for(lambda: all(t.answered for t in taps), what="both taps answered")
        await wait_for_question(customer, f"第 2/{QUESTIONS} 题")
        await customer.wait_quiet()
    assert await stored_answers(db, 4203) == {"func_needs": 4.0}  # the tap that arrived first wins
    assert taps[0].answer_text == "这道题已经记录过了，请看最新的问题 🙂"


async def test_a_burst_of_concurrent_webhook_deliveries_from_one_chat_is_serialised(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(4204)
    typed = [3, 4, 5, 4, 3, 5, 5, 4, 3, 4]
    async with running_webhook_bot(db, emulator):
        await start_survey(customer)
        sent = [emulator.inject_text(4204, str(value)) for value in typed]  # 40 parallel deliveries
        for message in sent[::3]:
            assert message.update_id is not None
            emulator.redeliver(message.update_id)
        await wait_for_question(customer, f"第 {len(typed) + 1}/{QUESTIONS} 题")
        await customer.wait_quiet(0.3)
    stored = await stored_answers(db, 4204)
    assert Counter(stored.values()) == Counter(float(v) for v in typed)  # each typed answer exactly once
    assert await processed_updates(db) == 1 + len(typed)
    assert await chat_locks_held(db, 4204) == 0  # every update released its chat's lock

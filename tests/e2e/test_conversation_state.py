"""The conversation state across a deploy: what the previous version stored carries a customer on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import Conversation, Respondent
from tests.support.botapp import RunningBot
from tests.support.survey_steps import answer, start_survey, stored_answers, wait_for_question


async def _conversation(engine: AsyncEngine, telegram_id: int) -> tuple[str | None, dict[str, Any], datetime]:
    async with session_factory(engine)() as session:
        row = (
            await session.execute(
                select(Conversation.flow, Conversation.state, Conversation.updated_at)
                .join(Respondent, Respondent.id == Conversation.respondent_id)
                .where(Respondent.telegram_id == telegram_id)
            )
        ).one()
        return row.flow, dict(row.state), row.updated_at


async def _store(engine: AsyncEngine, telegram_id: int, flow: str | None, state: dict[str, Any]) -> None:
    async with session_factory(engine)() as session:
        respondent = select(Respondent.id).where(Respondent.telegram_id == telegram_id).scalar_subquery()
        await session.execute(
            update(Conversation)
            .where(Conversation.respondent_id == respondent)
            .values(flow=flow, state=state)
        )
        await session.commit()


async def test_a_customer_mid_survey_under_the_previous_version_carries_on(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(3101)
    await start_survey(customer)
    await answer(customer, 4)
    await wait_for_question(customer, "第 2/16 题")
    _, state, _ = await _conversation(db, 3101)
    survey = state["survey"]
    # Exactly what the version before the typed state (and before multi-pick questions) stored.
    older = {
        "survey": {
            "version_id": survey["version_id"],
            "response_id": survey["response_id"],
            "position": survey["position"],
            "path": survey["path"],
            "answers": survey["answers"],
        }
    }
    await _store(db, 3101, "survey", older)
    await answer(customer, 5)
    await wait_for_question(customer, "第 3/16 题")
    await customer.send("3")  # typed answers reach the survey too: the flow loaded as "survey"
    await wait_for_question(customer, "第 4/16 题")
    answers = await stored_answers(db, 3101)
    assert len(answers) == 3
    assert answers[survey["path"][0]] == 4
    flow, state, _ = await _conversation(db, 3101)
    assert flow == "survey"
    assert state["survey"]["response_id"] == survey["response_id"]
    assert len(state["survey"]["path"]) == 3


async def test_the_conversation_is_written_only_when_it_changed(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(3102)
    await start_survey(customer)
    before = await _conversation(db, 3102)
    await customer.send("/help")
    await customer.send("/mytickets")
    assert await _conversation(db, 3102) == before
    await customer.send("/cancel")
    flow, state, updated_at = await _conversation(db, 3102)
    assert flow is None
    assert state == before[1]  # the survey stays, to be resumed
    assert updated_at > before[2]

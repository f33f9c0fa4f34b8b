"""A question type defined in a test alone, answered in Telegram: the real bot shows it, PostgreSQL keeps
the answer and the question's kind, and the analysis frames read it like any other answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.survey import Survey
from dialogs.survey_loader import DEFAULT_SURVEY_KEY
from emulator.emulator import BotAPIEmulator
from storage.analytics import answers_frame
from storage.database import session_factory
from storage.models import QuestionRow
from storage.surveys import SurveyRepository
from tests.dialogs.test_question_types import KIND, SURVEY, TimesVisited, times_visited_registered
from tests.support.botapp import RunningBot
from tests.support.survey_steps import (
    THANKS_ZH,
    answer,
    current_question,
    responses_of,
    start_survey,
    stored_answers,
    wait_for_question,
)


@pytest.fixture
def times_visited() -> Iterator[TimesVisited]:
    with times_visited_registered() as added:
        yield added


async def test_a_type_added_in_one_module_is_asked_stored_and_analysed(
    times_visited: TimesVisited, tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    survey = Survey.model_validate({**SURVEY, "key": DEFAULT_SURVEY_KEY})  # the one /survey asks
    async with session_factory(db)() as session, session.begin():
        stored = await SurveyRepository(session).store(survey)
    customer = emulator.customer(1301)
    await start_survey(customer)
    await answer(customer, 4)
    await wait_for_question(customer, "第 2/3 题")
    assert "本月来了几次？" in current_question(customer) and customer.buttons == ["« 上一题"]
    replies = await customer.send("很多次")
    assert any("请输入次数（0–99 的整数）" in m.shown_text for m in replies), customer.transcript()
    await customer.send("12")
    await wait_for_question(customer, "第 3/3 题")
    await answer(customer, 5)
    assert THANKS_ZH in customer.last_text and "本月来了几次？ — 12 次" in customer.last_text
    assert await responses_of(db, 1301) == ["completed"]
    assert await stored_answers(db, 1301) == {"comfort": 4.0, "visits": 12.0, "overall": 5.0}
    async with session_factory(db)() as session:
        kinds = await session.scalars(
            select(QuestionRow.kind)
            .where(QuestionRow.survey_version_id == stored.version_id)
            .order_by(QuestionRow.position)
        )
        assert list(kinds) == ["rating", KIND, "rating"]
    now = datetime.now(UTC)
    frame = await answers_frame(db, now - timedelta(hours=1), now + timedelta(hours=1), DEFAULT_SURVEY_KEY)
    visits = frame[frame["question_key"] == "visits"]
    assert list(visits["role"]) == ["choice"] and list(visits["score"]) == [12.0]

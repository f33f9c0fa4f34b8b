"""A question type added in one module: registered here, in the test only, and run through the survey.

The type below is the whole of what "Adding a question type" in docs/ARCHITECTURE.md asks for (its
texts reuse existing message keys): nothing in dialogs/, bot/ or storage/ changes for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from bot import render
from dialogs import question_types
from dialogs.i18n import Language
from dialogs.question_types.base import (
    Accept,
    Answer,
    KeyboardSpec,
    Outcome,
    QuestionType,
    Refuse,
    Stored,
    typed_number,
)
from dialogs.survey import Option, Survey
from dialogs.survey_flow import CompleteResponse, Pick, SaveAnswer, Typed, Unsupported, handle, start, summary


class Count:
    """How many times something happened, typed as a whole number 0–99; stored as the score."""

    names = ("count",)
    needs_scale = False
    reprompt = "type_your_answer"

    def typed(self, text: str, options: Sequence[Option]) -> Outcome:
        number = typed_number(text)
        return Accept(number) if number is not None and number < 100 else Refuse("type_your_answer")

    def pressed(self, value: int, picks: tuple[int, ...], options: Sequence[Option]) -> Outcome:
        return Refuse("type_your_answer")

    def done(self, picks: tuple[int, ...], required: bool) -> Outcome:
        return Refuse("type_your_answer")

    def stored(self, answer: Answer) -> Stored:
        return Stored(score=answer if isinstance(answer, int) else None, text=None)

    def keyboard(self, options: Sequence[Option]) -> KeyboardSpec:
        return KeyboardSpec()

    def label(self, answer: Answer, options: Sequence[Option], language: Language) -> str:
        return f"{answer} 次" if language == "zh" else f"{answer} times"


SURVEY = {
    "key": "visits",
    "title": {"zh": "到访", "en": "Visits"},
    "intro": {"zh": "两个问题", "en": "Two questions"},
    "scales": {
        "five": {
            "kind": "rating",
            "options": [{"value": v, "label": {"zh": str(v), "en": str(v)}} for v in range(1, 6)],
        }
    },
    "dimensions": [{"key": "comfort", "name": {"zh": "舒适性", "en": "Comfort"}}],
    "questions": [
        {
            "key": "visits",
            "text": {"zh": "本月来了几次？", "en": "Visits this month?"},
            "role": "choice",
            "kind": "count",
        },
        {
            "key": "overall",
            "text": {"zh": "总体满意吗？", "en": "Satisfied overall?"},
            "role": "overall",
            "scale": "five",
        },
    ],
}


@pytest.fixture
def count() -> Iterator[QuestionType]:
    added = Count()
    question_types.register(added)
    yield added
    question_types.unregister(added)


def test_a_registered_type_runs_through_the_survey(count: QuestionType) -> None:
    survey = Survey.model_validate(SURVEY)
    step = start(survey, response_id=5)
    assert step.prompt is not None and step.prompt.options == ()
    assert render.question_keyboard(step.prompt, 5, "zh") is None  # typed: no buttons on the first question
    for wrong in (Typed("many"), Typed("100"), Pick(3), Unsupported("sticker")):
        refused = handle(survey, step.state, wrong)
        assert refused.state == step.state and refused.notice == "type_your_answer"
    step = handle(survey, step.state, Typed(" 12 "))
    assert step.effects == (SaveAnswer("visits", score=12, text=None),)
    assert step.state.position == "overall"
    step = handle(survey, step.state, Pick(4))
    assert step.effects == (SaveAnswer("overall", score=4, text=None), CompleteResponse())
    answered = summary(survey, step.state)
    assert [render.answer_label(survey, q, a, "zh") for q, a in answered] == ["12 次", "4 · 4"]


def test_a_kind_nobody_registered_is_refused_by_the_survey_model() -> None:
    with pytest.raises(ValueError, match="unknown kind 'count'"):
        Survey.model_validate(SURVEY)

"""A question type added in one module: defined and registered in this file alone, with its texts.

`TimesVisited` below, with its two texts, is the whole of what "Adding a question type" in
docs/ARCHITECTURE.md asks for: nothing in dialogs/, bot/, storage/ or analysis/ changes for it. Here it
runs through the survey engine and the bot's rendering; tests/e2e/test_question_type.py runs it through
the real bot, PostgreSQL and the analysis frames.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from bot import render
from dialogs import question_types
from dialogs.i18n import LANGUAGES, Language, catalog, t
from dialogs.question_types.base import Accept, Answer, KeyboardSpec, Outcome, Refuse, Stored, typed_number
from dialogs.survey import Option, Scale, Survey
from dialogs.survey_flow import CompleteResponse, Pick, SaveAnswer, Typed, Unsupported, handle, start, summary

KIND = "times_visited"  # longer than the 10 characters questions.kind once held
TYPE_A_COUNT = "type_a_count"
# The type's texts: what dialogs/locales/<zh|en>/*.yaml would hold for it.
TEXTS: dict[Language, dict[str, str]] = {
    "zh": {TYPE_A_COUNT: "请输入次数（0–99 的整数）", "times": "{count} 次"},
    "en": {TYPE_A_COUNT: "Please type how many times (a whole number 0–99)", "times": "{count} times"},
}


class TimesVisited:
    """How many times something happened, typed as a whole number 0–99; stored as the score."""

    names: tuple[str, ...] = (KIND,)
    needs_scale = False
    reprompt = TYPE_A_COUNT

    def scale_problem(self, scale: Scale) -> str | None:
        return None

    def typed(self, text: str, options: Sequence[Option]) -> Outcome:
        number = typed_number(text)
        return Accept(number) if number is not None and number < 100 else Refuse(TYPE_A_COUNT)

    def pressed(self, value: int, picks: tuple[int, ...], options: Sequence[Option]) -> Outcome:
        return Refuse(TYPE_A_COUNT)

    def done(self, picks: tuple[int, ...], required: bool) -> Outcome:
        return Refuse(TYPE_A_COUNT)

    def stored(self, answer: Answer) -> Stored:
        return Stored(score=answer if isinstance(answer, int) else None, text=None)

    def keyboard(self, options: Sequence[Option]) -> KeyboardSpec:
        return KeyboardSpec()

    def label(self, answer: Answer, options: Sequence[Option], language: Language) -> str:
        return t(language, "times", count=answer)


@contextmanager
def times_visited_registered() -> Iterator[TimesVisited]:
    """The type registered and its texts in the catalogs (as if in the locale files), then removed."""
    added = TimesVisited()
    question_types.register(added)
    for language in LANGUAGES:
        catalog(language).update(TEXTS[language])
    try:
        yield added
    finally:
        question_types.unregister(added)
        for language in LANGUAGES:
            for key in TEXTS[language]:
                catalog(language).pop(key)


SURVEY: dict[str, Any] = {
    "key": "visits",
    "title": {"zh": "到访", "en": "Visits"},
    "intro": {"zh": "三个问题", "en": "Three questions"},
    "scales": {
        "five": {
            "kind": "rating",
            "options": [{"value": v, "label": {"zh": f"{v} 分", "en": f"{v} points"}} for v in range(1, 6)],
        }
    },
    "dimensions": [{"key": "comfort", "name": {"zh": "舒适性", "en": "Comfort"}}],
    "questions": [
        {
            "key": "comfort",
            "text": {"zh": "环境舒适吗？", "en": "Comfortable?"},
            "role": "item",
            "dimension": "comfort",
            "scale": "five",
        },
        {
            "key": "visits",
            "text": {"zh": "本月来了几次？", "en": "Visits this month?"},
            "role": "choice",
            "kind": KIND,
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
def times_visited() -> Iterator[TimesVisited]:
    with times_visited_registered() as added:
        yield added


def test_a_registered_type_runs_through_the_survey(times_visited: TimesVisited) -> None:
    survey = Survey.model_validate(SURVEY)
    step = handle(survey, start(survey, response_id=5).state, Pick(4))
    assert step.prompt is not None and step.prompt.question.key == "visits" and step.prompt.options == ()
    keyboard = render.question_keyboard(step.prompt, 5, "zh")
    assert keyboard is not None and [[b.text for b in row] for row in keyboard.inline_keyboard] == [
        ["« 上一题"]
    ]
    for wrong in (Typed("many"), Typed("100"), Pick(3), Unsupported("sticker")):
        refused = handle(survey, step.state, wrong)
        assert refused.state == step.state and refused.notice == TYPE_A_COUNT
        assert refused.prompt is not None
        assert "请输入次数（0–99 的整数）" in render.question_text(
            survey, refused.prompt, "zh", refused.notice
        )
    step = handle(survey, step.state, Typed(" 12 "))
    assert step.effects == (SaveAnswer("visits", score=12, text=None),)
    assert step.state.position == "overall"
    step = handle(survey, step.state, Pick(5))
    assert step.effects == (SaveAnswer("overall", score=5, text=None), CompleteResponse())
    answered = summary(survey, step.state)
    assert [render.answer_label(survey, q, a, "zh") for q, a in answered] == ["4 · 4 分", "12 次", "5 · 5 分"]
    assert render.answer_label(survey, answered[1][0], 12, "en") == "12 times"


def test_a_registered_type_that_takes_a_scale_can_be_a_scales_kind(times_visited: TimesVisited) -> None:
    """A scale's `kind:` is any registered type that takes a scale; questions on it are of that type."""
    multi = Survey.model_validate(
        {
            **SURVEY,
            "scales": {**SURVEY["scales"], "areas": {**SURVEY["scales"]["five"], "kind": "multi"}},
            "questions": [{**SURVEY["questions"][0], "scale": "areas"}],
        }
    )
    step = start(multi, response_id=1)
    assert step.prompt is not None and step.prompt.keyboard.ticks and step.prompt.keyboard.done
    with pytest.raises(ValueError, match=f"unknown scale kind '{KIND}'"):  # it takes no scale
        Survey.model_validate({**SURVEY, "scales": {"five": {**SURVEY["scales"]["five"], "kind": KIND}}})


def test_a_kind_nobody_registered_is_refused_by_the_survey_model() -> None:
    with pytest.raises(ValueError, match=f"unknown kind '{KIND}'"):
        Survey.model_validate(SURVEY)


def test_a_kind_that_storage_could_not_keep_or_that_is_taken_is_refused_at_registration() -> None:
    too_long, taken = TimesVisited(), TimesVisited()
    too_long.names, taken.names = ("x" * 41,), (KIND, "text")
    with pytest.raises(ValueError, match="at most 40 characters"):
        question_types.register(too_long)
    with pytest.raises(ValueError, match="kind 'text' is already registered by Text"):
        question_types.register(taken)
    assert question_types.kinds() == {"rating", "scale", "choice", "multi", "text"}

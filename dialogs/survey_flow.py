"""The survey conversation as a pure state machine: (survey, state, input) → Step.

The bot renders `Step.prompt` / `Step.notice` and persists `Step.effects`; nothing here touches
Telegram or the database, so every rule of the conversation is testable with plain asserts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from dialogs.question_types import type_of
from dialogs.question_types.base import OUT_OF_RANGE as OUT_OF_RANGE  # re-exported for the bot
from dialogs.question_types.base import Answer as Answer
from dialogs.question_types.base import KeyboardSpec, Refuse, Stored, Tick
from dialogs.question_types.text import MAX_COMMENT_LENGTH as MAX_COMMENT_LENGTH
from dialogs.survey import Option, Question, Survey


# ---- inputs -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pick:
    """A button pressed on the current question."""

    value: int


@dataclass(frozen=True)
class Typed:
    """A text message."""

    text: str


@dataclass(frozen=True)
class Back:
    """Go to the previous question."""


@dataclass(frozen=True)
class Skip:
    """Skip an optional question."""


@dataclass(frozen=True)
class Done:
    """Confirm the options picked on a multi-pick question (the 完成 button)."""


@dataclass(frozen=True)
class Unsupported:
    """A sticker, photo, voice note or anything else that is not an answer."""

    kind: str


SurveyInput = Pick | Typed | Back | Skip | Done | Unsupported


# ---- outputs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SaveAnswer:
    """Persist (or overwrite) the answer to one question; score and text are both None when skipped."""

    question_key: str
    score: int | None
    text: str | None
    choices: tuple[int, ...] = ()  # a multi-pick answer's options (its text lists them too)


@dataclass(frozen=True)
class CompleteResponse:
    """The survey is finished: mark the response completed."""


Effect = SaveAnswer | CompleteResponse


@dataclass(frozen=True)
class Prompt:
    """A question to show, with its progress mark and the buttons it offers.

    `number` of `total` counts only the questions everyone is asked, so neither moves when a
    conditional question appears or goes; a conditional question has no number (None).
    """

    question: Question
    number: int | None
    total: int
    options: tuple[Option, ...]
    can_back: bool
    can_skip: bool
    keyboard: KeyboardSpec  # the answer buttons, as the question's type lays them out
    picked: tuple[int, ...] = ()  # a multi-pick question's options ticked so far


@dataclass(frozen=True)
class SurveyState:
    """Where a respondent is: the current question, the path that led there and the answers so far."""

    response_id: int
    position: str | None
    path: tuple[str, ...] = ()
    answers: dict[str, Answer] = field(default_factory=dict)
    picks: tuple[int, ...] = ()  # options ticked on the current multi-pick question, not yet confirmed

    @property
    def finished(self) -> bool:
        """True once the last question was answered."""
        return self.position is None

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form for storage."""
        return {
            "response_id": self.response_id,
            "position": self.position,
            "path": list(self.path),
            "answers": {key: list(a) if isinstance(a, tuple) else a for key, a in self.answers.items()},
            "picks": list(self.picks),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SurveyState:
        """Rebuild a state stored with to_json."""
        return cls(
            response_id=int(data["response_id"]),
            position=data["position"],
            path=tuple(data.get("path", ())),
            answers={
                key: tuple(a) if isinstance(a, list) else a for key, a in data.get("answers", {}).items()
            },
            picks=tuple(data.get("picks", ())),
        )


@dataclass(frozen=True)
class Step:
    """The engine's decision: the new state, what to show, and what to persist."""

    state: SurveyState
    prompt: Prompt | None
    effects: tuple[Effect, ...] = ()
    notice: str | None = None  # a message key: a kind re-prompt or a reason nothing changed
    recorded: Answer = None  # the answer just accepted, for echoing it on the old question


# ---- the engine ---------------------------------------------------------------------------------
def start(survey: Survey, response_id: int) -> Step:
    """Begin a new response at the first question."""
    state = SurveyState(response_id=response_id, position=survey.questions[0].key)
    return Step(state, prompt_for(survey, state))


def handle(survey: Survey, state: SurveyState, event: SurveyInput) -> Step:
    """Apply one customer input to the state."""
    if state.position is None:
        return Step(state, None, notice="survey_already_finished")
    question = survey.question(state.position)
    if isinstance(event, Back):
        return _back(survey, state)
    if isinstance(event, Skip):
        if question.required:
            return Step(state, prompt_for(survey, state), notice="cannot_skip")
        return _advance(survey, state, question, None)
    # What the input does depends on the question's type (dialogs/question_types/).
    kind = type_of(survey.kind_of(question))
    options = _options(survey, question)
    if isinstance(event, Done):
        outcome = kind.done(state.picks, question.required)
    elif isinstance(event, Unsupported):
        outcome = Refuse(kind.reprompt)
    elif isinstance(event, Typed):
        outcome = kind.typed(event.text, options)
    else:
        outcome = kind.pressed(event.value, state.picks, options)
    if isinstance(outcome, Refuse):
        return Step(state, prompt_for(survey, state), notice=outcome.notice)
    if isinstance(outcome, Tick):
        # A press ticks or unticks an option; nothing is stored until the picks are confirmed.
        ticked = replace(state, picks=outcome.picks)
        return Step(ticked, prompt_for(survey, ticked))
    return _advance(survey, state, question, outcome.answer)


def _options(survey: Survey, question: Question) -> tuple[Option, ...]:
    scale = survey.scale_of(question)
    return scale.all_options() if scale else ()


def prompt_for(survey: Survey, state: SurveyState) -> Prompt | None:
    """The prompt for the current question (None when finished)."""
    if state.position is None:
        return None
    question = survey.question(state.position)
    fixed = [q.key for q in survey.questions if q.show_if is None]
    options = _options(survey, question)
    return Prompt(
        question=question,
        number=fixed.index(question.key) + 1 if question.key in fixed else None,
        total=len(fixed),
        options=options,
        can_back=bool(state.path),
        can_skip=not question.required,
        picked=state.picks,
        keyboard=type_of(survey.kind_of(question)).keyboard(options),
    )


def visible_questions(survey: Survey, answers: dict[str, Answer]) -> list[Question]:
    """The questions this respondent will be asked, given the skip logic and answers so far."""
    return [q for q in survey.questions if _is_shown(survey, q, answers)]


def _is_shown(survey: Survey, question: Question, answers: dict[str, Answer]) -> bool:
    rule = question.show_if
    if rule is None:
        return True
    return any(
        isinstance(value, int) and value <= rule.any_score_at_most and survey.question(key).role in rule.roles
        for key, value in answers.items()
    )


def _advance(survey: Survey, state: SurveyState, question: Question, answer: Answer) -> Step:
    answers = {**state.answers, question.key: answer}
    stored = type_of(survey.kind_of(question)).stored(answer) if answer is not None else Stored(None, None)
    effect = SaveAnswer(question.key, score=stored.score, text=stored.text, choices=stored.choices)
    following = _next_key(survey, question.key, answers)
    new_state = replace(
        state,
        position=following,
        path=(*state.path, question.key),
        answers=answers,
        picks=_earlier_picks(answers, following),
    )
    effects: tuple[Effect, ...] = (effect,) if following else (effect, CompleteResponse())
    return Step(new_state, prompt_for(survey, new_state), effects, recorded=answer)


def _next_key(survey: Survey, current: str, answers: dict[str, Answer]) -> str | None:
    keys = [q.key for q in survey.questions]
    for question in survey.questions[keys.index(current) + 1 :]:
        if _is_shown(survey, question, answers):
            return question.key
    return None


def _back(survey: Survey, state: SurveyState) -> Step:
    if not state.path:
        return Step(state, prompt_for(survey, state), notice="no_previous_question")
    previous = state.path[-1]
    new_state = replace(
        state, position=previous, path=state.path[:-1], picks=_earlier_picks(state.answers, previous)
    )
    return Step(new_state, prompt_for(survey, new_state))


def _earlier_picks(answers: dict[str, Answer], key: str | None) -> tuple[int, ...]:
    """A multi-pick question shown again (Back) starts with the options picked before."""
    earlier = answers.get(key) if key else None
    return earlier if isinstance(earlier, tuple) else ()


def summary(survey: Survey, state: SurveyState) -> list[tuple[Question, Answer]]:
    """The questions answered, in order, with their answers (for the closing summary)."""
    return [(survey.question(key), state.answers.get(key)) for key in state.path]

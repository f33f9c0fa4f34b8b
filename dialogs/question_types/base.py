"""What every question type provides (the `QuestionType` protocol) and the plain data it deals in.

A question type decides everything that depends on how a question is answered: which scales it
takes, what a typed text, a pressed option or the done button does, how the answer is stored, how
its keyboard is laid out (plain data: rows of option values, drawn by bot/render.py) and how the
answer reads back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from dialogs.i18n import Language

if TYPE_CHECKING:
    from dialogs.survey import Option, Scale

# int: a pressed/typed score, str: a comment, tuple: the options picked on a multi-pick question,
# None: skipped
Answer = int | str | tuple[int, ...] | None
# Notice for a typed number that is not on the question's scale; the bot fills in the range.
OUT_OF_RANGE = "number_out_of_range"
USE_THE_BUTTONS = "use_the_buttons"


@dataclass(frozen=True)
class Accept:
    """The input answers the question: store `answer` and move on."""

    answer: Answer


@dataclass(frozen=True)
class Tick:
    """The input changes the options ticked so far (nothing stored until they are confirmed)."""

    picks: tuple[int, ...]


@dataclass(frozen=True)
class Refuse:
    """The input does not answer the question: show it again with this notice (a message key)."""

    notice: str


Outcome = Accept | Tick | Refuse


@dataclass(frozen=True)
class Stored:
    """How an answer is kept: `answers.score` (what analysis averages), `answers.text`, and the
    options picked (analysis reads them from the text, comma-separated)."""

    score: int | None
    text: str | None
    choices: tuple[int, ...] = ()


@dataclass(frozen=True)
class KeyboardSpec:
    """A question's answer buttons as plain data: option values by row, whether they show ticks,
    and whether a "done" button follows them. Back and Skip are added by the bot for every type."""

    rows: tuple[tuple[int, ...], ...] = ()
    ticks: bool = False
    done: bool = False


class QuestionType(Protocol):
    """One way of answering a question (`kind:` in the survey file)."""

    @property
    def names(self) -> tuple[str, ...]:
        """The `kind:` values that select this type."""

    @property
    def needs_scale(self) -> bool:
        """Whether the question names a scale (its options)."""

    @property
    def reprompt(self) -> str:
        """The notice (message key) for input of the wrong sort, e.g. a sticker."""

    def scale_problem(self, scale: Scale) -> str | None:
        """Why `scale` cannot serve a question of this type, as a survey-file error (None: it can).

        Asked of the scale's own `kind:` and of every question that names the scale with a kind of its own.
        """

    def typed(self, text: str, options: Sequence[Option]) -> Outcome:
        """What typed text does."""

    def pressed(self, value: int, picks: tuple[int, ...], options: Sequence[Option]) -> Outcome:
        """What pressing the option `value` does (`picks`: the options ticked so far)."""

    def done(self, picks: tuple[int, ...], required: bool) -> Outcome:
        """What the done button does."""

    def stored(self, answer: Answer) -> Stored:
        """How an accepted answer is stored."""

    def keyboard(self, options: Sequence[Option]) -> KeyboardSpec:
        """The answer buttons."""

    def label(self, answer: Answer, options: Sequence[Option], language: Language) -> str:
        """How a (not skipped) answer reads back to the customer."""


def stored_as_is(answer: Answer) -> Stored:
    """The usual storage: a number as the score, a text as the text, picks as both choices and text."""
    choices = answer if isinstance(answer, tuple) else ()
    return Stored(
        score=answer if isinstance(answer, int) else None,
        text=answer if isinstance(answer, str) else ",".join(map(str, choices)) or None,
        choices=choices,
    )


def option_rows(options: Sequence[Option]) -> tuple[tuple[int, ...], ...]:
    """Labelled options one per row; a bare numeric scale in two rows, the longer one first."""
    values = tuple(option.value for option in options)
    if any(option.label is not None for option in options):
        return tuple((value,) for value in values)
    half = (len(values) + 1) // 2
    return tuple(row for row in (values[:half], values[half:]) if row)


def option_label(option: Option, language: Language) -> str:
    """'4 · 满意' for a labelled option, '7' for a bare number."""
    if option.label is None:
        return str(option.value)
    return f"{option.value} · {option.label.get(language)}"


def typed_number(text: str) -> int | None:
    """A short typed number ("4"): customers often type the option instead of pressing it."""
    cleaned = text.strip()
    return int(cleaned) if cleaned.isdecimal() and len(cleaned) <= 3 else None


def typed_as_press(
    text: str, options: Sequence[Option], press: Callable[[int, tuple[int, ...], Sequence[Option]], Outcome]
) -> Outcome:
    """A typed option number does what pressing it does; another number gets the range."""
    number = typed_number(text)
    if number is None:
        return Refuse(USE_THE_BUTTONS)
    outcome = press(number, (), options)
    return Refuse(OUT_OF_RANGE) if isinstance(outcome, Refuse) else outcome

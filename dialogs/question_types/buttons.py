"""One press answers: ratings, numeric scales, single choices (and Kano's five answers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dialogs.i18n import Language
from dialogs.question_types.base import (
    USE_THE_BUTTONS,
    Accept,
    Answer,
    KeyboardSpec,
    Outcome,
    Refuse,
    Stored,
    option_label,
    option_rows,
    stored_as_is,
    typed_as_press,
)
from dialogs.question_types.registry import register

if TYPE_CHECKING:
    from dialogs.survey import Option, Scale

RANGE = "scale"  # the kind whose scale is a numeric range (min–max); the others list their options


class Buttons:
    """A question answered by pressing one option (or typing its number)."""

    names = ("rating", "scale", "choice")
    needs_scale = True
    reprompt = USE_THE_BUTTONS

    def scale_problem(self, scale: Scale) -> str | None:
        """A 'scale' is a range of numbers (min, max); a 'rating' or 'choice' lists its options."""
        if scale.kind == RANGE and not scale.is_range:
            return f"a '{RANGE}' needs integer min < max"
        if scale.kind != RANGE and scale.is_range:
            return f"a '{scale.kind}' scale lists its options (min and max make a '{RANGE}')"
        return None

    def typed(self, text: str, options: Sequence[Option]) -> Outcome:
        """A typed option number counts as pressing it; another number gets the range."""
        return typed_as_press(text, options, self.pressed)

    def pressed(self, value: int, picks: tuple[int, ...], options: Sequence[Option]) -> Outcome:
        """An option of the scale answers the question."""
        return Accept(value) if value in {o.value for o in options} else Refuse(USE_THE_BUTTONS)

    def done(self, picks: tuple[int, ...], required: bool) -> Outcome:
        """There is no done button on these questions."""
        return Refuse(USE_THE_BUTTONS)

    def stored(self, answer: Answer) -> Stored:
        """The option's value is the score."""
        return stored_as_is(answer)

    def keyboard(self, options: Sequence[Option]) -> KeyboardSpec:
        """One labelled option per row, or a numeric scale in two rows."""
        return KeyboardSpec(option_rows(options))

    def label(self, answer: Answer, options: Sequence[Option], language: Language) -> str:
        """'4 · 满意'."""
        found = {o.value: o for o in options}
        return (
            option_label(found[answer], language)
            if isinstance(answer, int) and answer in found
            else str(answer)
        )


register(Buttons())

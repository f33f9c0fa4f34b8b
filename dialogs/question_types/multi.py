"""Several options ticked press by press, then confirmed with Done (the reasons after a low rating)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dialogs.i18n import Language, t
from dialogs.question_types.base import (
    USE_THE_BUTTONS,
    Accept,
    Answer,
    KeyboardSpec,
    Outcome,
    Refuse,
    Stored,
    Tick,
    option_rows,
    stored_as_is,
    typed_as_press,
)
from dialogs.question_types.registry import register

if TYPE_CHECKING:
    from dialogs.survey import Option, Scale


class Multi:
    """A multi-pick question: a press ticks or unticks an option; Done stores the ticked ones."""

    names = ("multi",)
    needs_scale = True
    reprompt = USE_THE_BUTTONS

    def scale_problem(self, scale: Scale) -> str | None:
        """The options to tick come from a 'choice' scale (labelled, unordered)."""
        if scale.kind in ("choice", *self.names):
            return None
        return "a multi-pick question needs a 'choice' scale"

    def typed(self, text: str, options: Sequence[Option]) -> Outcome:
        """A typed option number ticks it like a press."""
        return typed_as_press(text, options, self.pressed)

    def pressed(self, value: int, picks: tuple[int, ...], options: Sequence[Option]) -> Outcome:
        """Tick or untick the option."""
        if value not in {o.value for o in options}:
            return Refuse(USE_THE_BUTTONS)
        return Tick(tuple(sorted(set(picks) ^ {value})))

    def done(self, picks: tuple[int, ...], required: bool) -> Outcome:
        """Store the ticked options; nothing ticked is a skip, unless the question is required."""
        if picks:
            return Accept(picks)
        return Refuse("pick_at_least_one") if required else Accept(None)

    def stored(self, answer: Answer) -> Stored:
        """The picks as choices and as comma-separated text; no score."""
        return stored_as_is(answer)

    def keyboard(self, options: Sequence[Option]) -> KeyboardSpec:
        """The options with ticks, then Done."""
        return KeyboardSpec(option_rows(options), ticks=True, done=True)

    def label(self, answer: Answer, options: Sequence[Option], language: Language) -> str:
        """The picked options' labels, without their numbers."""
        found = {o.value: o for o in options}
        values = answer if isinstance(answer, tuple) else ()
        names = [o.label.get(language) if (o := found.get(v)) and o.label else str(v) for v in values]
        return t(language, "list_separator").join(names)


register(Multi())

"""A typed answer (the comment question)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dialogs.i18n import Language
from dialogs.question_types.base import Accept, Answer, KeyboardSpec, Outcome, Refuse, Stored, stored_as_is
from dialogs.question_types.registry import register

if TYPE_CHECKING:
    from dialogs.survey import Option, Scale

MAX_COMMENT_LENGTH = 4000
SUMMARY_TEXT_LIMIT = 200  # a long comment reads back shortened
TYPE_YOUR_ANSWER = "type_your_answer"


class Text:
    """A question answered by typing; long text is kept up to MAX_COMMENT_LENGTH."""

    names = ("text",)
    needs_scale = False
    reprompt = TYPE_YOUR_ANSWER

    def scale_problem(self, scale: Scale) -> str | None:
        """A text question takes no scale at all (the survey model says so)."""
        return None

    def typed(self, text: str, options: Sequence[Option]) -> Outcome:
        """Any non-blank text answers."""
        cleaned = text.strip()
        return Accept(cleaned[:MAX_COMMENT_LENGTH]) if cleaned else Refuse(TYPE_YOUR_ANSWER)

    def pressed(self, value: int, picks: tuple[int, ...], options: Sequence[Option]) -> Outcome:
        """A text question has no options to press."""
        return Refuse(TYPE_YOUR_ANSWER)

    def done(self, picks: tuple[int, ...], required: bool) -> Outcome:
        """No done button either."""
        return Refuse(TYPE_YOUR_ANSWER)

    def stored(self, answer: Answer) -> Stored:
        """The text as the text."""
        return stored_as_is(answer)

    def keyboard(self, options: Sequence[Option]) -> KeyboardSpec:
        """No answer buttons (Back and Skip only)."""
        return KeyboardSpec()

    def label(self, answer: Answer, options: Sequence[Option], language: Language) -> str:
        """The text, shortened when long."""
        text = str(answer)
        return text if len(text) <= SUMMARY_TEXT_LIMIT else text[:SUMMARY_TEXT_LIMIT] + "…"


register(Text())

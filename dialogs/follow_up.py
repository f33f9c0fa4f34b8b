"""The closed loop after a low rating (好差评): when a survey opens a follow-up case, what the case
says, which picked reasons become classifier labels, and when the customer may re-rate.

Pure rules over a survey and its answers; the bot stores what they decide.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from dialogs.survey import Survey
from dialogs.survey_flow import Answer
from dialogs.terms import CAUSES
from dialogs.tickets import DueTimes
from dialogs.working_days import WorkingCalendar

# The order reasons' categories are reported and tie-broken in (the complaint categories' order).
REASON_CATEGORIES: Final = CAUSES
RERATE_VALUES: Final = (1, 2, 3, 4, 5)
RERATE_STATUSES: Final = frozenset({"resolved", "closed"})


@dataclass(frozen=True)
class FollowUpRules:
    """When a rating opens a case, and within how many working days it is revisited and fixed."""

    threshold: int = 2  # an overall rating at or below this opens a case; 0: never
    revisit_days: int = 1
    fix_days: int = 15
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)

    def due(self, opened_at: datetime) -> DueTimes:
        """The revisit (first response) and fix (resolution) deadlines of a case opened at `opened_at`."""
        return DueTimes(
            self.calendar.due(opened_at, self.revisit_days), self.calendar.due(opened_at, self.fix_days)
        )


def low_rating(survey: Survey, answers: Mapping[str, Answer], threshold: int) -> int | None:
    """The rating that opens a case, or None.

    The overall satisfaction answer decides when the survey asks one; a survey without an overall
    question is judged by its lowest item. Skipped questions and NPS (0–10) never count.
    """
    if threshold <= 0:
        return None
    roles = ("overall",) if any(q.role == "overall" for q in survey.questions) else ("item",)
    scores = [
        value
        for question in survey.questions
        if question.role in roles and isinstance(value := answers.get(question.key), int)
    ]
    lowest = min(scores, default=None)
    return lowest if lowest is not None and lowest <= threshold else None


def picked_reasons(survey: Survey, answers: Mapping[str, Answer]) -> list[tuple[int, str]]:
    """(option value, category) of every reason picked, in the order the options are listed."""
    picked: list[tuple[int, str]] = []
    for question in survey.questions:
        value = answers.get(question.key)
        scale = survey.scale_of(question)
        if question.role != "reasons" or not isinstance(value, tuple) or scale is None:
            continue
        picked += [(o.value, o.category) for o in scale.options if o.value in value and o.category]
    return picked


def comment_text(survey: Survey, answers: Mapping[str, Answer]) -> str:
    """What the customer wrote in the survey's comment questions (empty when nothing)."""
    texts = [
        value
        for question in survey.questions
        if question.role == "comment" and isinstance(value := answers.get(question.key), str)
    ]
    return "\n".join(texts)


def reasons_category(categories: Sequence[str]) -> str | None:
    """The category the reasons point to most (ties in the categories' order); None without picks."""
    if not categories:
        return None
    counts = Counter(categories)
    return max(REASON_CATEGORIES, key=lambda c: (counts[c], -REASON_CATEGORIES.index(c)))


def label_category(categories: Sequence[str]) -> str | None:
    """The label a comment gets from the reasons picked with it: only when they name one category.

    The classifier gives each text one category; reasons across several categories would teach it
    that the same text is two things, so they are counted in the statistics but kept as no label.
    """
    named = set(categories)
    return named.pop() if len(named) == 1 else None


def weakest_dimension(survey: Survey, answers: Mapping[str, Answer]) -> str | None:
    """The dimension of the lowest-rated item (the first such in the survey), or None."""
    rated = [
        (value, index, question.dimension)
        for index, question in enumerate(survey.questions)
        if question.role == "item" and isinstance(value := answers.get(question.key), int)
    ]
    return min(rated)[2] if rated else None


def rerate_refusal(kind: str, status: str, rerating: int | None, value: int) -> str | None:
    """Why a re-rating is refused (a message key), or None when it may be stored.

    Only a follow-up case's customer re-rates, once, after the case is resolved or closed.
    """
    if kind != "follow_up" or value not in RERATE_VALUES:
        return "old_button_finished"
    if rerating is not None:
        return "case_already_rerated"
    if status not in RERATE_STATUSES:
        return "case_rerate_not_yet"
    return None

"""The closed loop in demo histories: the reasons picked after low ratings and the follow-up cases
low overall ratings opened (好差评), as the live survey stores them (storage/follow_ups.py).

Cases get working-day revisit and fix deadlines from :class:`dialogs.follow_up.FollowUpRules`; most
are revisited and fixed in time, some late, some not yet, and part of the fixed ones are re-rated.
Everything is as it stands at the history's end: nothing after ``now`` has happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from analysis.complaints import classify
from analysis.complaints import keywords as complaint_keywords
from dialogs.follow_up import FollowUpRules, reasons_category
from dialogs.survey import Survey
from dialogs.terms import CAUSES
from dialogs.working_days import WorkingCalendar

# Which shortfall a customer names after a low rating, by the dimension they rated lowest
# (weights over CAUSES: personnel, process, technology, resources).
REASON_WEIGHTS: Final[Mapping[str, tuple[float, ...]]] = {
    "functionality": (0.10, 0.35, 0.45, 0.10),
    "safety": (0.30, 0.40, 0.15, 0.15),
    "comfort": (0.20, 0.10, 0.05, 0.65),
    "responsiveness": (0.45, 0.20, 0.05, 0.30),
}
PICK_SHARE: Final = 0.75  # of the customers shown the reasons question, how many pick any
REVISIT_LATE: Final = 0.15  # cases revisited after the deadline
NEVER_REVISITED: Final = 0.05  # cases nobody has revisited yet
FIX_LATE: Final = 0.2  # revisited cases fixed after the deadline
NOT_FIXED: Final = 0.1  # revisited cases still being worked
RERATE_SHARE: Final = 0.6  # fixed cases whose customer re-rated
# A re-rating is the low rating plus one of these steps (most customers are won back a little).
RERATE_STEPS: Final = (0, 1, 2, 3)
RERATE_STEP_WEIGHTS: Final = (0.2, 0.35, 0.3, 0.15)


@dataclass(frozen=True)
class DemoLoop:
    """The generated closed loop: one row per case, one per reason picked."""

    cases: pd.DataFrame
    reasons: pd.DataFrame


def reason_options(survey: Survey) -> dict[str, list[int]]:
    """Per shortfall category, the option values of the survey's reasons question (empty if none)."""
    options: dict[str, list[int]] = {}
    for question in survey.questions:
        scale = survey.scale_of(question)
        if question.role != "reasons" or scale is None:
            continue
        for option in scale.options:
            if option.category is not None:
                options.setdefault(option.category, []).append(option.value)
    return options


def generate_loop(
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    comments: pd.Series,
    options: Mapping[str, list[int]],
    rules: FollowUpRules,
    now: pd.Timestamp,
    seed: int,
) -> DemoLoop:
    """Reasons and cases for the completed responses of a synthetic history.

    ``answers``: the stored answers (response_id, role, dimension, score); ``responses``: response_id,
    status, completed_at; ``comments``: the comment text by response_id. Reasons follow any item or
    overall score ≤ 2 (when the survey asks them); a case follows an overall score ≤ the threshold.
    """
    rng = np.random.default_rng(seed + 5)
    completed = responses.loc[responses["status"] == "completed"].set_index("response_id")["completed_at"]
    rated = answers[answers["role"].isin(["item", "overall"]) & answers["response_id"].isin(completed.index)]
    unhappy = rated.loc[rated["score"] <= 2, "response_id"].unique()
    items = rated[rated["role"] == "item"].sort_values(["response_id", "score"], kind="stable")
    weakest = items.groupby("response_id")["dimension"].first()
    reasons = _reasons(rng, np.sort(unhappy), weakest, options, completed)
    overall = rated[rated["role"] == "overall"].set_index("response_id")["score"]
    low = overall[overall <= rules.threshold] if rules.threshold > 0 else overall.iloc[:0]
    cases = _cases(rng, low.sort_index(), weakest, reasons, comments, completed, rules, now)
    return DemoLoop(cases, reasons)


def _reasons(
    rng: np.random.Generator,
    unhappy: np.ndarray,
    weakest: pd.Series,
    options: Mapping[str, list[int]],
    completed: pd.Series,
) -> pd.DataFrame:
    rows: list[tuple[int, int, str, pd.Timestamp]] = []
    categories = [c for c in CAUSES if options.get(c)]
    if not categories:
        return pd.DataFrame(rows, columns=["response_id", "reason", "category", "picked_at"])
    for response_id in unhappy.tolist():
        if rng.random() >= PICK_SHARE:
            continue
        weights = np.array(REASON_WEIGHTS.get(str(weakest.get(response_id)), (0.25,) * 4))
        weights = np.array([w for c, w in zip(CAUSES, weights, strict=True) if c in categories])
        size = min(int(rng.integers(1, 3)), len(categories))
        picks = rng.choice(len(categories), size=size, replace=False, p=weights / weights.sum())
        chosen = {(int(rng.choice(options[categories[p]])), categories[p]) for p in picks}
        # The live survey stores the reasons when the response completes.
        rows += [(response_id, value, category, completed[response_id]) for value, category in sorted(chosen)]
    return pd.DataFrame(rows, columns=["response_id", "reason", "category", "picked_at"])


def _cases(
    rng: np.random.Generator,
    low: pd.Series,
    weakest: pd.Series,
    reasons: pd.DataFrame,
    comments: pd.Series,
    completed: pd.Series,
    rules: FollowUpRules,
    now: pd.Timestamp,
) -> pd.DataFrame:
    picked = reasons.groupby("response_id")["category"].agg(list)
    rows = []
    hour = pd.Timedelta(hours=1)
    for response_id, rating in zip(low.index.tolist(), low.tolist(), strict=True):
        opened = pd.Timestamp(completed[response_id]).floor("us")
        due = rules.due(opened.to_pydatetime())
        revisit_due, fix_due = pd.Timestamp(due.first_response), pd.Timestamp(due.resolution)
        revisited = _revisit(rng, opened, revisit_due)
        fixed = _fix(rng, revisited, fix_due)
        revisited = _by(revisited, now)
        fixed = _by(fixed, now) if revisited is not None else None
        closed = (
            _by(fixed + hour * rng.uniform(1, 48), now) if fixed is not None and rng.random() < 0.5 else None
        )
        rerated = (
            _by(fixed + hour * rng.uniform(0.5, 24), now)
            if fixed is not None and rng.random() < RERATE_SHARE
            else None
        )
        step = int(rng.choice(RERATE_STEPS, p=RERATE_STEP_WEIGHTS))
        status = (
            "closed" if closed is not None else "resolved" if fixed is not None
            else "in_progress" if revisited is not None else "received"
        )  # fmt: skip
        text = str(comments.get(response_id, "") or "")
        guess = classify(text) if text else None
        category = reasons_category(picked.get(response_id, [])) or (guess.category if guess else "other")
        rows.append(
            {
                "response_id": response_id,
                "created_at": opened,
                "description": text,
                "category_auto": guess.category if guess else "other",
                "category_confidence": guess.confidence if guess else 0.0,
                "category": category,
                "dimension": weakest.get(response_id),
                "keywords": complaint_keywords(text) if guess else [],
                "status": status,
                "rating_before": int(rating),
                "revisit_due_at": revisit_due,
                "fix_due_at": fix_due,
                "first_response_at": revisited,
                "resolved_at": fixed,
                "closed_at": closed,
                "rerating": min(5, int(rating) + step) if rerated else None,
                "rerated_at": rerated,
            }
        )
    cases = pd.DataFrame(rows, columns=CASE_COLUMNS)
    # All-missing columns (no case fixed yet) would stay object dtype and defeat comparisons.
    stamps = [c for c in CASE_COLUMNS if c.endswith("_at")]
    return cases.assign(**{c: pd.to_datetime(cases[c], utc=True) for c in stamps})


def _revisit(rng: np.random.Generator, opened: pd.Timestamp, due: pd.Timestamp) -> pd.Timestamp | None:
    """When staff first got back to the customer: mostly in time, some late, a few never."""
    draw = rng.random()
    if draw < NEVER_REVISITED:
        return None
    if draw < NEVER_REVISITED + REVISIT_LATE:
        return due + pd.Timedelta(hours=rng.uniform(2, 48))
    return opened + (due - opened) * rng.uniform(0.05, 0.9)


def _fix(rng: np.random.Generator, revisited: pd.Timestamp | None, due: pd.Timestamp) -> pd.Timestamp | None:
    """When the case was fixed (resolved): after the revisit, mostly by the deadline."""
    draw = rng.random()
    if revisited is None or draw < NOT_FIXED:
        return None
    deadline = max(due, revisited)
    if draw < NOT_FIXED + FIX_LATE:
        return deadline + pd.Timedelta(hours=rng.uniform(4, 120))
    return revisited + (deadline - revisited) * rng.uniform(0.05, 0.8)


def _by(at: pd.Timestamp | None, now: pd.Timestamp) -> pd.Timestamp | None:
    """``at`` if it has happened by ``now``."""
    return at if at is not None and at <= now else None


CASE_COLUMNS: Final = (
    "response_id", "created_at", "description", "category_auto", "category_confidence", "category",
    "dimension", "keywords", "status", "rating_before", "revisit_due_at", "fix_due_at",
    "first_response_at", "resolved_at", "closed_at", "rerating", "rerated_at",
)  # fmt: skip


def demo_rules(tz: str) -> FollowUpRules:
    """The default closed-loop rules in the demo's time zone (no holidays)."""
    return FollowUpRules(calendar=WorkingCalendar(tz))

"""Data cleaning (数据清洗与整理): flag low-quality responses and keep them out of scores.

Rules (each configurable in :class:`CleaningRules`):
- straight-lining: every rating item (role 'item') got the same answer, with at least
  ``min_items`` items answered;
- speeding: the response took less than ``min_seconds_per_item`` per answer. Duration is last
  answer − ``started_at`` over all answers when a responses frame is given; without it, last −
  first answer over (answers − 1) intervals;
- repeats: the same respondent answered more than once in one cycle (period of the response's
  start, default the operator's week). Among the responses that passed the other checks, the
  first is kept by default (``keep="first"``: later ones are more likely prompted re-takes);
  ``keep="last"`` keeps the most recent opinion instead.
Partially answered (abandoned) responses are not excluded here; filter by status if wanted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from analysis import periods

FLAG_COLUMNS = ("straightline", "speeder", "duplicate")


@dataclass(frozen=True)
class CleaningRules:
    """Thresholds for :func:`flag_responses`."""

    min_items: int = 5
    min_seconds_per_item: float = 2.0
    keep: Literal["first", "last"] = "first"
    cycle: periods.Freq = "week"
    tz: str = periods.DEFAULT_TZ


@dataclass(frozen=True)
class CleaningResult:
    """Per-response flags and the counts every report shows."""

    flags: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def excluded_ids(self) -> pd.Index:
        """response_id of every excluded response."""
        ids: pd.Index = pd.Index(self.flags.loc[self.flags["excluded"], "response_id"])
        return ids

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of ``frame`` (answers or responses) whose response was not excluded."""
        return frame[~frame["response_id"].isin(self.excluded_ids)]


def _straightline(answers: pd.DataFrame, min_items: int) -> pd.Series:
    items = answers[(answers["role"] == "item") & answers["score"].notna()]
    stats = items.groupby("response_id")["score"].agg(["min", "max", "count"])
    return (stats["min"] == stats["max"]) & (stats["count"] >= min_items)


def _speeder(answers: pd.DataFrame, responses: pd.DataFrame | None, seconds_per_item: float) -> pd.Series:
    span = answers.groupby("response_id")["answered_at"].agg(["min", "max", "count"])
    if responses is not None:
        started = responses.set_index("response_id")["started_at"].reindex(span.index)
        start = started.fillna(span["min"])
        intervals = span["count"].where(started.notna(), span["count"] - 1)
    else:
        start, intervals = span["min"], span["count"] - 1
    seconds = (span["max"] - start).dt.total_seconds()
    return (intervals > 0) & (seconds < seconds_per_item * intervals)


def flag_responses(
    answers: pd.DataFrame, responses: pd.DataFrame | None = None, rules: CleaningRules | None = None
) -> CleaningResult:
    """Flag straight-liners, speeders and repeat respondents; see the module doc for the rules.

    counts: responses (with answers), straightline, speeder, duplicate, excluded (any flag), kept.
    """
    rules = rules or CleaningRules()
    meta = answers.groupby("response_id").agg(
        respondent_id=("respondent_id", "first"), start=("answered_at", "min")
    )
    if responses is not None:
        started = responses.set_index("response_id")["started_at"].reindex(meta.index)
        meta["start"] = started.fillna(meta["start"])
    meta["straightline"] = _straightline(answers, rules.min_items).reindex(meta.index, fill_value=False)
    meta["speeder"] = _speeder(answers, responses, rules.min_seconds_per_item).reindex(
        meta.index, fill_value=False
    )
    meta["cycle"] = periods.period_labels(meta["start"], rules.cycle, rules.tz)
    valid = meta[~(meta["straightline"] | meta["speeder"])].sort_values(["start"], kind="stable")
    repeat = valid.duplicated(subset=["respondent_id", "cycle"], keep=rules.keep)
    meta["duplicate"] = repeat.reindex(meta.index, fill_value=False)
    meta["excluded"] = meta[list(FLAG_COLUMNS)].any(axis=1)
    flags = meta.reset_index()[["response_id", "respondent_id", "cycle", *FLAG_COLUMNS, "excluded"]]
    counts = {
        "responses": len(flags),
        **{name: int(np.count_nonzero(flags[name])) for name in FLAG_COLUMNS},
        "excluded": int(flags["excluded"].sum()),
    }
    counts["kept"] = counts["responses"] - counts["excluded"]
    return CleaningResult(flags=flags, counts=counts)

"""The report's inputs cut to its window, labelled with periods, and cleaned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from analysis import periods
from analysis.cleaning import CleaningRules, flag_responses
from analysis.frames import RESOLVED_STATUSES
from analysis.report_settings import ReportSettings
from dialogs.terms import DIMENSIONS

_CATEGORICAL: Final = {
    "question_key": "category",
    "dimension": "category",
    "role": "category",
    "period": "category",
}


@dataclass(frozen=True)
class ReportData:
    """The inputs cut to the report window, labelled with periods and cleaned."""

    freq: periods.Freq
    current: periods.PeriodBounds
    previous: periods.PeriodBounds
    labels: tuple[str, ...]
    answers: pd.DataFrame  # all answers in the window, with 'period'
    responses: pd.DataFrame  # with 'period'
    complaints: pd.DataFrame  # as of now, with 'period' (older open tickets included)
    clean: pd.DataFrame  # answers of completed responses that passed cleaning, with 'period'
    cleaning: dict[str, int]
    dimensions: tuple[str, ...]

    def answers_in(self, label: str) -> pd.DataFrame:
        """Cleaned answers of the period ``label``."""
        return self.clean[self.clean["period"] == label]

    def responses_in(self, label: str) -> pd.DataFrame:
        """Responses started in the period ``label``."""
        return self.responses[self.responses["period"] == label]

    def complaints_in(self, label: str) -> pd.DataFrame:
        """Complaints made in the period ``label``."""
        return self.complaints[self.complaints["period"] == label]


def prepare_data(
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    complaints: pd.DataFrame,
    now: pd.Timestamp,
    freq: periods.Freq,
    cfg: ReportSettings,
) -> ReportData:
    """The data of the trend window ending at ``now``, with the current period's cleaning counts."""
    bounds = periods.last_periods(now, max(cfg.trend_periods, 2), freq, cfg.tz)
    labels = tuple(b.label for b in bounds)
    start = bounds[0].start
    # Nothing after `now` has happened yet as far as this report is concerned.
    answers = answers[(answers["answered_at"] >= start) & (answers["answered_at"] <= now)]
    answers = periods.add_response_period(answers, freq, cfg.tz)
    # Categories make the many group-bys and filters over the window ~4× faster (same results).
    answers = answers[answers["period"].isin(labels)].astype(_CATEGORICAL)
    responses = responses[(responses["started_at"] >= start) & (responses["started_at"] <= now)]
    responses = responses.assign(period=periods.period_labels(responses["started_at"], freq, cfg.tz))
    complaints = complaints_as_of(complaints, now, freq, cfg.tz)
    completed = responses.loc[responses["status"] == "completed", "response_id"]
    done = answers[answers["response_id"].isin(completed)]
    rules = CleaningRules(
        min_items=cfg.min_items, min_seconds_per_item=cfg.min_seconds_per_item, cycle=freq, tz=cfg.tz
    )
    result = flag_responses(done, responses, rules)
    current = bounds[-1]
    in_current = result.flags["response_id"].isin(done.loc[done["period"] == current.label, "response_id"])
    flags = result.flags[in_current]
    counts = {
        "responses": len(flags),
        "straightline": int(flags["straightline"].sum()),
        "speeder": int(flags["speeder"].sum()),
        "duplicate": int(flags["duplicate"].sum()),
        "excluded": int(flags["excluded"].sum()),
    }
    counts["kept"] = counts["responses"] - counts["excluded"]
    clean = result.apply(done)
    return ReportData(
        freq=freq,
        current=current,
        previous=bounds[-2],
        labels=labels,
        answers=answers,
        responses=responses,
        complaints=complaints,
        clean=clean,
        cleaning=counts,
        dimensions=tuple(_present_dimensions(clean)),
    )


def complaints_as_of(
    complaints: pd.DataFrame, now: pd.Timestamp, freq: periods.Freq, tz: str
) -> pd.DataFrame:
    """Complaints made by ``now`` as they stood then, labelled with the period they were made in."""
    stood = _as_of(complaints[complaints["created_at"] <= now], now)
    return stood.assign(period=periods.period_labels(stood["created_at"], freq, tz))


def _as_of(complaints: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Tickets as they stood at ``now``: later responses, resolutions and ratings have not happened."""
    first = complaints["first_response_at"].where(complaints["first_response_at"] <= now)
    resolved = complaints["resolved_at"].where(complaints["resolved_at"] <= now)
    was_resolved = complaints["status"].isin(list(RESOLVED_STATUSES))
    undone = was_resolved & resolved.isna() & complaints["resolved_at"].notna()
    not_yet_answered = (complaints["status"] == "in_progress") & first.isna()
    open_status = np.where(first.notna(), "in_progress", "received")
    status = np.where(undone | not_yet_answered, open_status, complaints["status"].to_numpy())
    rating = complaints["resolution_rating"].where(~undone)
    return complaints.assign(
        first_response_at=first,
        resolved_at=resolved,
        status=pd.Series(status, index=complaints.index, dtype="str"),
        resolution_rating=rating,
    )


def _present_dimensions(clean: pd.DataFrame) -> list[str]:
    """Dimensions with rated items, standard ones first (all four when there is no data)."""
    found = {str(d) for d in clean.loc[clean["role"] == "item", "dimension"].dropna().unique()}
    ordered = [d for d in DIMENSIONS if d in found] + sorted(found - set(DIMENSIONS))
    return ordered or list(DIMENSIONS)


def active_customers(responses: pd.DataFrame, complaints: pd.DataFrame) -> int:
    """Distinct customers who answered or complained (counted, never listed)."""
    return len(np.union1d(responses["respondent_id"].to_numpy(), complaints["respondent_id"].to_numpy()))

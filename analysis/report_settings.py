"""What is configurable about a report, and the window of data a report needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import pandas as pd

from analysis import periods
from analysis.index import DEFAULT_MIN_N

Lang = Literal["zh", "en"]
WeightMethod = Literal["ahp", "regression", "relative", "entropy", "stated", "blend"]
WEIGHT_METHODS: Final = ("ahp", "regression", "relative", "entropy", "stated")
# Hours allowed from a complaint to its resolution, by severity.
DEFAULT_SLA_HOURS: Final[Mapping[str, float]] = {"high": 24.0, "medium": 72.0, "low": 168.0}
DEFAULT_BLEND: Final[Mapping[str, float]] = {"ahp": 0.5, "relative": 0.3, "stated": 0.2}


@dataclass(frozen=True)
class SurveyDesign:
    """Which questions were asked as pairs — what the answers frame alone cannot say.

    Built from the survey definitions (``pairs_with`` in the YAML); keys are question keys.
    """

    expectation_of: Mapping[str, str] = field(default_factory=dict)  # expectation → perception item
    kano_pairs: Mapping[str, str] = field(default_factory=dict)  # functional → dysfunctional question


@dataclass(frozen=True)
class SamplingPlan:
    """The sampling plan a report checks its samples against (GB/T 19038's 抽样方案).

    ``margin``: the target margin of error of a proportion at ``confidence``; ``population``: the
    customers the survey speaks for in one period (None: large); ``response_rate``: the expected
    share of invitations answered, for planning how many to send.
    """

    margin: float = 0.05
    confidence: float = 0.95
    population: int | None = None
    response_rate: float | None = None


@dataclass(frozen=True)
class ReportSettings:
    """Everything configurable about a report; the defaults suit a weekly report in Chinese."""

    tz: str = periods.DEFAULT_TZ
    lang: Lang = "zh"
    trend_periods: int = 8
    min_n: int = DEFAULT_MIN_N
    baseline: Mapping[str, float] | None = None
    weight_method: WeightMethod = "ahp"
    blend_mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BLEND))
    ahp_file: Path | None = None
    areas_file: Path | None = None
    sla_hours: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))
    min_items: int = 5
    min_seconds_per_item: float = 2.0
    top_keywords: int = 10
    top_priorities: int = 5
    charts: bool = True
    # Drivers whose regression coefficient is not significant (p ≥ 0.05) get no data-driven
    # weight unless the operator keeps them.
    keep_insignificant_drivers: bool = False
    sampling: SamplingPlan = field(default_factory=SamplingPlan)
    design: SurveyDesign = field(default_factory=SurveyDesign)
    # Question key → {"zh": …, "en": …}: what the tables show instead of the key (storage.analytics),
    # in the surveys' asking order, which the questions table follows.
    question_texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def report_window(
    now: pd.Timestamp, period: periods.Freq = "week", trend_periods: int = 8, tz: str = periods.DEFAULT_TZ
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) in UTC of the data a report needs: the trend periods, at least current + previous."""
    bounds = periods.last_periods(to_utc(now), max(trend_periods, 2), period, tz)
    return bounds[0].start, bounds[-1].end


def to_utc(ts: pd.Timestamp) -> pd.Timestamp:
    """``ts`` in UTC; a naive timestamp is taken to be UTC already."""
    stamp = pd.Timestamp(ts)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")

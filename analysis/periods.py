"""Reporting periods (day / week starting Monday / month) in the operator's time zone.

Labels are strings that sort chronologically: day ``2025-03-03``, week ``2025-W10`` (ISO week,
Monday start, ISO week-year), month ``2025-03``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd

Freq = Literal["day", "week", "month"]
DEFAULT_TZ: Final = "Asia/Shanghai"
# pandas period codes; "W-SUN" = weeks ending on Sunday, i.e. starting on Monday.
_PANDAS_FREQ: Final[dict[str, str]] = {"day": "D", "week": "W-SUN", "month": "M"}


@dataclass(frozen=True)
class PeriodBounds:
    """One period: its label and its [start, end) instants in UTC."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp

    def contains(self, ts: pd.Series) -> pd.Series:
        """Boolean mask of timestamps (tz-aware) falling inside the period."""
        return (ts >= self.start) & (ts < self.end)


def _check_freq(freq: str) -> str:
    if freq not in _PANDAS_FREQ:
        raise ValueError(f"unknown period frequency {freq!r}; use day, week or month")
    return _PANDAS_FREQ[freq]


def _label(period: pd.Period, freq: Freq) -> str:
    start = period.start_time
    if freq == "day":
        return start.strftime("%Y-%m-%d")
    if freq == "month":
        return start.strftime("%Y-%m")
    iso = start.isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


def period_labels(ts: pd.Series, freq: Freq = "week", tz: str = DEFAULT_TZ) -> pd.Series:
    """Label each tz-aware timestamp with its period in ``tz``; NaT gives a missing label."""
    code = _check_freq(freq)
    local = pd.to_datetime(ts, utc=True).dt.tz_convert(tz).dt.tz_localize(None)
    # Format each distinct period once: per-row strftime is far too slow for 1M rows.
    codes, uniques = pd.factorize(local.dt.to_period(code))
    labels = pd.Series([_label(p, freq) for p in uniques] + [None], dtype="str")
    return pd.Series(labels.to_numpy()[codes], index=ts.index, dtype="str", name="period")


def add_period(
    frame: pd.DataFrame,
    column: str,
    freq: Freq = "week",
    tz: str = DEFAULT_TZ,
    name: str = "period",
) -> pd.DataFrame:
    """Return a copy of ``frame`` with a ``name`` column holding the period label of ``column``."""
    return frame.assign(**{name: period_labels(frame[column], freq, tz)})


def period_of(now: pd.Timestamp, freq: Freq = "week", tz: str = DEFAULT_TZ, offset: int = 0) -> PeriodBounds:
    """Bounds of the period containing ``now`` shifted by ``offset`` periods (-1 = previous)."""
    code = _check_freq(freq)
    local_now = _as_utc(now).tz_convert(tz).tz_localize(None)
    period = pd.Period(local_now, freq=code) + offset
    start = period.start_time.tz_localize(tz).tz_convert("UTC")
    end = (period + 1).start_time.tz_localize(tz).tz_convert("UTC")
    return PeriodBounds(_label(period, freq), start, end)


def current_and_previous(
    now: pd.Timestamp, freq: Freq = "week", tz: str = DEFAULT_TZ
) -> tuple[PeriodBounds, PeriodBounds]:
    """The period containing ``now`` and the one before it."""
    return period_of(now, freq, tz), period_of(now, freq, tz, offset=-1)


def last_periods(now: pd.Timestamp, n: int, freq: Freq = "week", tz: str = DEFAULT_TZ) -> list[PeriodBounds]:
    """The ``n`` periods ending with the one containing ``now``, oldest first."""
    if n < 1:
        raise ValueError("n must be at least 1")
    return [period_of(now, freq, tz, offset=k) for k in range(-n + 1, 1)]


def _as_utc(ts: pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(ts)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def add_response_period(
    answers: pd.DataFrame, freq: Freq = "week", tz: str = DEFAULT_TZ, name: str = "period"
) -> pd.DataFrame:
    """Label every answer with the period of its response's first answer.

    A response that spans midnight (or a week boundary) thus stays in one period.
    """
    first = answers.groupby("response_id")["answered_at"].transform("min")
    return answers.assign(**{name: period_labels(first, freq, tz)})

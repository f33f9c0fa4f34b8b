import itertools

import pandas as pd
import pytest

from analysis.periods import add_response_period, current_and_previous, last_periods, period_labels, period_of


def utc(*stamps: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps), utc=True))


def test_day_label_follows_shanghai_midnight_not_utc() -> None:
    # 15:59 UTC is 23:59 in Shanghai; 16:00 UTC is already the next local day.
    labels = period_labels(utc("2025-03-02T15:59:00Z", "2025-03-02T16:00:00Z"), "day")
    assert labels.tolist() == ["2025-03-02", "2025-03-03"]


def test_week_starts_on_monday_and_uses_iso_week_year() -> None:
    # Sunday 2024-12-29 local is the last day of 2024-W52; Monday 2024-12-30 opens 2025-W01.
    labels = period_labels(utc("2024-12-29T12:00:00Z", "2024-12-29T16:30:00Z"), "week")
    assert labels.tolist() == ["2024-W52", "2025-W01"]


def test_month_label_in_another_time_zone() -> None:
    labels = period_labels(utc("2025-01-31T23:30:00Z"), "month", tz="UTC")
    assert labels.tolist() == ["2025-01"]
    assert period_labels(utc("2025-01-31T23:30:00Z"), "month").tolist() == ["2025-02"]


def test_missing_timestamp_gives_missing_label() -> None:
    labels = period_labels(utc("2025-01-01T00:00:00Z", None), "day")
    assert labels.iloc[0] == "2025-01-01"
    assert pd.isna(labels.iloc[1])


def test_unknown_frequency_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown period frequency"):
        period_labels(utc("2025-01-01T00:00:00Z"), "year")  # type: ignore[arg-type]


def test_current_and_previous_week_bounds_in_utc() -> None:
    current, previous = current_and_previous(pd.Timestamp("2025-03-05T08:00:00Z"), "week")
    assert current.label == "2025-W10"
    assert current.start == pd.Timestamp("2025-03-02T16:00:00Z")
    assert current.end == pd.Timestamp("2025-03-09T16:00:00Z")
    assert previous.label == "2025-W09"
    assert previous.end == current.start


def test_naive_now_is_taken_as_utc_and_bounds_contain_it() -> None:
    bounds = period_of(pd.Timestamp("2025-02-28T20:00:00"), "month")
    assert bounds.label == "2025-03"  # 04:00 local on 1 March
    assert bool(bounds.contains(utc("2025-02-28T20:00:00Z")).iloc[0])


def test_last_periods_oldest_first_and_contiguous() -> None:
    months = last_periods(pd.Timestamp("2025-03-10T00:00:00Z"), 3, "month")
    assert [b.label for b in months] == ["2025-01", "2025-02", "2025-03"]
    assert all(a.end == b.start for a, b in itertools.pairwise(months))


def test_response_period_is_that_of_its_first_answer() -> None:
    frame = pd.DataFrame(
        {
            "response_id": [1, 1],
            "answered_at": pd.to_datetime(["2025-03-02T15:59:50Z", "2025-03-02T16:00:10Z"], utc=True),
        }
    )
    assert add_response_period(frame, "day")["period"].tolist() == ["2025-03-02", "2025-03-02"]

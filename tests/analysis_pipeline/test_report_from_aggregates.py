"""The whole report from the aggregates equals build_report on raw rows (issue 15), field by field.

The history of test_aggregate_report (demo data with follow-up cases and reasons, responses on the
week's and the month's edges in America/New_York, a repeat customer) is reported once from raw rows
and once from the aggregates (storage.report_inputs, as `tingjian report` and the digests load it);
every table of the two reports must be equal — same columns, order and dtypes, numbers to 1e-9 —
and so must the notes, the cleaning counts, the meta and the rendered text.
"""

from __future__ import annotations

from dataclasses import fields

import pandas as pd
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.periods import Freq
from analysis.report import Report, ReportSettings, build_report, report_window
from analysis.report_from_aggregates import build_report_from_aggregates
from analysis.report_measurement import Measurement
from storage.analytics import load_frames
from storage.report_inputs import load_report_inputs
from tests.analysis_pipeline.test_aggregate_report import NOW, TZ, history

__all__ = ["history"]  # the fixture, shared with the figure-level test


def _textual(column: pd.Series) -> bool:
    return column.dtype == object or isinstance(column.dtype, pd.StringDtype)


def assert_same_table(raw: pd.DataFrame, mine: pd.DataFrame, name: str) -> None:
    """Same columns in the same order, same rows, same dtypes and numbers to 1e-9 (NaN equals NaN).

    Text columns count as equal when they hold the same strings, whether pandas stores them as
    object or as its string dtype (a merge with a categorical key gives object, a list gives str).
    """
    left, right = raw.reset_index(drop=True), mine.reset_index(drop=True)
    assert list(left.columns) == list(right.columns), name
    text = [c for c in left.columns if _textual(left[c]) and _textual(right[c])]
    for column in text:
        expected, found = left[column].astype("object"), right[column].astype("object")
        assert expected.where(expected.notna(), None).tolist() == found.where(found.notna(), None).tolist(), (
            f"{name}.{column}"
        )
    pd.testing.assert_frame_equal(
        left.drop(columns=text),
        right.drop(columns=text),
        check_exact=False,
        rtol=1e-9,
        atol=1e-12,
        obj=name,
    )


def assert_same_report(raw: Report, mine: Report) -> None:
    """Every field of the two reports equal (tables as assert_same_table; everything else ==)."""
    for field in fields(Report):
        left, right = getattr(raw, field.name), getattr(mine, field.name)
        if isinstance(left, pd.DataFrame):
            assert_same_table(left, right, field.name)
        elif isinstance(left, Measurement):
            for part in fields(Measurement):
                one, other = getattr(left, part.name), getattr(right, part.name)
                if isinstance(one, pd.DataFrame):
                    assert_same_table(one, other, f"measurement.{part.name}")
                elif one is None:
                    assert other is None, part.name
                else:
                    assert one == pytest.approx(other, rel=1e-9, nan_ok=True), part.name
        else:
            assert left == right, field.name


async def _reports(engine: AsyncEngine, freq: Freq, settings: ReportSettings) -> tuple[Report, Report]:
    start, end = report_window(NOW, freq, settings.trend_periods, TZ)
    frames = await load_frames(engine, start, end)
    raw = build_report(
        frames.answers,
        frames.responses,
        frames.complaints,
        NOW,
        freq,
        settings,
        follow_ups=frames.follow_ups,
        reasons=frames.reasons,
    )
    inputs = await load_report_inputs(engine, NOW, freq, settings)
    return raw, build_report_from_aggregates(inputs, NOW, freq, settings)


@pytest.mark.parametrize("freq", ["week", "month"])
async def test_the_whole_report_from_aggregates_equals_the_raw_one(history: AsyncEngine, freq: Freq) -> None:
    settings = ReportSettings(tz=TZ, charts=False)
    raw, mine = await _reports(history, freq, settings)
    # The generated history exercises every part: cleaning rules, complaints, follow-ups, drivers.
    assert raw.cleaning["duplicate"] >= 1 and raw.cleaning["straightline"] + raw.cleaning["speeder"] >= 1
    assert len(raw.complaints_by_category) > 0 and int(raw.follow_ups["cases"].sum()) > 0
    assert len(raw.drivers) > 0 and len(raw.reliability) > 0 and len(raw.dropoff) > 0
    assert_same_report(raw, mine)
    assert mine.to_text() == raw.to_text()


async def test_data_driven_weights_in_english_equal_too(history: AsyncEngine) -> None:
    """Weights estimated from the window's responses (regression), notes in English."""
    settings = ReportSettings(tz=TZ, charts=False, lang="en", weight_method="regression")
    raw, mine = await _reports(history, "week", settings)
    assert raw.meta.weights_used in ("regression", "ahp")
    assert_same_report(raw, mine)

"""The cross-product aggregates (issue 15): kept by the upkeep exactly as a rebuild makes them, and the
figures served from them — reliability, validity, weights and drivers, the index and its CI — equal
to build_report's from raw rows (to 1e-9), with answers missing so that complete cases matter.

The history is test_aggregate_report's (demo data plus responses completed at local period edges in
America/New_York, and a customer answering three times in a cycle).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis import aggregate_figures as agg
from analysis import aggregate_measurement as measure
from analysis.periods import Freq
from analysis.report import Report, ReportSettings, build_report, report_window
from analysis.report_settings import WeightMethod
from storage.aggregate_frames import load_for_report
from storage.aggregate_products import TABLES
from storage.aggregates import add_completed, rebuild
from storage.analytics import load_frames
from tests.analysis_pipeline.test_aggregate_report import NOW, TZ, history

__all__ = ["history"]  # the fixture, imported to be used here


@pytest.fixture
async def gappy(history: AsyncEngine) -> AsyncEngine:
    """The history with some item and overall answers of completed responses removed, then rebuilt.

    Responses then answer different sets of questions: alpha, validity and the regression use only
    the responses complete over what they need, and the aggregates must pick exactly those.
    """
    async with history.begin() as connection:
        await connection.execute(
            text(
                "DELETE FROM answers a USING questions q WHERE q.id = a.question_id"
                " AND q.role IN ('item', 'overall') AND (a.id * 7919) % 23 = 0"
            )
        )
    await rebuild(history, TZ)
    return history


async def _both(
    engine: AsyncEngine, freq: Freq, method: WeightMethod
) -> tuple[Report, agg.Histograms, measure.Products]:
    settings = ReportSettings(tz=TZ, charts=False, weight_method=method)
    start, end = report_window(NOW, freq, 8, TZ)
    frames = await load_frames(engine, start, end)
    report = build_report(frames.answers, frames.responses, frames.complaints, NOW, freq, settings)
    async with engine.connect() as connection:
        stored = await load_for_report(connection, NOW, freq, TZ)
    hist = agg.histograms(
        stored.answer_counts, stored.dimension_counts, stored.response_counts, NOW, freq, TZ
    )
    products = measure.products(stored.item_products, stored.pattern_dimensions, NOW, freq, TZ)
    return report, hist, products


def _equal(raw: pd.DataFrame, mine: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        raw.reset_index(drop=True), mine.reset_index(drop=True), rtol=1e-9, atol=1e-12, check_dtype=False
    )


@pytest.mark.parametrize(
    ("freq", "method"), [("week", "ahp"), ("month", "regression"), ("week", "entropy"), ("month", "relative")]
)
async def test_the_product_figures_equal_the_raw_ones(
    gappy: AsyncEngine, freq: Freq, method: WeightMethod
) -> None:
    report, hist, products = await _both(gappy, freq, method)
    cfg = ReportSettings(tz=TZ, charts=False, weight_method=method)
    assert products.current == report.meta.current.label
    # Complete cases matter: some responses miss an item of a scale.
    assert (report.reliability["n"] < report.index["n"].iloc[0]).any()

    _equal(report.reliability, measure.reliability(products))

    notes: dict[str, list[str]] = {}
    choice = measure.choose_weights(products, hist, agg.present_dimensions(hist), cfg, notes)
    assert choice.used == report.meta.weights_used == method
    _equal(report.weights, choice.table)
    _equal(report.drivers, choice.drivers)
    assert len(report.drivers) >= 2
    assert tuple(notes["weights"]) == report.notes["weights"]

    baseline = agg.history_baseline(hist)
    index = measure.index_table(products, choice.weights, baseline, cfg, notes)
    _equal(report.index, index)
    assert report.index["n"].iloc[0] > 30 and report.index["std"].iloc[0] > 0
    assert tuple(notes["index"]) == report.notes["index"]
    _equal(report.trend[["index"]], agg.trend_index(hist, choice.weights)[["index"]])

    tables = measure.validity(products, agg.present_dimensions(hist), cfg, notes)
    shown = report.measurement
    for raw, mine in zip(
        (shown.validity, shown.loadings, shown.convergent, shown.alpha_deleted), tables, strict=True
    ):
        assert len(raw) > 0
        _equal(raw, mine)
    assert tuple(notes["gbt_validity"]) == report.notes["gbt_validity"]


async def _rows(engine: AsyncEngine, table: str) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        result = await connection.execute(text(f"SELECT * FROM {table} WHERE n <> 0"))
        rows = [dict(row._mapping) for row in result]
    return sorted(rows, key=repr)


async def test_the_upkeep_equals_a_rebuild_row_for_row(gappy: AsyncEngine) -> None:
    """Every completed response added by the upkeep in the order they completed (repeats move)."""
    async with gappy.begin() as connection:
        await connection.execute(
            text(
                "TRUNCATE response_summaries, daily_response_counts, daily_answer_counts,"
                f" daily_dimension_counts, {', '.join(TABLES)}"
            )
        )
        ids = (
            await connection.execute(
                text("SELECT id FROM responses WHERE status = 'completed' ORDER BY completed_at, id")
            )
        ).scalars()
        completed = list(ids)
    for response_id in completed:
        async with gappy.begin() as connection:
            await add_completed(connection, response_id)
    kept = {table: await _rows(gappy, table) for table in TABLES}
    await rebuild(gappy, TZ)
    rebuilt = {table: await _rows(gappy, table) for table in TABLES}
    assert len(rebuilt["daily_item_products"]) > 1000
    moved = await _moved(gappy)
    assert moved > 0
    assert kept == rebuilt


async def _moved(engine: AsyncEngine) -> int:
    """Kept responses that became repeats (their counts moved under other bits)."""
    async with engine.connect() as connection:
        found = await connection.execute(
            text("SELECT count(*) FROM response_summaries WHERE repeats <> 0 AND NOT straightline")
        )
        return int(found.scalar_one())

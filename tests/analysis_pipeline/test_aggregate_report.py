"""The report's figures from the aggregates equal the ones from raw rows (issue 15), to 1e-9.

Same generated history (storage/demo_data.py: COPY, then the aggregates rebuilt), plus responses
completed through the repository (the in-transaction upkeep) at 23:59 and 00:01 local time on the
week's and the month's boundary in a non-UTC zone with daylight saving, and one customer answering
twice in a cycle (the repeat rule takes the second out).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis import aggregate_figures as agg
from analysis.periods import Freq
from analysis.report import Report, ReportSettings, build_report, report_window
from analysis.scores import nps_interval
from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.aggregate_frames import load_for_report
from storage.analytics import load_frames
from storage.database import session_factory
from storage.demo_data import DemoConfig, write_demo_data
from storage.unit_of_work import UnitOfWork

TZ = "America/New_York"  # UTC−4 in June
NOW = pd.Timestamp("2025-06-04T15:00:00Z")  # Wednesday 11:00 local
CONFIG = DemoConfig(
    customers=250, weeks=10, seed=11, complaints_per_week=5, responses_per_week=150, end=NOW, tz=TZ
)
# Sunday 23:59 / Monday 00:01 local on the week boundary (2025-06-02) and the month boundary (06-01).
EDGES = {
    "week_before": pd.Timestamp("2025-06-02T03:59:00Z"),
    "week_after": pd.Timestamp("2025-06-02T04:01:00Z"),
    "month_before": pd.Timestamp("2025-06-01T03:59:00Z"),
    "month_after": pd.Timestamp("2025-06-01T04:01:00Z"),
    "repeat": pd.Timestamp("2025-06-03T14:00:00Z"),  # the same customer again, in the same week and month
}
SCORES = {
    "func_needs": 2,
    "func_practical": 3,
    "safety_process": 5,
    "resp_speed": 1,
    "overall": 2,
    "recommend": 6,
}


def _time(stamp: pd.Timestamp, seconds: float) -> datetime:
    result: datetime = (stamp + pd.Timedelta(seconds=seconds)).to_pydatetime()
    return result


async def _edge_response(engine: AsyncEngine, version_id: int, telegram_id: int, first: pd.Timestamp) -> None:
    """A response whose first answer is at ``first``, completed through the repository."""
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        stored = await uow.surveys.by_version(version_id)
        who = await uow.respondents.touch(telegram_id, "zh", None)
        response = await uow.responses.open(who.id, version_id)
        for key, score in SCORES.items():
            await uow.responses.record_answer(response, stored.question_ids[key], score, None)
        await session.execute(
            text("UPDATE responses SET started_at = :t WHERE id = :id"),
            {"t": _time(first, -5), "id": response},
        )
        for position, key in enumerate(SCORES):
            await session.execute(
                text("UPDATE answers SET answered_at = :t WHERE response_id = :r AND question_id = :q"),
                {"t": _time(first, 8 * position), "r": response, "q": stored.question_ids[key]},
            )
    async with session_factory(engine)() as session, session.begin():
        await UnitOfWork(session).responses.complete(response)


@pytest.fixture
async def history(db: AsyncEngine) -> AsyncEngine:
    async with session_factory(db)() as session, session.begin():
        version_id = (
            await UnitOfWork(session).surveys.store(load_survey_file(default_survey_path()))
        ).version_id
    await write_demo_data(db, version_id, CONFIG)
    for name, first in EDGES.items():
        # The week's edge customers answer once each; the month's customer answers three times.
        telegram_id = 77 if name.startswith("month") or name == "repeat" else 78 + len(name)
        await _edge_response(db, version_id, telegram_id, first)
    return db


async def _both(engine: AsyncEngine, freq: Freq) -> tuple[Report, agg.Histograms]:
    start, end = report_window(NOW, freq, 8, TZ)
    frames = await load_frames(engine, start, end)
    report = build_report(
        frames.answers, frames.responses, frames.complaints, NOW, freq, ReportSettings(tz=TZ, charts=False)
    )
    async with engine.connect() as connection:
        stored = await load_for_report(connection, NOW, freq, TZ)
    hist = agg.histograms(
        stored.answer_counts,
        stored.dimension_counts,
        stored.response_counts,
        NOW,
        freq,
        TZ,
    )
    return report, hist


def _same(raw: pd.DataFrame, mine: pd.DataFrame, keys: Sequence[str], columns: Sequence[str]) -> None:
    """Same rows (by keys) and the same values to 1e-9 (NaN equals NaN)."""
    left = raw.astype({k: "str" for k in keys}).set_index(list(keys)).sort_index()
    right = mine.astype({k: "str" for k in keys}).set_index(list(keys)).sort_index()
    assert list(left.index) == list(right.index)
    for column in columns:
        if left[column].dtype == object or str(left[column].dtype) == "str":
            assert list(left[column].astype("str")) == list(right[column].astype("str")), column
        else:
            expected, found = left[column].to_numpy(dtype=float), right[column].to_numpy(dtype=float)
            np.testing.assert_allclose(expected, found, rtol=1e-9, atol=1e-12, err_msg=column)


@pytest.mark.parametrize("freq", ["week", "month"])
async def test_every_served_figure_equals_the_raw_one(history: AsyncEngine, freq: Freq) -> None:
    report, hist = await _both(history, freq)
    assert hist.current == report.meta.current.label and hist.labels == report.meta.trend_labels

    # Cleaning, with every rule at work in the current period.
    assert hist.cleaning == report.cleaning
    assert report.cleaning["duplicate"] >= 1 and report.cleaning["responses"] > 20
    assert report.cleaning["straightline"] + report.cleaning["speeder"] >= 1

    numbers = ["n", "mean", "std", "ci_low", "ci_high", "low_share", "n_answers", "previous", "change"]
    numbers += ["baseline", "vs_baseline", "change_status", "baseline_status", "below_baseline"]
    _same(
        report.dimensions,
        agg.dimension_table(hist, report.meta.min_n),
        ["dimension"],
        [*numbers, "change_status"],
    )
    _same(
        report.questions,
        agg.question_scores(hist, hist.current),
        ["question_key"],
        ["n", "mean", "std", "ci_low", "ci_high", "low_share", "role"],
    )
    ipa_columns = ["importance", "performance", "gap", "quadrant", "importance_cross", "performance_cross"]
    ipa_columns = [c for c in ipa_columns if c in report.ipa.columns]
    assert len(ipa_columns) >= 4
    _same(
        report.ipa,
        agg.ipa_table(hist, agg.dimension_table(hist, report.meta.min_n)),
        ["dimension"],
        ipa_columns,
    )
    trend = report.dimension_trend
    _same(trend, agg.dimension_trend(hist), ["period", "dimension"], ["n", "mean", "ci_low", "ci_high"])

    _same(report.trend, agg.trend_satisfaction(hist), ["period"], ["csat", "nps"])
    # The default weights (AHP from its file) do not depend on the data: the index follows the means.
    assert report.meta.weights_used == "ahp"
    weights = dict(zip(report.weights["dimension"], report.weights["used"], strict=True))
    _same(report.trend, agg.trend_index(hist, weights), ["period"], ["index"])
    index = agg.trend_index(hist, weights).set_index("period")["index"]
    np.testing.assert_allclose(
        [report.index["index"].iloc[0], report.index["previous"].iloc[0]],
        [index[hist.current], index[hist.previous]],
        rtol=1e-9,
    )
    for which, label in (("current", hist.current), ("previous", hist.previous)):
        raw = report.satisfaction[report.satisfaction["which"] == which].iloc[0]
        mine = agg.satisfaction(hist, label)
        for name, value in mine.items():
            np.testing.assert_allclose(float(raw[name]), value, rtol=1e-9, err_msg=f"{which} {name}")
        nps = report.measurement.nps[report.measurement.nps["which"] == which].iloc[0]
        value, low, high = nps_interval(agg.nps_counts(hist, label))
        np.testing.assert_allclose([nps["nps"], nps["ci_low"], nps["ci_high"]], [value, low, high], rtol=1e-9)
        assert int(nps["n"]) == agg.nps_counts(hist, label).n


async def test_the_edge_responses_land_on_their_local_days(history: AsyncEngine) -> None:
    """23:59 Sunday local is Sunday (Monday in UTC); 00:01 Monday is Monday; 05-31 23:59 is May."""
    async with history.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT s.first_answer_at, s.day FROM response_summaries s"
                " JOIN respondents p ON p.id = s.respondent_id WHERE p.telegram_id < 1000"
            )
        )
        days = {pd.Timestamp(first).tz_convert("UTC"): str(day) for first, day in rows}
    assert days == {
        EDGES["week_before"]: "2025-06-01",
        EDGES["week_after"]: "2025-06-02",
        EDGES["month_before"]: "2025-05-31",
        EDGES["month_after"]: "2025-06-01",
        EDGES["repeat"]: "2025-06-03",
    }
    _, hist = await _both(history, "week")
    assert (hist.current, hist.previous) == ("2025-W23", "2025-W22")
    _, hist = await _both(history, "month")
    assert (hist.current, hist.previous) == ("2025-06", "2025-05")

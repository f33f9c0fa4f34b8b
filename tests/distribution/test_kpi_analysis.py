"""KPIs against their targets and against the matching dimension's daily scores."""

from __future__ import annotations

import math

import pandas as pd

from analysis.kpis import KpiTarget, kpi_table

TARGETS = {
    "waiting_time": KpiTarget(10, "lower", "responsiveness"),
    "uptime": KpiTarget(99.5, "higher", "functionality"),
}


def readings(kpi: str, values: list[float], start: str = "2026-03-02 02:00") -> pd.DataFrame:
    times = pd.date_range(start, periods=len(values), freq="D", tz="UTC")
    return pd.DataFrame({"kpi": kpi, "value": values, "measured_at": times})


def scores(dimension: str, means: list[float], start: str = "2026-03-02") -> pd.DataFrame:
    days = [d.strftime("%Y-%m-%d") for d in pd.date_range(start, periods=len(means), freq="D")]
    return pd.DataFrame({"day": days, "dimension": dimension, "mean": means})


def test_target_share_and_a_negative_correlation_of_waiting_with_responsiveness() -> None:
    waits = [6.0, 8.0, 12.0, 15.0, 20.0]
    table = kpi_table(
        readings("waiting_time", waits),
        TARGETS,
        scores("responsiveness", [4.6, 4.4, 3.9, 3.5, 3.0]),
        tz="Asia/Shanghai",
    ).set_index("kpi")
    row = table.loc["waiting_time"]
    assert row["n"] == 5 and row["mean"] == 12.2 and row["latest"] == 20.0
    assert row["met_share"] == 0.4 and not row["meets"]
    assert row["days"] == 5 and row["r"] < -0.95 and row["p_value"] < 0.05


def test_too_few_days_give_no_correlation_and_unknown_kpis_are_left_out() -> None:
    data = pd.concat([readings("uptime", [99.9, 99.7]), readings("mystery", [1.0])])
    table = kpi_table(data, TARGETS, scores("functionality", [4.0, 4.2]), tz="Asia/Shanghai")
    assert list(table["kpi"]) == ["uptime"]
    row = table.iloc[0]
    assert row["meets"] and row["met_share"] == 1.0 and row["days"] == 2 and math.isnan(row["r"])


def test_no_readings_give_an_empty_table() -> None:
    empty = pd.DataFrame({"kpi": [], "value": [], "measured_at": pd.to_datetime([], utc=True)})
    assert kpi_table(empty, TARGETS, scores("functionality", [])).empty

"""Performance indicators (绩效指标) against their targets and against customers' scores.

Input frames:
    readings — kpi:str, value:float64, measured_at:datetime64[ns, UTC]
    dimension_days — day:str (YYYY-MM-DD in the operator's zone), dimension:str, mean:float64
Each KPI's daily mean is correlated with the daily mean score of the dimension it bears on
(e.g. waiting time ↔ responsiveness), with r, the number of days and the p-value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analysis import periods
from analysis.correlation import factor_correlation

COLUMNS = (
    "kpi",
    "n",
    "mean",
    "latest",
    "target",
    "better",
    "met_share",
    "meets",
    "dimension",
    "r",
    "days",
    "p_value",
)


@dataclass(frozen=True)
class KpiTarget:
    """What a KPI should be: its target, which side of it is good, and its survey dimension."""

    target: float
    better: Literal["lower", "higher"]
    dimension: str | None = None

    def met(self, values: pd.Series) -> pd.Series:
        """Which values are on target (the target itself counts as met)."""
        return values <= self.target if self.better == "lower" else values >= self.target


def kpi_table(
    readings: pd.DataFrame,
    targets: Mapping[str, KpiTarget],
    dimension_days: pd.DataFrame,
    tz: str = periods.DEFAULT_TZ,
) -> pd.DataFrame:
    """One row per KPI with readings: n, mean, latest, target, share on target, whether the mean meets
    it, and the correlation (r, days, p_value) of its daily means with its dimension's daily scores."""
    rows = []
    days = (
        periods.period_labels(readings["measured_at"], "day", tz) if len(readings) else pd.Series(dtype=str)
    )
    for kpi, group in readings.assign(day=days).sort_values("measured_at").groupby("kpi", sort=True):
        spec = targets.get(str(kpi))
        if spec is None:
            continue
        mean = float(group["value"].mean())
        r, n_days, p_value = _correlation(group, spec.dimension, dimension_days)
        rows.append(
            {
                "kpi": kpi,
                "n": len(group),
                "mean": mean,
                "latest": float(group["value"].iloc[-1]),
                "target": spec.target,
                "better": spec.better,
                "met_share": float(spec.met(group["value"]).mean()),
                "meets": bool(spec.met(pd.Series([mean])).iloc[0]),
                "dimension": spec.dimension,
                "r": r,
                "days": n_days,
                "p_value": p_value,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _correlation(
    group: pd.DataFrame, dimension: str | None, dimension_days: pd.DataFrame
) -> tuple[float, int, float]:
    if dimension is None:
        return float("nan"), 0, float("nan")
    kpi_days = group.groupby("day")["value"].mean().rename("kpi")
    scores = dimension_days[dimension_days["dimension"] == dimension].set_index("day")["mean"].rename("score")
    table = pd.concat([kpi_days, scores], axis=1, join="inner")
    result = factor_correlation(table, ["kpi", "score"]).iloc[0]
    return float(result["r"]), int(result["n"]), float(result["p_value"])

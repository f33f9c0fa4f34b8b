"""Composite service-quality index (0–100) and change flags against a baseline or the previous period.

Index: each dimension mean m_d (1–5) maps linearly to 0–100 as (m_d − 1)/4 · 100 and the
index is Σ w_d · that, with the weights renormalised over the dimensions present in the group.

Index CI: each response gets its own weighted index from the dimensions it answered; the CI
uses the standard deviation of those per-response indices (this keeps the positive correlation
between one person's dimension scores, which a sum of per-dimension variances would ignore).

Change flags (the documented choice): a change is flagged only when every compared group has
n ≥ ``min_n`` (default 30 responses) AND the 95 % CI of the difference excludes 0. For the
previous period the difference CI is Welch's; a baseline is a fixed number, so the CI of the
difference is the current mean's CI shifted by the baseline. Otherwise the status is
``insufficient_sample`` (too few responses) or ``no_change``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import pandas as pd

from analysis.scores import dimension_scores, respondent_dimension_scores
from analysis.stats import t_half_width, welch_difference

DEFAULT_MIN_N: Final = 30
STATUS_UP: Final = "up"
STATUS_DOWN: Final = "down"
STATUS_NO_CHANGE: Final = "no_change"
STATUS_TOO_SMALL: Final = "insufficient_sample"


def to_index_scale(mean: float | pd.Series) -> float | pd.Series:
    """Map a 1–5 mean linearly onto 0–100: (mean − 1) / 4 · 100."""
    return (mean - 1) / 4 * 100


def _weights(weights: Mapping[str, float]) -> pd.Series:
    series = pd.Series(dict(weights), dtype="float64")
    if (series < 0).any() or series.sum() <= 0:
        raise ValueError("index weights must be non-negative and not all zero")
    return series


def index_from_means(means: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Index of given dimension means (e.g. baseline values), weights renormalised over present ones."""
    w = _weights(weights)
    m = pd.Series(dict(means), dtype="float64").reindex(w.index).dropna()
    if m.empty or w[m.index].sum() == 0:
        return float("nan")
    return float((w[m.index] * to_index_scale(m)).sum() / w[m.index].sum())


def composite_index(
    answers: pd.DataFrame,
    weights: Mapping[str, float],
    by: Sequence[str] = (),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per group: index, n, std, ci_low, ci_high, dimensions (count present), complete.

    ``complete`` is True when every dimension with a positive weight has data in the group.
    """
    w = _weights(weights)
    keys = list(by)
    dims = dimension_scores(answers, keys, confidence)
    dims = dims[dims["dimension"].isin(w.index)].assign(
        _w=lambda f: f["dimension"].map(w), _wv=lambda f: f["dimension"].map(w) * to_index_scale(f["mean"])
    )
    grouped = dims.groupby(keys, observed=True) if keys else dims.groupby(lambda _: 0)
    table = grouped.agg(_wv=("_wv", "sum"), _w=("_w", "sum"), dimensions=("dimension", "nunique"))
    table["index"] = table["_wv"] / table["_w"].where(table["_w"] > 0)

    per_resp = respondent_dimension_scores(answers, keys)
    per_resp = per_resp[per_resp["dimension"].isin(w.index)]
    per_resp = per_resp.assign(_w=per_resp["dimension"].map(w))
    per_resp = per_resp.assign(_wv=per_resp["_w"] * to_index_scale(per_resp["score"]))
    resp_groups = [*keys, "response_id"]
    one = per_resp.groupby(resp_groups, observed=True)[["_wv", "_w"]].sum()
    one["value"] = one["_wv"] / one["_w"]
    spread = (one.groupby(keys, observed=True)["value"] if keys else one.groupby(lambda _: 0)["value"]).agg(
        n="count", std="std"
    )
    table = table.join(spread, how="left")
    if table.empty and not keys:
        table = pd.DataFrame({"index": [np.nan], "dimensions": [0], "n": [0], "std": [np.nan]})
    table["n"] = table["n"].fillna(0).astype("int64")
    half = t_half_width(table["std"], table["n"], confidence)
    table["ci_low"] = table["index"] - half
    table["ci_high"] = table["index"] + half
    table["complete"] = table["dimensions"] == int((w > 0).sum())
    columns = [*keys, "index", "n", "std", "ci_low", "ci_high", "dimensions", "complete"]
    return table.reset_index()[columns] if keys else table.reset_index(drop=True)[columns]


def _status(diff: pd.Series, low: pd.Series, high: pd.Series, enough: pd.Series) -> pd.Series:
    status = np.select(
        [~enough, low > 0, high < 0],
        [STATUS_TOO_SMALL, STATUS_UP, STATUS_DOWN],
        default=STATUS_NO_CHANGE,
    )
    return pd.Series(status, index=diff.index, dtype="str")


def compare_to_baseline(
    summary: pd.DataFrame,
    baseline: Mapping[str, float],
    key: str = "dimension",
    value: str = "mean",
    min_n: int = DEFAULT_MIN_N,
) -> pd.DataFrame:
    """Add baseline, diff, diff CI, status and sample_ok to a summary (dimension_scores / composite_index).

    ``baseline`` maps ``key`` values (dimensions) to 基准值 on the summary's scale. Rows whose
    key has no baseline get status ``no_baseline``.
    """
    table = summary.copy()
    table["baseline"] = table[key].map(dict(baseline)).astype("float64")
    table["diff"] = table[value] - table["baseline"]
    table["diff_ci_low"] = table["ci_low"] - table["baseline"]
    table["diff_ci_high"] = table["ci_high"] - table["baseline"]
    table["sample_ok"] = table["n"] >= min_n
    table["status"] = _status(table["diff"], table["diff_ci_low"], table["diff_ci_high"], table["sample_ok"])
    table.loc[table["baseline"].isna(), "status"] = "no_baseline"
    table["significant"] = table["status"].isin([STATUS_UP, STATUS_DOWN])
    return table


def baseline_from(summary: pd.DataFrame, key: str = "dimension", value: str = "mean") -> dict[str, float]:
    """Baseline dict from a historical period's summary (e.g. dimension_scores of that period)."""
    present = summary.dropna(subset=[value])
    return {str(k): float(v) for k, v in zip(present[key], present[value], strict=True)}


def compare_periods(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    on: Sequence[str] = ("dimension",),
    value: str = "mean",
    min_n: int = DEFAULT_MIN_N,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Join two summaries on ``on`` and flag changes (Welch CI of the difference, n ≥ min_n in both).

    Output columns: keys, value/n/std of both (suffixes _cur/_prev), diff, diff CI, p_value,
    sample_ok, status (up / down / no_change / insufficient_sample), significant.
    """
    keys = list(on)
    cols = [*keys, value, "n", "std"]
    if keys:
        both = current[cols].merge(previous[cols], on=keys, how="outer", suffixes=("_cur", "_prev"))
    else:
        both = pd.concat(
            [
                current[cols].add_suffix("_cur").reset_index(drop=True),
                previous[cols].add_suffix("_prev").reset_index(drop=True),
            ],
            axis=1,
        )
    for suffix in ("_cur", "_prev"):
        both["n" + suffix] = both["n" + suffix].fillna(0).astype("int64")
    diff = welch_difference(
        both[value + "_cur"], both["std_cur"], both["n_cur"],
        both[value + "_prev"], both["std_prev"], both["n_prev"], confidence,
    )  # fmt: skip
    both = pd.concat([both, diff], axis=1)
    both["sample_ok"] = (both["n_cur"] >= min_n) & (both["n_prev"] >= min_n)
    both["status"] = _status(both["diff"], both["diff_ci_low"], both["diff_ci_high"], both["sample_ok"])
    both["significant"] = both["status"].isin([STATUS_UP, STATUS_DOWN])
    return both


def index_vs_baseline(
    index_summary: pd.DataFrame,
    baseline_means: Mapping[str, float],
    weights: Mapping[str, float],
    min_n: int = DEFAULT_MIN_N,
) -> pd.DataFrame:
    """Compare a composite_index summary with the index of the baseline dimension means (基准值)."""
    baseline = index_from_means(baseline_means, weights)
    return compare_to_baseline(
        index_summary.assign(scope="index"), {"index": baseline}, "scope", "index", min_n
    )

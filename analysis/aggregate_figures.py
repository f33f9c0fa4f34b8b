"""Report figures from the daily histograms (issue 15; which figures, and how the rest are served:
docs/AGGREGATES.md).

The inputs are the frames ``storage.aggregate_frames.load_aggregates`` returns: answer counts per local
day × question × score, dimension counts per local day × dimension × (item sum, item count) —
both without the period length's repeat responses — and response counts per day × cleaning flags.
Every figure here equals the one :func:`analysis.report.build_report`
computes from raw answers to floating-point rounding (tests/analysis_pipeline/
test_aggregate_report.py): a histogram is a weighted sample, so counts, means, standard deviations
(two passes over the distinct values), shares, CSAT and NPS are exact functions of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from analysis import periods
from analysis.index import STATUS_DOWN, compare_periods, compare_to_baseline, index_from_means
from analysis.priorities import ipa
from analysis.scores import NpsCounts
from analysis.stats import LOW_RATING_MAX, t_half_width
from dialogs.terms import DIMENSIONS

QUESTION_ROLES: Final = ("item", "importance", "overall", "nps")


class NotServed(Exception):
    """A figure of this report cannot be computed from the aggregates: build the report from raw rows."""


@dataclass(frozen=True)
class Histograms:
    """The inputs for one report window, each row labelled with its period."""

    answers: pd.DataFrame  # period, question_key, role, dimension, score, n (repeats taken out)
    dimensions: pd.DataFrame  # period, dimension, value (item mean of a response), n
    cleaning: dict[str, int]  # the current period's cleaning counts
    labels: tuple[str, ...]
    current: str
    previous: str


def day_labels(days: pd.Series, freq: periods.Freq, tz: str) -> pd.Series:
    """The period label of each local calendar day (noon local: no DST gap falls at noon)."""
    noon = pd.to_datetime(days.astype("str")) + pd.Timedelta(hours=12)
    local = pd.Series(noon, index=days.index).dt.tz_localize(tz)
    return periods.period_labels(local, freq, tz)


def histograms(
    answer_counts: pd.DataFrame,
    dimension_counts: pd.DataFrame,
    response_counts: pd.DataFrame,
    now: pd.Timestamp,
    freq: periods.Freq,
    tz: str,
    trend_periods: int = 8,
) -> Histograms:
    """Label the day histograms (this period length's repeats already left out) with periods."""
    bounds = periods.last_periods(now, max(trend_periods, 2), freq, tz)
    labels = tuple(b.label for b in bounds)
    answers = answer_counts.assign(period=day_labels(answer_counts["day"], freq, tz))
    dims = dimension_counts.assign(
        value=dimension_counts["item_sum"] / dimension_counts["item_count"],
        period=day_labels(dimension_counts["day"], freq, tz),
    )[["period", "dimension", "value", "n"]]
    answers, dims = answers[answers["period"].isin(labels)], dims[dims["period"].isin(labels)]
    current = labels[-1]
    counts = response_counts[day_labels(response_counts["day"], freq, tz) == current]
    flagged = counts["straightline"].astype(bool) | counts["speeder"].astype(bool)
    repeat = ~flagged & counts["repeat"].astype(bool)
    cleaning = {
        "responses": int(counts["n"].sum()),
        "straightline": int(counts.loc[counts["straightline"].astype(bool), "n"].sum()),
        "speeder": int(counts.loc[counts["speeder"].astype(bool), "n"].sum()),
        "duplicate": int(counts.loc[repeat, "n"].sum()),
        "excluded": int(counts.loc[flagged | repeat, "n"].sum()),
    }
    cleaning["kept"] = cleaning["responses"] - cleaning["excluded"]
    return Histograms(answers, dims, cleaning, labels, current, labels[-2])


def weighted_describe(
    frame: pd.DataFrame, value: str, by: Sequence[str], confidence: float = 0.95
) -> pd.DataFrame:
    """:func:`analysis.stats.describe` of a histogram: rows of ``value`` repeated ``n`` times."""
    keys = list(by)
    weighted = frame.assign(_wx=frame[value] * frame["n"])
    grouped = weighted.groupby(keys, sort=True)
    table = grouped.agg(n=("n", "sum"), _sum=("_wx", "sum"))
    table["mean"] = table["_sum"] / table["n"]
    mean = weighted[keys].merge(table["mean"].reset_index(), on=keys, how="left")["mean"].to_numpy()
    squares = weighted.assign(_ss=(weighted[value].to_numpy() - mean) ** 2 * weighted["n"].to_numpy())
    sum_squares = squares.groupby(keys, sort=True)["_ss"].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = sum_squares / (table["n"] - 1).where(table["n"] >= 2)
    table["std"] = np.sqrt(variance)
    table["n"] = table["n"].astype("int64")
    half = t_half_width(table["std"], table["n"], confidence)
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
    return table[["n", "mean", "std", "ci_low", "ci_high"]].reset_index()


def _low_share(answers: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    low = answers.assign(_low=answers["n"].where(answers["score"] <= LOW_RATING_MAX, 0))
    table = low.groupby(keys, sort=True).agg(_low=("_low", "sum"), n_answers=("n", "sum"))
    table["low_share"] = table["_low"] / table["n_answers"]
    return table[["low_share", "n_answers"]].reset_index()


def dimension_scores(hist: Histograms, labels: Sequence[str], by_period: bool = False) -> pd.DataFrame:
    """:func:`analysis.scores.dimension_scores` of the periods ``labels`` (pooled unless ``by_period``)."""
    keys = ["period", "dimension"] if by_period else ["dimension"]
    dims = hist.dimensions[hist.dimensions["period"].isin(list(labels))]
    summary = weighted_describe(dims, "value", keys)
    items = hist.answers[
        hist.answers["period"].isin(list(labels))
        & (hist.answers["role"] == "item")
        & hist.answers["dimension"].notna()
    ]
    return summary.merge(_low_share(items, keys), on=keys, how="left")


def question_scores(hist: Histograms, label: str) -> pd.DataFrame:
    """:func:`analysis.scores.question_scores` of one period."""
    answers = hist.answers[
        (hist.answers["period"] == label) & hist.answers["role"].isin(list(QUESTION_ROLES))
    ]
    summary = weighted_describe(answers, "score", ["question_key"])
    low = _low_share(answers, ["question_key"]).drop(columns="n_answers")
    meta = answers.groupby("question_key")[["role", "dimension"]].first().reset_index()
    table = summary.merge(low, on="question_key", how="left").merge(meta, on="question_key", how="left")
    table.loc[table["role"] == "nps", "low_share"] = np.nan
    return table


def nps_counts(hist: Histograms, label: str) -> NpsCounts:
    """Promoters, passives and detractors of one period."""
    nps = hist.answers[(hist.answers["period"] == label) & (hist.answers["role"] == "nps")]
    promoters = int(nps.loc[nps["score"] >= 9, "n"].sum())
    detractors = int(nps.loc[nps["score"] <= 6, "n"].sum())
    return NpsCounts(promoters, int(nps["n"].sum()) - promoters - detractors, detractors)


def satisfaction(hist: Histograms, label: str) -> dict[str, float]:
    """:func:`analysis.scores.satisfaction` of one period as a dict (CSAT, NPS and its shares)."""
    rows = hist.answers[hist.answers["period"] == label]
    overall = rows[rows["role"] == "overall"]
    csat_n = int(overall["n"].sum())
    counts = nps_counts(hist, label)
    share = (lambda k: k * 100.0 / counts.n) if counts.n else (lambda k: float("nan"))
    return {
        "csat": float(overall.loc[overall["score"] >= 4, "n"].sum() * 100.0 / csat_n)
        if csat_n
        else float("nan"),
        "csat_n": csat_n,
        "promoters": share(counts.promoters),
        "passives": share(counts.passives),
        "detractors": share(counts.detractors),
        "nps_n": counts.n,
        "nps": share(counts.promoters) - share(counts.detractors),
    }


def present_dimensions(hist: Histograms) -> list[str]:
    """Dimensions with rated items in the window, standard ones first (all four when there are none)."""
    found = {str(d) for d in hist.dimensions["dimension"].unique()}
    ordered = [d for d in DIMENSIONS if d in found] + sorted(found - set(DIMENSIONS))
    return ordered or list(DIMENSIONS)


def history_baseline(hist: Histograms) -> dict[str, float]:
    """基准值 from history: each dimension's mean over the trend periods before the current one."""
    earlier = [label for label in hist.labels if label != hist.current]
    means = dimension_scores(hist, earlier).dropna(subset=["mean"])
    return {str(d): float(m) for d, m in zip(means["dimension"], means["mean"], strict=True)}


def dimension_table(
    hist: Histograms, min_n: int, baseline: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """The report's dimension rows: n, mean, CI, low share, change vs previous and vs the baseline.

    ``baseline``: the configured 基准值, else :func:`history_baseline`.
    """
    cur = dimension_scores(hist, [hist.current])
    prev = dimension_scores(hist, [hist.previous])
    table = pd.DataFrame({"dimension": present_dimensions(hist)}).merge(cur, on="dimension", how="left")
    table["n"] = table["n"].fillna(0).astype("int64")
    change = compare_periods(table, prev, min_n=min_n).set_index("dimension")
    table["previous"] = table["dimension"].map(change["mean_prev"])
    table["change"] = table["dimension"].map(change["diff"])
    table["change_status"] = table["dimension"].map(change["status"]).astype("str")
    against = compare_to_baseline(table, baseline if baseline else history_baseline(hist), min_n=min_n)
    table["baseline"] = against["baseline"]
    table["vs_baseline"] = against["diff"]
    table["baseline_status"] = against["status"].astype("str")
    table["below_baseline"] = against["status"] == STATUS_DOWN
    return table


def ipa_table(hist: Histograms, dims: pd.DataFrame) -> pd.DataFrame:
    """IPA on this period's dimension means with stated importance (this period's, else the window's).

    Importance from the index weights (a survey without importance items) is not served here.
    """
    importance = hist.answers[hist.answers["role"] == "importance"]
    stated = importance[importance["period"] == hist.current]
    if stated.empty:
        stated = importance
    if stated.empty:
        raise ValueError("no stated importance: the IPA needs the index weights")
    means = weighted_describe(stated, "score", ["dimension"])
    performance = dims.dropna(subset=["mean"])
    return ipa(float_map(means, "dimension", "mean"), float_map(performance, "dimension", "mean"))


def dimension_trend(hist: Histograms) -> pd.DataFrame:
    """Per trend period × dimension: n, mean, CI (NaN rows where a period has no data)."""
    dims = dimension_scores(hist, hist.labels, by_period=True)
    grid = pd.MultiIndex.from_product(
        [list(hist.labels), present_dimensions(hist)], names=["period", "dimension"]
    )
    table = dims.set_index(["period", "dimension"]).reindex(grid).reset_index()
    return table[["period", "dimension", "n", "mean", "ci_low", "ci_high"]]


def float_map(table: pd.DataFrame, key: str, value: str) -> Mapping[str, float]:
    """A column as {key: float} (for comparisons and digests)."""
    return {str(k): float(v) for k, v in zip(table[key], table[value], strict=True)}


def trend_satisfaction(hist: Histograms) -> pd.DataFrame:
    """Per trend period: CSAT and NPS (the trend table's satisfaction columns)."""
    rows = [{"period": label, **satisfaction(hist, label)} for label in hist.labels]
    return pd.DataFrame(rows)[["period", "csat", "nps"]]


def trend_index(hist: Histograms, weights: Mapping[str, float]) -> pd.DataFrame:
    """Per trend period: the index from its dimension means (the report's trend column).

    Served when the weights do not come from this window's data (AHP from its file, configured,
    or equal); data-driven weights need the cross-products not yet kept (docs/AGGREGATES.md).
    The current index's CI and n need each response's weighted score and are not served here.
    """
    means = dimension_scores(hist, hist.labels, by_period=True)
    rows = []
    for label in hist.labels:
        mine = means[means["period"] == label].dropna(subset=["mean"])
        rows.append(
            {"period": label, "index": index_from_means(float_map(mine, "dimension", "mean"), weights)}
        )
    return pd.DataFrame(rows)

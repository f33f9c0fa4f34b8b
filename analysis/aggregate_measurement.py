"""Report figures from the cross-product aggregates (issue 15): reliability, validity, the weights and
drivers, and the composite index with its CI — each equal to :func:`analysis.report.build_report`'s.

The inputs are the frames :func:`storage.aggregate_frames.load_aggregates` returns as
``item_products`` and ``pattern_dimensions`` (kept by :mod:`storage.aggregate_products`). Rows are
per answer **pattern** (the set of scored item and overall questions a response answered), so the
complete cases the raw figures use — responses that answered every item of a scale, every
dimension and the overall rating — are the patterns containing those questions, and every moment
the figures need (counts, sums, sums of products of items and of per-response dimension means) is
an exact sum over them. From the moments, the raw path's own functions finish the work
(:func:`analysis.reliability.alpha_from_covariance`, :func:`analysis.validity.correlation_from_covariance`,
:func:`analysis.weights.regression_weights_from_correlation`, :func:`analysis.report.index_row`, …).

Known difference: reliability is split by survey version when the current period's products hold
several; the raw path counts versions over all of the period's answers, so a version whose kept
responses answered no item and no overall question would count there and not here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from analysis import periods
from analysis.aggregate_figures import Histograms, day_labels
from analysis.index import index_from_means
from analysis.reliability import (
    OVERALL,
    alpha_from_covariance,
    alpha_if_deleted_from_covariance,
    alpha_row,
)
from analysis.report import index_row
from analysis.report_labels import t
from analysis.report_measurement import ItemScales, empty_validity, validity_tables
from analysis.report_settings import ReportSettings
from analysis.report_weights import DRIVER_ALPHA, WeightChoice, WeightInputs, predictors, weigh
from analysis.stats import t_half_width
from analysis.validity import correlation_from_covariance
from analysis.weights import (
    RegressionWeights,
    enough_rows,
    entropy_from_histogram,
    regression_weights_from_correlation,
    relative_weights_from_correlation,
    stated_weights_from_means,
)

_PAIR: Final = ["survey_version_id", "pattern"]
_ITEM_COLUMNS: Final = [
    "survey_version_id", "pattern", "key_a", "role_a", "dimension_a", "key_b", "role_b", "dimension_b",
]  # fmt: skip
_SUMS: Final = ["n", "sum_a", "sum_b", "sum_ab"]
_TARGET: Final = "overall"


@dataclass(frozen=True)
class Products:
    """The cross-product rows of one report window, each labelled with its period."""

    items: pd.DataFrame  # period, survey_version_id, pattern, key_a … dimension_b, n, sum_a, sum_b, sum_ab
    dimensions: pd.DataFrame  # period, survey_version_id, pattern, dimension, item_sum, item_count, n
    labels: tuple[str, ...]
    current: str
    previous: str


def products(
    item_products: pd.DataFrame,
    pattern_dimensions: pd.DataFrame,
    now: pd.Timestamp,
    freq: periods.Freq,
    tz: str,
    trend_periods: int = 8,
) -> Products:
    """Label the day rows (this period length's repeats already left out) with their periods."""
    bounds = periods.last_periods(now, max(trend_periods, 2), freq, tz)
    labels = tuple(b.label for b in bounds)
    items, dims = (
        frame.assign(period=day_labels(frame["day"], freq, tz) if len(frame) else pd.Series(dtype="str"))
        for frame in (item_products, pattern_dimensions)
    )
    return Products(
        items[items["period"].isin(labels)],
        dims[dims["period"].isin(labels)],
        labels,
        labels[-1],
        labels[-2],
    )


def _pooled(items: pd.DataFrame) -> pd.DataFrame:
    """Rows of the given periods summed per version, pattern and question pair."""
    if items.empty:
        return pd.DataFrame(columns=[*_ITEM_COLUMNS, *_SUMS])
    return items.groupby(_ITEM_COLUMNS, dropna=False, sort=True)[_SUMS].sum().reset_index()


def _members(pooled: pd.DataFrame) -> pd.DataFrame:
    """Each pattern's questions (its diagonal rows): version, pattern, key, role, dimension, n, sum."""
    diagonal = pooled[pooled["key_a"] == pooled["key_b"]]
    return diagonal.rename(
        columns={"key_a": "key", "role_a": "role", "dimension_a": "dimension", "sum_a": "sum"}
    )[[*_PAIR, "key", "role", "dimension", "n", "sum"]]


def _containing(members: pd.DataFrame, keys: Sequence[str]) -> pd.MultiIndex:
    """The (version, pattern) pairs whose questions include every one of ``keys``."""
    found = members[members["key"].isin(list(keys))].groupby(_PAIR)["key"].nunique()
    return pd.MultiIndex.from_tuples(list(found[found == len(set(keys))].index), names=_PAIR)


def _covariance(pooled: pd.DataFrame, keys: Sequence[str]) -> tuple[int, pd.DataFrame]:
    """n and the covariance matrix (ddof=1) of items ``keys`` over the responses that answered all."""
    keys = list(keys)
    members = _members(pooled)
    complete = _containing(members, keys)
    inside = pooled.set_index(_PAIR).index.isin(complete)
    rows = pooled[inside & pooled["key_a"].isin(keys) & pooled["key_b"].isin(keys)]
    diagonal = rows[rows["key_a"] == rows["key_b"]]
    n = int(diagonal[diagonal["key_a"] == keys[0]]["n"].sum()) if keys else 0
    sums = diagonal.groupby("key_a")["sum_a"].sum().reindex(keys, fill_value=0.0).to_numpy(dtype=float)
    pairs = rows.groupby(["key_a", "key_b"], as_index=False)["sum_ab"].sum()
    products_ = np.zeros((len(keys), len(keys)))
    position = {k: i for i, k in enumerate(keys)}
    for a, b, value in zip(pairs["key_a"], pairs["key_b"], pairs["sum_ab"], strict=True):
        i, j = position[str(a)], position[str(b)]
        products_[i, j] = products_[j, i] = value
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (products_ - np.outer(sums, sums) / n) / (n - 1) if n >= 2 else np.full_like(products_, np.nan)
    return n, pd.DataFrame(cov, index=keys, columns=keys)


def reliability(p: Products) -> pd.DataFrame:
    """The report's reliability table: alpha per dimension and overall, per version when several."""
    pooled = _pooled(p.items[p.items["period"] == p.current])
    members = _members(pooled)
    items = members[members["role"] == "item"]
    versions = sorted(int(v) for v in items["survey_version_id"].unique())
    by = len(versions) > 1
    rows: list[dict[str, object]] = []
    for version in versions if by else [None]:
        mine = items if version is None else items[items["survey_version_id"] == version]
        part = pooled if version is None else pooled[pooled["survey_version_id"] == version]
        dims = mine.groupby("key")["dimension"].first().sort_index()
        scopes = [(str(d), list(dims[dims == d].index)) for d in sorted(dims.dropna().unique())]
        scopes.append((OVERALL, list(dims.index)))
        for scope, columns in scopes:
            n, cov = _covariance(part, columns)
            prefix = {} if version is None else {"survey_version_id": version}
            rows.append(alpha_row(prefix, scope, alpha_from_covariance(cov, n)))
    keys = ["survey_version_id"] if by else []
    return pd.DataFrame(rows, columns=[*keys, "scope", "alpha", "n_items", "n", "flag"])


def validity(
    p: Products, dimensions: Sequence[str], cfg: ReportSettings, notes: dict[str, list[str]]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Measurement's validity, loadings, convergent and alpha_deleted tables (and the section's notes)."""
    lang = cfg.lang
    section = notes.setdefault("gbt_validity", [])
    pooled = _pooled(p.items[p.items["period"] == p.current])
    members = _members(pooled)
    items = members[(members["role"] == "item") & members["dimension"].notna()]
    if items.empty:
        return empty_validity()
    # Responses with at least one such item, per version (a response has one pattern).
    versions = items.drop_duplicates(_PAIR).groupby("survey_version_id")["n"].sum().sort_index()
    version = int(versions.index.to_numpy()[versions.to_numpy().argmax()])
    if len(versions) > 1:
        section.append(t("n_gbt_version", lang, version=version, n=int(versions.max())))
    mine = items[items["survey_version_id"] == version]
    keys = sorted(str(k) for k in mine["key"].unique())
    n, cov = _covariance(pooled[pooled["survey_version_id"] == version], keys)
    dimension_of = {str(k): str(v) for k, v in mine.groupby("key")["dimension"].first().items()}
    scales = ItemScales(
        correlation=lambda: correlation_from_covariance(cov, n),
        alpha=lambda columns: alpha_from_covariance(cov.loc[columns, columns], n).alpha,
        deleted=lambda columns: alpha_if_deleted_from_covariance(cov.loc[columns, columns], n),
    )
    return validity_tables(scales, version, dimension_of, dimensions, lang, section)


@dataclass(frozen=True)
class _Moments:
    """Per pattern: n, Σ of each group's per-response mean (L) and Σ of their products (S).

    Groups are the dimensions (items' item mean) and ``overall`` (the overall questions' mean).
    """

    n: pd.Series  # index (version, pattern)
    sums: pd.DataFrame  # index (version, pattern), one column per group
    products: pd.DataFrame  # version, pattern, group_a, group_b, value (both orders of a pair)


def _moments(pooled: pd.DataFrame) -> _Moments:
    members = _members(pooled)
    scored = (members["role"] == "item") & members["dimension"].notna()
    group = members["dimension"].where(scored, None).where(members["role"] != "overall", _TARGET)
    members = members.assign(group=group)
    grouped = members.dropna(subset=["group"])
    count = grouped.groupby([*_PAIR, "group"]).size().rename("count")
    n = members.groupby(_PAIR)["n"].first()
    sums = (grouped.groupby([*_PAIR, "group"])["sum"].sum() / count).unstack("group")
    group_of = grouped[[*_PAIR, "key", "group"]]
    counts = count.reset_index()
    rows = pooled
    for side in ("a", "b"):
        rows = rows.merge(
            group_of.rename(columns={"key": f"key_{side}", "group": f"group_{side}"}),
            on=[*_PAIR, f"key_{side}"],
        ).merge(
            counts.rename(columns={"group": f"group_{side}", "count": f"count_{side}"}),
            on=[*_PAIR, f"group_{side}"],
        )
    rows = rows.assign(_v=rows["sum_ab"] / (rows["count_a"] * rows["count_b"]))
    # A pair a < b is stored once: it adds to (A, B) and to (B, A).
    swap = {"group_a": "group_b", "group_b": "group_a"}
    mirrored = rows[rows["key_a"] != rows["key_b"]].rename(columns=swap)
    both = pd.concat([rows, mirrored], ignore_index=True)
    summed = both.groupby([*_PAIR, "group_a", "group_b"])["_v"].sum().rename("value")
    return _Moments(n, sums, summed.reset_index())


def _in(frame: pd.DataFrame, keys: pd.Index) -> pd.Series:
    """Whether each row's (version, pattern) is one of ``keys``."""
    return pd.Series(frame.set_index(_PAIR).index.isin(keys), index=frame.index)


def _correlation_over(m: _Moments, columns: Sequence[str]) -> tuple[int, pd.DataFrame]:
    """n and the correlation matrix of ``columns`` over the patterns that have all of them."""
    columns = list(columns)
    complete = m.sums[columns].notna().all(axis=1)
    keys = m.sums.index[complete]
    n = int(m.n.loc[keys].sum())
    total = m.sums.loc[keys, columns].sum().to_numpy(dtype=float)
    rows = m.products[
        _in(m.products, keys) & m.products["group_a"].isin(columns) & m.products["group_b"].isin(columns)
    ]
    matrix = rows.groupby(["group_a", "group_b"])["value"].sum().unstack("group_b")
    products_ = matrix.reindex(index=columns, columns=columns).fillna(0.0).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (products_ - np.outer(total, total) / n) / (n - 1)
        std = np.sqrt(np.diag(cov))
        corr = cov / np.outer(std, std)
    return n, pd.DataFrame(corr, index=columns, columns=columns)


def choose_weights(
    p: Products, hist: Histograms, dimensions: Sequence[str], cfg: ReportSettings, notes: dict[str, list[str]]
) -> WeightChoice:
    """:func:`analysis.report_weights.choose_weights` over the trend window's products."""
    pooled = _pooled(p.items)
    m = _moments(pooled)
    present = [str(c) for c in m.sums.columns]
    dims = list(dimensions)

    def fit(drop: bool) -> RegressionWeights:
        columns = predictors(present, dims)
        n, corr = _correlation_over(m, [*columns, _TARGET])
        return regression_weights_from_correlation(
            corr, n, columns, alpha=DRIVER_ALPHA, drop_insignificant=drop
        )

    def relative() -> dict[str, float]:
        columns = predictors(present, dims)
        n, corr = _correlation_over(m, [*columns, _TARGET])
        enough_rows(n, len(columns))
        return relative_weights_from_correlation(corr, columns)

    def entropy() -> dict[str, float]:
        columns = predictors(present, dims)
        return _entropy(p.dimensions, columns)

    inputs = WeightInputs(
        fit=fit,
        relative=relative,
        entropy=entropy,
        stated=lambda: _stated(hist),
        n=int(m.n.loc[m.sums.notna().any(axis=1)].sum()) if len(m.sums) else 0,
    )
    return weigh(inputs, dims, cfg, notes)


def _entropy(pattern_dimensions: pd.DataFrame, columns: Sequence[str]) -> dict[str, float]:
    """Entropy weights over the responses that have every dimension of ``columns``."""
    rows = pattern_dimensions[pattern_dimensions["dimension"].isin(list(columns))]
    have = rows.groupby(_PAIR)["dimension"].nunique()
    complete = have[have == len(columns)].index
    rows = rows[rows.set_index(_PAIR).index.isin(complete)]
    values = rows.assign(value=rows["item_sum"] / rows["item_count"], column=rows["dimension"])
    histogram = values.groupby(["column", "value"])["n"].sum().reset_index()
    m = int(histogram.loc[histogram["column"] == columns[0], "n"].sum())
    return entropy_from_histogram(histogram, columns, m)


def _stated(hist: Histograms) -> dict[str, float]:
    """Mean importance rating per dimension over the window (stated importance weights)."""
    imp = hist.answers[(hist.answers["role"] == "importance") & hist.answers["dimension"].notna()]
    if imp.empty:
        raise ValueError("no importance ratings in the answers")
    weighted = imp.assign(_x=imp["score"] * imp["n"])
    totals = weighted.groupby("dimension")[["_x", "n"]].sum()
    return stated_weights_from_means(totals["_x"] / totals["n"])


def _dimension_means(m: _Moments) -> dict[str, float]:
    """Each dimension's mean over the responses that rated it (the response is the unit)."""
    groups = [str(c) for c in m.sums.columns if str(c) != _TARGET]
    return {d: float(m.sums[d].sum() / m.n[m.sums[d].notna()].sum()) for d in groups}


def composite_index(p: Products, label: str, weights: Mapping[str, float]) -> pd.DataFrame:
    """:func:`analysis.index.composite_index` of one period (one row: index, n, std, CI, dimensions)."""
    m = _moments(_pooled(p.items[p.items["period"] == label]))
    means = _dimension_means(m)
    index = index_from_means(means, weights)  # also refuses unusable weights
    w = pd.Series(dict(weights), dtype="float64")
    dims = [d for d in means if d in w.index]
    if not dims:
        return _index_frame(index, 0, np.nan, 0, w)
    # Each response's index: Σ w_d · 25 (mean_d − 1) / W over the weighted dimensions it rated,
    # W = Σ w_d over them (a pattern fixes which); the CI needs Σ and Σ² of it over responses.
    stacked = m.sums[dims].stack().dropna().reset_index()
    sums = stacked.set_axis([*_PAIR, "dimension", "sum"], axis=1)
    sums = sums.assign(w=sums["dimension"].map(w)).merge(m.n.rename("count").reset_index(), on=_PAIR)
    total_w = sums.groupby(_PAIR)["w"].sum().rename("total_w").reset_index()
    usable = total_w[total_w["total_w"] > 0]
    sums = sums.merge(usable, on=_PAIR)
    total = float((25.0 / sums["total_w"] * sums["w"] * (sums["sum"] - sums["count"])).sum())
    pairs = m.products[m.products["group_a"].isin(dims) & m.products["group_b"].isin(dims)]
    for side in ("a", "b"):
        pairs = pairs.merge(
            sums.rename(columns={"dimension": f"group_{side}", "sum": f"sum_{side}", "w": f"w_{side}"}),
            on=[*_PAIR, f"group_{side}"],
            suffixes=("", "_again"),
        )
    centred = pairs["value"] - pairs["sum_a"] - pairs["sum_b"] + pairs["count"]
    squares = float(((25.0 / pairs["total_w"]) ** 2 * pairs["w_a"] * pairs["w_b"] * centred).sum())
    n = int(m.n.loc[pd.MultiIndex.from_frame(usable[_PAIR])].sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        std = float(np.sqrt((squares - total**2 / n) / (n - 1))) if n >= 2 else np.nan
    return _index_frame(index, n, std, len(dims), w)


def _index_frame(index: float, n: int, std: float, dimensions: int, w: pd.Series) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "index": [float(index)],
            "n": np.array([n], dtype="int64"),
            "std": [std],
            "dimensions": np.array([dimensions], dtype="int64"),
        }
    )
    half = t_half_width(table["std"], table["n"], 0.95)
    table["ci_low"] = table["index"] - half
    table["ci_high"] = table["index"] + half
    table["complete"] = table["dimensions"] == int((w > 0).sum())
    return table[["index", "n", "std", "ci_low", "ci_high", "dimensions", "complete"]]


def index_table(
    p: Products,
    weights: Mapping[str, float],
    baseline: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """The report's index row (and its notes): this period's index and CI, change and baseline."""
    cur = composite_index(p, p.current, weights)
    prev = composite_index(p, p.previous, weights)
    return index_row(cur, prev, weights, baseline, cfg, notes)

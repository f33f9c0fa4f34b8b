"""Report sections from the aggregates and the bounded raw reads (issue 15; docs/AGGREGATES.md).

Each function returns exactly the table :func:`analysis.report.build_report` shows for that part
and appends the same notes, computed from the day histograms (:class:`analysis.aggregate_figures.
Histograms`) and :class:`ReportReads`: response counts per local day × channel × status (a SQL
GROUP BY), rated responses per day, distinct active customers (COUNT DISTINCT), the abandoned
responses of the current period with their last answer, the window's complaints and follow-up
cases (raw: few), and the pair histograms of SERVQUAL and Kano. None of them grows with answers.
Proven equal to the raw path in tests/analysis_pipeline/test_aggregate_sections.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import periods
from analysis.aggregate_figures import Histograms, day_labels, float_map, nps_counts, weighted_describe
from analysis.correlation import factor_correlation
from analysis.kano import CATEGORIES, evaluate, kano_table
from analysis.report import ipa_section, priorities_section
from analysis.report_complaints import complaint_tables_of
from analysis.report_data import complaints_as_of
from analysis.report_labels import t
from analysis.report_measurement import (
    SERVQUAL_COLUMNS,
    collection_table,
    margins_table,
    model_table,
    nps_table,
    plan_table,
    servqual_section,
)
from analysis.report_settings import ReportSettings
from analysis.scores import dropoff
from analysis.servqual import ServqualResult, servqual_of_table

__all__ = [
    "ReportReads",
    "collection_table",
    "complaint_sections",
    "complaints_window",
    "correlation_table",
    "dropoff_table",
    "ipa_table",
    "kano_section",
    "margins_section",
    "model_section",
    "nps_section",
    "plan_table",
    "priorities_table",
    "responses_table",
    "servqual_table",
    "trend_counts",
]

_STATUS_COLUMNS = {"completed": "completed", "abandoned": "abandoned", "started": "in_progress"}


@dataclass(frozen=True)
class ReportReads:
    """What a report reads besides the histograms (``storage.report_reads.load_report_reads``)."""

    response_counts: pd.DataFrame  # day, channel (None: none), status, n — started in [window start, now]
    rated: pd.DataFrame  # day, n — kept, non-repeat responses with rated items, by day of first answer
    active: Mapping[str, int]  # "current" / "previous": distinct customers who answered or complained
    abandoned: pd.DataFrame  # response_id, question_key (None: no answer), answered_at — current period
    complaints: pd.DataFrame  # the window's complaints and older open ones (analysis.frames contract)
    follow_ups: pd.DataFrame  # follow-up cases (analysis.frames contract)
    reasons: pd.DataFrame  # reasons picked after low ratings this period (analysis.frames contract)
    # The current period's pair histograms (storage reads only its days):
    kano: pd.DataFrame  # feature, dysfunctional, functional_score, dysfunctional_score, n
    servqual: pd.DataFrame  # dimension, gap_sum, pair_count, n, perception_sum, expectation_sum


def _labelled(frame: pd.DataFrame, freq: periods.Freq, tz: str) -> pd.DataFrame:
    if frame.empty:
        return frame.assign(period=pd.Series(dtype="str"))
    return frame.assign(period=day_labels(frame["day"], freq, tz))


def complaints_window(reads: ReportReads, now: pd.Timestamp, freq: periods.Freq, tz: str) -> pd.DataFrame:
    """The complaints as they stood at ``now``, with their period (the report's ``data.complaints``)."""
    return complaints_as_of(reads.complaints, now, freq, tz)


def _status_counts(counts: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """:func:`analysis.scores.response_counts` of the responses these counts stand for."""
    keys = list(by)
    wide = counts.assign(started=counts["n"])
    for status, column in _STATUS_COLUMNS.items():
        wide[column] = counts["n"].where(counts["status"] == status, 0)
    columns = ["started", "completed", "abandoned", "in_progress"]
    if keys:
        table = wide.groupby(keys)[columns].sum().reset_index()
    else:
        table = wide[columns].sum().to_frame().T
    table[columns] = table[columns].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["completion_rate"] = table["completed"] / table["started"].where(table["started"] > 0)
    return table


def _counts_in(reads: ReportReads, label: str, freq: periods.Freq, tz: str) -> pd.DataFrame:
    counts = _labelled(reads.response_counts, freq, tz)
    return counts[counts["period"] == label]


def responses_table(reads: ReportReads, hist: Histograms, freq: periods.Freq, tz: str) -> pd.DataFrame:
    """Started / completed / abandoned / in progress, completion rate and active customers, this
    period then the previous one (column 'which')."""
    rows = []
    for which, label in (("current", hist.current), ("previous", hist.previous)):
        table = _status_counts(_counts_in(reads, label, freq, tz), ())
        rows.append(table.assign(which=which, active_customers=int(reads.active[which])))
    return pd.concat(rows, ignore_index=True)


def dropoff_table(reads: ReportReads) -> pd.DataFrame:
    """Where the current period's abandoned responses stopped (their last answered question)."""
    abandoned = reads.abandoned
    answered = abandoned[abandoned["question_key"].notna()].astype({"question_key": "str"})
    return dropoff(answered, abandoned[["response_id"]].assign(status="abandoned"))


def collection_section(
    reads: ReportReads,
    hist: Histograms,
    freq: periods.Freq,
    tz: str,
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """Responses per channel this period (measurement.collection; notes: gbt_collection)."""
    counts = _counts_in(reads, hist.current, freq, tz)
    # Like response_counts' groupby: responses without a channel are in no row.
    table = _status_counts(counts, ["channel"]) if len(counts) else pd.DataFrame()
    return collection_table(table, hist.cleaning, cfg, notes)


def _current_answers(hist: Histograms) -> pd.DataFrame:
    return hist.answers[hist.answers["period"] == hist.current]


def model_section(
    hist: Histograms,
    dimensions: Sequence[str],
    weights: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """The measurement model (measurement.model; notes: gbt_model)."""
    return model_table(_current_answers(hist), dimensions, weights, cfg, notes)


def margins_section(
    hist: Histograms,
    index_n: int,
    dims: pd.DataFrame,
    required: int,
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """Achieved margins of error (measurement.margins; notes: gbt_sampling, after :func:`plan_table`)."""
    current = _current_answers(hist)
    csat_n = int(current.loc[current["role"] == "overall", "n"].sum())
    nps_n = int(current.loc[current["role"] == "nps", "n"].sum())
    return margins_table(index_n, dims, csat_n, nps_n, required, cfg, notes)


def nps_section(hist: Histograms, cfg: ReportSettings) -> pd.DataFrame:
    """NPS with its interval and the change (measurement.nps)."""
    return nps_table(nps_counts(hist, hist.current), nps_counts(hist, hist.previous), cfg)


def _per_period(values: pd.Series, labels: Sequence[str]) -> np.ndarray:
    return values.reindex(list(labels), fill_value=0).astype("int64").to_numpy()


def trend_counts(
    reads: ReportReads, hist: Histograms, complaints: pd.DataFrame, freq: periods.Freq, tz: str
) -> pd.DataFrame:
    """Per trend period: rated responses (n), completed responses, complaints and their rate per 1,000.

    ``complaints``: :func:`complaints_window`. The report's trend is these with
    ``aggregate_figures.trend_index`` and ``trend_satisfaction`` (columns period, n, index, csat,
    nps, responses, complaints, complaint_rate).
    """
    rated = _labelled(reads.rated, freq, tz).groupby("period")["n"].sum()
    counts = _labelled(reads.response_counts, freq, tz)
    completed = counts[counts["status"] == "completed"].groupby("period")["n"].sum()
    table = pd.DataFrame(
        {
            "period": list(hist.labels),
            "n": _per_period(rated, hist.labels),
            "responses": _per_period(completed, hist.labels),
            "complaints": _per_period(complaints["period"].value_counts(), hist.labels),
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = table["complaints"] * 1000 / table["responses"].where(table["responses"] > 0)
    table["complaint_rate"] = rate
    return table


def correlation_table(
    reads: ReportReads, hist: Histograms, complaints: pd.DataFrame, freq: periods.Freq, tz: str
) -> pd.DataFrame:
    """Correlations of the per-period factors (Report.correlation), as ``period_factor_table`` builds them."""
    dims = weighted_describe(hist.dimensions, "value", ["period", "dimension"])
    means = dims.pivot(index="period", columns="dimension", values="mean")
    overall_rows = hist.answers[hist.answers["role"] == "overall"]
    weighted = overall_rows.assign(_wx=overall_rows["score"] * overall_rows["n"])
    sums = weighted.groupby("period")[["_wx", "n"]].sum()
    overall = (sums["_wx"] / sums["n"]).rename("overall")
    counts = _labelled(reads.response_counts, freq, tz)
    done = counts[counts["status"] == "completed"].groupby("period")["n"].sum()
    n_resp = done[done > 0].rename("responses")
    window = complaints[complaints["period"].isin(list(hist.labels))]
    n_compl = window["period"].value_counts().rename("complaints")
    table = pd.concat([means, overall, n_resp, n_compl], axis=1).sort_index()
    table[["responses", "complaints"]] = table[["responses", "complaints"]].fillna(0).astype("int64")
    table["complaint_rate"] = table["complaints"] * 1000 / table["responses"].where(table["responses"] > 0)
    table.index.name = "period"
    table.columns.name = None
    table = table[table.index.isin(list(hist.labels))]
    return factor_correlation(table).assign(periods=len(table))


def ipa_table(
    hist: Histograms,
    dims: pd.DataFrame,
    weights: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """IPA (Report.ipa): stated importance of this period, else of the window, else the index weights."""
    importance = hist.answers[hist.answers["role"] == "importance"]
    stated = importance[importance["period"] == hist.current]
    if stated.empty:
        stated = importance
    means = None
    if not stated.empty:
        means = float_map(weighted_describe(stated, "score", ["dimension"]), "dimension", "mean")
    return ipa_section(means, dims, weights, cfg, notes)


def priorities_table(
    ipa: pd.DataFrame, dims: pd.DataFrame, complaints: pd.DataFrame, hist: Histograms, cfg: ReportSettings
) -> pd.DataFrame:
    """Ranked improvement areas (Report.priorities); ``complaints``: :func:`complaints_window`."""
    cur = complaints[complaints["period"] == hist.current]
    prev = complaints[complaints["period"] == hist.previous]
    return priorities_section(ipa, dims, cur, prev, cfg)


def complaint_sections(
    reads: ReportReads,
    hist: Histograms,
    complaints: pd.DataFrame,
    now: pd.Timestamp,
    freq: periods.Freq,
    tz: str,
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> dict[str, pd.DataFrame]:
    """The complaint tables (keys as ``report_complaints.complaint_tables``; notes: complaints,
    timeliness, overdue, keywords); ``complaints``: :func:`complaints_window`."""
    counts = _counts_in(reads, hist.current, freq, tz)
    completed = int(counts.loc[counts["status"] == "completed", "n"].sum())
    return complaint_tables_of(
        complaints[complaints["period"] == hist.current],
        complaints[complaints["period"] == hist.previous],
        complaints,
        completed,
        int(reads.active["current"]),
        now,
        cfg,
        notes,
    )


def _current_keys(hist: Histograms) -> dict[str, str | None]:
    """Question keys scored this period, with their dimension."""
    current = _current_answers(hist)
    first = current.groupby("question_key")["dimension"].first()
    return {str(k): (None if pd.isna(v) else str(v)) for k, v in first.items()}


def servqual_table(
    reads: ReportReads,
    hist: Histograms,
    dims: pd.DataFrame,
    weights: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> tuple[pd.DataFrame, tuple[float, float] | None]:
    """SERVQUAL gaps (measurement.servqual, servqual_overall; notes: gbt_servqual).

    The pair table holds the pairs the survey definitions name; ``cfg.design`` is read from the
    same definitions, so the two agree.
    """
    keys = _current_keys(hist)
    pairs = dict(cfg.design.expectation_of)
    asked = [(e, p) for e, p in pairs.items() if e in keys and p in keys]
    current = _current_answers(hist)
    expectations = current[(current["role"] == "expectation") & current["question_key"].isin(list(pairs))]
    if expectations.empty:
        return pd.DataFrame(columns=SERVQUAL_COLUMNS), None
    result: ServqualResult | None = None
    # The raw path cannot score a pair whose perception item has no dimension: then none at all.
    if all(keys[p] is not None for _, p in asked):
        order = list(dict.fromkeys(str(keys[p]) for _, p in asked))
        result = _servqual_result(reads.servqual, order)
    return servqual_section(result, dims, weights, cfg, notes)


def _servqual_result(pairs: pd.DataFrame, order: list[str]) -> ServqualResult | None:
    rows = pairs[pairs["dimension"].isin(order)]
    if rows.empty:
        return None
    per = rows.assign(
        _gap=rows["gap_sum"] / rows["pair_count"] * rows["n"], _pairs=rows["pair_count"] * rows["n"]
    )
    sums = per.groupby("dimension")[["_gap", "_pairs", "n", "perception_sum", "expectation_sum"]].sum()
    sums = sums.reindex([d for d in order if d in sums.index])
    table = pd.DataFrame(
        {
            "dimension": list(sums.index),
            "perception": (sums["perception_sum"] / sums["_pairs"]).to_numpy(dtype=float),
            "expectation": (sums["expectation_sum"] / sums["_pairs"]).to_numpy(dtype=float),
            "gap": (sums["_gap"] / sums["n"]).to_numpy(dtype=float),
            "n": sums["n"].astype("int64").to_numpy(),
        }
    )
    return servqual_of_table(table)


def kano_section(
    reads: ReportReads, hist: Histograms, cfg: ReportSettings, notes: dict[str, list[str]]
) -> pd.DataFrame:
    """Kano categories per feature (measurement.kano; notes: gbt_kano)."""
    keys = _current_keys(hist)
    rows = reads.kano
    found: list[tuple[str, dict[str, int]]] = []
    for functional, dysfunctional in cfg.design.kano_pairs.items():
        if functional not in keys or dysfunctional not in keys:
            continue
        mine = rows[(rows["feature"] == functional) & (rows["dysfunctional"] == dysfunctional)]
        if mine.empty:
            continue
        codes = [
            evaluate(int(f), int(d))
            for f, d in zip(mine["functional_score"], mine["dysfunctional_score"], strict=True)
        ]
        counts = pd.Series(mine["n"].to_numpy(), index=codes).groupby(level=0).sum()
        found.append((str(functional), {c: int(counts.get(c, 0)) for c in CATEGORIES}))
    table = kano_table(found)
    if not table.empty:
        notes.setdefault("gbt_kano", []).append(t("n_gbt_kano", cfg.lang))
    return table

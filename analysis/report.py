"""The service-quality report (服务质量测定报告) for one day, week or month.

:func:`build_report` runs every analysis of this package over the frames of
:mod:`analysis.frames` and returns a :class:`Report`: plain tables (pandas) plus small accessors
for the headline figures (index, change, dimension rows, top priorities, complaint headline) that a
chat digest can reuse. ``Report.to_text / to_markdown / to_html / to_json`` render it; the HTML is
one self-contained file with the charts embedded as base64 PNG.

Choices (each stated in the report itself where it matters):
- Scores use completed responses that pass cleaning (:mod:`analysis.cleaning`, one cycle = one
  report period); the cleaning counts are shown in every report.
- One set of dimension weights serves every period of the report, so index changes are not
  weight changes. Data-driven weights are estimated on all cleaned responses of the trend window.
- Baseline (基准值): configured dimension means, else the mean of the earlier trend periods.
- Complaint figures are reconstructed as they stood at ``now`` (a ticket resolved later counts as
  open), so a report on a past period does not change when tickets move on.
- Personal data never appears: no phone numbers, names or complaint texts; customers only as
  counts; keywords that look like a phone number, an e-mail or a Chinese personal name are dropped.

The report's parts live in their own modules, all re-exported here: settings
(:mod:`analysis.report_settings`), the inputs cut to the window (:mod:`analysis.report_data`),
weights (:mod:`analysis.report_weights`), complaint tables (:mod:`analysis.report_complaints`), the
Report object (:mod:`analysis.report_model`), labels (:mod:`analysis.report_labels`), sections
(:mod:`analysis.report_format`, :mod:`analysis.report_sections`) and renderings
(:mod:`analysis.report_render`). This module builds the survey-side tables and assembles them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pandas as pd

from analysis import periods
from analysis.correlation import factor_correlation, period_factor_table
from analysis.index import (
    STATUS_DOWN,
    STATUS_UP,
    compare_periods,
    compare_to_baseline,
    composite_index,
    index_from_means,
    index_vs_baseline,
)
from analysis.priorities import ipa, load_improvement_areas, rank_improvements
from analysis.reliability import alpha_by_dimension
from analysis.report_complaints import complaint_tables, is_personal
from analysis.report_data import ReportData, active_customers, prepare_data
from analysis.report_follow_ups import follow_up_tables, with_reason_picks
from analysis.report_format import SHOWN_IDS, Column, Fmt, Section, Table, float_dict
from analysis.report_labels import TEXT, t
from analysis.report_measurement import Measurement, measurement
from analysis.report_model import (
    ComplaintHeadline,
    DimensionRow,
    FollowUpHeadline,
    Headline,
    PriorityRow,
    Report,
    ReportMeta,
)
from analysis.report_render import render_charts
from analysis.report_sections import sections
from analysis.report_settings import (
    DEFAULT_BLEND,
    DEFAULT_SLA_HOURS,
    WEIGHT_METHODS,
    Lang,
    ReportSettings,
    SamplingPlan,
    SurveyDesign,
    WeightMethod,
    report_window,
    to_utc,
)
from analysis.report_weights import WeightChoice, choose_weights
from analysis.scores import (
    dimension_scores,
    dropoff,
    question_scores,
    rating_answers,
    response_counts,
    satisfaction,
)

__all__ = [
    "DEFAULT_BLEND",
    "DEFAULT_SLA_HOURS",
    "SHOWN_IDS",
    "TEXT",
    "WEIGHT_METHODS",
    "Column",
    "ComplaintHeadline",
    "DimensionRow",
    "Fmt",
    "FollowUpHeadline",
    "Headline",
    "Lang",
    "Measurement",
    "PriorityRow",
    "Report",
    "ReportMeta",
    "ReportSettings",
    "SamplingPlan",
    "Section",
    "SurveyDesign",
    "Table",
    "WeightMethod",
    "build_report",
    "is_personal",
    "render_charts",
    "report_window",
    "sections",
]


def build_report(
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    complaints: pd.DataFrame,
    now: pd.Timestamp,
    period: periods.Freq = "week",
    settings: ReportSettings | None = None,
    *,
    follow_ups: pd.DataFrame | None = None,
    reasons: pd.DataFrame | None = None,
) -> Report:
    """Assemble the report for the period containing ``now`` (see the module doc for the choices).

    ``follow_ups`` and ``reasons`` (the closed loop after low ratings) are optional: without them
    that section reports no data.
    """
    cfg = settings or ReportSettings()
    now = to_utc(now)
    data = prepare_data(answers, responses, complaints, now, period, cfg)
    notes: dict[str, list[str]] = {
        "cleaning": [t("n_cleaning", cfg.lang, min_items=cfg.min_items, seconds=cfg.min_seconds_per_item)]
    }
    choice = choose_weights(data, cfg, notes)
    weights = choice.weights
    baseline, baseline_source = _baseline(data, cfg)
    dims = _dimensions(data, baseline, cfg)
    index = _index(data, weights, baseline, cfg, notes)
    sat, counts = _satisfaction_and_counts(data)
    complaint_frames = complaint_tables(data, now, cfg, notes)
    loop = follow_up_tables(follow_ups, reasons, data.current, data.previous, now, cfg.lang, notes)
    trend, dim_trend = _trend(data, weights)
    ipa_table = _ipa(data, dims, weights, cfg, notes)
    measured = measurement(data, cfg, int(index["n"].iloc[0]), dims, weights, notes)
    return finish_report(
        cfg,
        now,
        period,
        (data.current, data.previous, data.labels),
        choice,
        baseline_source,
        complaint_frames,
        loop,
        notes,
        index=index,
        dimensions=dims,
        questions=asking_order(question_scores(data.answers_in(data.current.label)), cfg.question_texts),
        satisfaction=sat,
        responses=counts,
        dropoff=_dropoff(data),
        cleaning=data.cleaning,
        reliability=_reliability(data),
        correlation=_correlation(data, cfg),
        ipa=ipa_table,
        priorities=_priorities(data, ipa_table, dims, cfg),
        trend=trend,
        dimension_trend=dim_trend,
        measurement=measured,
    )


def finish_report(
    cfg: ReportSettings,
    now: pd.Timestamp,
    period: periods.Freq,
    window: tuple[periods.PeriodBounds, periods.PeriodBounds, tuple[str, ...]],
    choice: WeightChoice,
    baseline_source: str,
    complaint_frames: Mapping[str, pd.DataFrame],
    loop: Mapping[str, pd.DataFrame],
    notes: Mapping[str, list[str]],
    **tables: Any,
) -> Report:
    """The Report from its survey-side ``tables``, the weights, complaint and follow-up tables and the
    notes (``window``: current and previous period, trend labels); with charts when ``cfg.charts``.

    Both :func:`build_report` and the report from aggregates finish here.
    """
    current, previous, labels = window
    report = plain_report(
        meta=ReportMeta(
            freq=period,
            lang=cfg.lang,
            tz=cfg.tz,
            current=current,
            previous=previous,
            trend_labels=labels,
            now=now,
            min_n=cfg.min_n,
            weights_used=choice.used,
            baseline_source=baseline_source,
            sla_hours=dict(cfg.sla_hours),
            question_texts=dict(cfg.question_texts),
        ),
        weights=choice.table,
        drivers=choice.drivers,
        complaints=complaint_frames["summary"],
        complaints_by_category=with_reason_picks(complaint_frames["by_category"], loop["reasons"]),
        complaints_by_dimension=complaint_frames["by_dimension"],
        timeliness=complaint_frames["timeliness"],
        overdue=complaint_frames["overdue"],
        keywords=complaint_frames["keywords"],
        rising_keywords=complaint_frames["rising"],
        follow_ups=loop["summary"],
        follow_up_overdue=loop["overdue"],
        reasons=loop["reasons"],
        notes={key: tuple(value) for key, value in notes.items()},
        **tables,
    )
    return report.with_charts() if cfg.charts else report


def plain_report(**fields: Any) -> Report:
    """A Report whose tables hold plain strings, not the categories used while computing."""
    plain: dict[str, Any] = {name: _plain(value) for name, value in fields.items()}
    return Report(**plain)


def _plain(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return value.astype(
            {c: "str" for c in value.columns if isinstance(value[c].dtype, pd.CategoricalDtype)}
        )
    if isinstance(value, Measurement):
        return replace(value, **{f.name: _plain(getattr(value, f.name)) for f in fields(value)})
    return value


def _baseline(data: ReportData, cfg: ReportSettings) -> tuple[dict[str, float], str]:
    """Configured 基准值, else each dimension's mean over the trend periods before the current one."""
    if cfg.baseline:
        return dict(cfg.baseline), t("baseline_configured", cfg.lang)
    earlier = [label for label in data.labels if label != data.current.label]
    history = data.clean[data.clean["period"].isin(earlier)]
    if history.empty:
        return {}, t("baseline_none", cfg.lang)
    means = dimension_scores(history)
    present = means.dropna(subset=["mean"])
    return (
        {str(d): float(m) for d, m in zip(present["dimension"], present["mean"], strict=True)},
        t("baseline_history", cfg.lang, n=len(earlier)),
    )


def _dimensions(data: ReportData, baseline: Mapping[str, float], cfg: ReportSettings) -> pd.DataFrame:
    """Per dimension: n, mean, CI, low share; change vs previous (Welch) and vs baseline, with verdicts."""
    dims = list(data.dimensions)
    cur = dimension_scores(data.answers_in(data.current.label))
    prev = dimension_scores(data.answers_in(data.previous.label))
    grid = pd.DataFrame({"dimension": dims})
    table = grid.merge(cur, on="dimension", how="left")
    table["n"] = table["n"].fillna(0).astype("int64")
    change = compare_periods(table, prev, min_n=cfg.min_n)
    table["previous"] = table["dimension"].map(change.set_index("dimension")["mean_prev"])
    table["change"] = table["dimension"].map(change.set_index("dimension")["diff"])
    table["change_status"] = table["dimension"].map(change.set_index("dimension")["status"]).astype("str")
    against = compare_to_baseline(table, baseline, min_n=cfg.min_n)
    table["baseline"] = against["baseline"]
    table["vs_baseline"] = against["diff"]
    table["baseline_status"] = against["status"].astype("str")
    table["below_baseline"] = against["status"] == STATUS_DOWN
    return table


def _index(
    data: ReportData,
    weights: Mapping[str, float],
    baseline: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """One row: index, CI, n; previous, change and verdict; baseline index, difference and verdict."""
    cur = _index_of(data.answers_in(data.current.label), weights)
    prev = _index_of(data.answers_in(data.previous.label), weights)
    return index_row(cur, prev, weights, baseline, cfg, notes)


def index_row(
    cur: pd.DataFrame,
    prev: pd.DataFrame,
    weights: Mapping[str, float],
    baseline: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """The index row from :func:`analysis.index.composite_index` of this and the previous period."""
    lang = cfg.lang
    change = compare_periods(cur, prev, on=(), value="index", min_n=cfg.min_n)
    row = cur.copy()
    row["previous"] = prev["index"].to_numpy()
    row["previous_n"] = prev["n"].to_numpy()
    row["change"] = change["diff"].to_numpy()
    row["change_p"] = change["p_value"].to_numpy()
    row["change_status"] = change["status"].astype("str").to_numpy()
    if baseline:
        against = index_vs_baseline(cur, baseline, weights, min_n=cfg.min_n)
        row["baseline"] = against["baseline"].to_numpy()
        row["vs_baseline"] = against["diff"].to_numpy()
        row["baseline_status"] = against["status"].astype("str").to_numpy()
    else:
        row["baseline"], row["vs_baseline"], row["baseline_status"] = np.nan, np.nan, "no_baseline"
    section = notes.setdefault("index", [])
    n, n_prev = int(row["n"].iloc[0]), int(row["previous_n"].iloc[0])
    if 0 < n < cfg.min_n:
        section.append(t("n_low_sample", lang, n=n, min_n=cfg.min_n))
    if n > 0 and n_prev < cfg.min_n:
        section.append(t("n_prev_low_sample", lang, n=n_prev, min_n=cfg.min_n))
    missing = sum(1 for d, w in weights.items() if w > 0) - int(row["dimensions"].iloc[0])
    if 0 < missing and n > 0:
        section.append(t("n_incomplete", lang, missing=missing))
    section.append(t("n_change_rule", lang, min_n=cfg.min_n))
    return row.reset_index(drop=True)


def _index_of(answers: pd.DataFrame, weights: Mapping[str, float], by: Sequence[str] = ()) -> pd.DataFrame:
    """composite_index with a plain-string dimension: it maps dimensions to weights, and mapping a
    categorical one-to-one would give a categorical that cannot be multiplied."""
    return composite_index(answers.astype({"dimension": "str"}), weights, by)


def _satisfaction_and_counts(data: ReportData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CSAT/NPS and response counts, this period then the previous one (column 'which')."""
    sats, counts = [], []
    for which, label in (("current", data.current.label), ("previous", data.previous.label)):
        sats.append(satisfaction(data.answers_in(label)).assign(which=which))
        responses = data.responses_in(label)
        row = response_counts(responses).assign(
            which=which, active_customers=active_customers(responses, data.complaints_in(label))
        )
        counts.append(row)
    return pd.concat(sats, ignore_index=True), pd.concat(counts, ignore_index=True)


def _dropoff(data: ReportData) -> pd.DataFrame:
    responses = data.responses_in(data.current.label)
    answers = data.answers[data.answers["response_id"].isin(responses["response_id"])]
    return dropoff(answers.astype({"question_key": "str"}), responses)


def _reliability(data: ReportData) -> pd.DataFrame:
    current = data.answers_in(data.current.label)
    # Versions ask different items; pooling them would drop every response lacking an item.
    by = ["survey_version_id"] if current["survey_version_id"].nunique() > 1 else []
    return alpha_by_dimension(current, by)


def _correlation(data: ReportData, cfg: ReportSettings) -> pd.DataFrame:
    window = data.complaints[data.complaints["period"].isin(data.labels)]
    table = period_factor_table(data.clean, data.responses, window, data.freq, cfg.tz)
    table = table[table.index.isin(data.labels)]
    result = factor_correlation(table)
    return result.assign(periods=len(table))


def _ipa(
    data: ReportData,
    dims: pd.DataFrame,
    weights: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """IPA on this period's dimension means; importance = stated importance, else the index weights."""
    stated = rating_answers(data.answers_in(data.current.label), ("importance",))
    if stated.empty:
        stated = rating_answers(data.clean, ("importance",))
    means = None if stated.empty else float_dict(stated.groupby("dimension")["score"].mean())
    return ipa_section(means, dims, weights, cfg, notes)


def ipa_section(
    stated: Mapping[str, float] | None,
    dims: pd.DataFrame,
    weights: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """IPA of the dimension rows against stated importance means (None: the index weights; notes: ipa)."""
    if stated is None:
        importance = dict(weights)
        source = t("n_ipa_weights", cfg.lang)
    else:
        importance = dict(stated)
        source = t("n_ipa_stated", cfg.lang)
    notes.setdefault("ipa", []).append(t("n_ipa_importance", cfg.lang, source=source))
    performance = float_dict(dims.dropna(subset=["mean"]).set_index("dimension")["mean"])
    table = ipa(importance, performance)
    if not table.empty:
        crosshairs = {
            "performance": f"{table['performance_cross'].iloc[0]:.2f}",
            "importance": f"{table['importance_cross'].iloc[0]:.2f}",
        }
        notes["ipa"].append(t("n_ipa_crosshair", cfg.lang, **crosshairs))
    return table


def _priorities(
    data: ReportData, ipa_table: pd.DataFrame, dims: pd.DataFrame, cfg: ReportSettings
) -> pd.DataFrame:
    return priorities_section(
        ipa_table, dims, data.complaints_in(data.current.label), data.complaints_in(data.previous.label), cfg
    )


def priorities_section(
    ipa_table: pd.DataFrame,
    dims: pd.DataFrame,
    complaints: pd.DataFrame,
    previous_complaints: pd.DataFrame,
    cfg: ReportSettings,
) -> pd.DataFrame:
    """The top improvement areas from the IPA, significant score changes and both periods' complaints."""
    areas = load_improvement_areas(cfg.areas_file)
    # A difference that is not significant is not a change: it neither ranks an area up nor is
    # called a drop in the reasons.
    moved = dims[dims["change_status"].isin([STATUS_UP, STATUS_DOWN])]
    change = float_dict(moved.set_index("dimension")["change"])
    ranked = rank_improvements(
        ipa_table,
        areas,
        complaints=complaints,
        previous_complaints=previous_complaints,
        score_change=change,
    )
    # Without this period's scores a ranking would only sort areas by cost: show none.
    shown = 0 if ipa_table.empty else cfg.top_priorities
    return ranked.head(shown).reset_index(drop=True)


def _trend(data: ReportData, weights: Mapping[str, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per trend period: index, n, CSAT, NPS, completed responses, complaints and their rate."""
    labels = list(data.labels)
    dims = dimension_scores(data.clean, ["period"])
    grid = pd.MultiIndex.from_product([labels, list(data.dimensions)], names=["period", "dimension"])
    dim_trend = dims.set_index(["period", "dimension"]).reindex(grid).reset_index()
    dim_trend["period"] = dim_trend["period"].astype("str")
    dim_trend["dimension"] = dim_trend["dimension"].astype("str")
    # The index of a period is a function of its dimension means (index_from_means); only the
    # current period needs composite_index's per-response CI, so the trend skips that pass.
    means = dim_trend.pivot(index="period", columns="dimension", values="mean").reindex(labels)
    items = data.clean[data.clean["role"] == "item"]
    rated = items.groupby("period", observed=True)["response_id"].nunique().reindex(labels)
    sat = satisfaction(data.clean, by=["period"]).set_index("period").reindex(labels)
    completed = data.responses[data.responses["status"] == "completed"]
    n_completed = completed["period"].value_counts().reindex(labels, fill_value=0)
    n_complaints = data.complaints["period"].value_counts().reindex(labels, fill_value=0)
    trend = pd.DataFrame(
        {
            "period": labels,
            "n": rated.fillna(0).astype("int64").to_numpy(),
            "index": [index_from_means(float_dict(row.dropna()), weights) for _, row in means.iterrows()],
            "csat": sat["csat"].to_numpy(),
            "nps": sat["nps"].to_numpy(),
            "responses": n_completed.to_numpy(),
            "complaints": n_complaints.to_numpy(),
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = trend["complaints"] * 1000 / trend["responses"].where(trend["responses"] > 0)
    trend["complaint_rate"] = rate
    return trend, dim_trend[["period", "dimension", "n", "mean", "ci_low", "ci_high"]]


def asking_order(questions: pd.DataFrame, order: Iterable[str]) -> pd.DataFrame:
    """Question rows in the order the survey asks them (``order``: keys); unknown keys last, by key."""
    rank = {key: position for position, key in enumerate(order)}
    # As plain strings: a categorical key column would sort by its categories, not by the positions.
    position = questions["question_key"].astype(str).map(lambda key: rank.get(key, len(rank))).astype("int64")
    ordered = questions.assign(_position=position).sort_values(["_position", "question_key"], kind="stable")
    return ordered.drop(columns="_position").reset_index(drop=True)

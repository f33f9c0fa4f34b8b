"""The whole service-quality report from the aggregates (issue 15), equal to :func:`build_report`'s.

:func:`build_report_from_aggregates` assembles every :class:`Report` field from the day histograms
and cross-products storage keeps as answers arrive (:mod:`analysis.aggregate_figures`,
:mod:`analysis.aggregate_measurement`, :mod:`analysis.aggregate_sections`) plus the few rows that are
raw by nature and bounded (the window's complaints, follow-up cases and reasons; see
docs/AGGREGATES.md). It never sees a raw answer. tests/analysis_pipeline/test_report_from_aggregates.py
asserts, field by field, that it equals ``build_report`` on the raw rows.

A figure the aggregates cannot serve for some report raises :class:`NotServed`; callers then build
that report from raw rows (``build_report``) and say so, rather than show a report with a figure
missing or wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from analysis import aggregate_figures as agg
from analysis import aggregate_measurement as measure
from analysis import aggregate_sections as sections
from analysis import periods
from analysis.aggregate_figures import NotServed
from analysis.aggregate_sections import ReportReads
from analysis.report import asking_order, finish_report
from analysis.report_follow_ups import follow_up_tables
from analysis.report_labels import t
from analysis.report_measurement import Measurement
from analysis.report_model import Report
from analysis.report_settings import ReportSettings, to_utc

__all__ = ["AggregateReportInputs", "AggregateTables", "NotServed", "build_report_from_aggregates"]


class AggregateTables(Protocol):
    """The aggregate frames of a report window (``storage.aggregate_frames.AggregateFrames``)."""

    @property
    def answer_counts(self) -> pd.DataFrame: ...
    @property
    def dimension_counts(self) -> pd.DataFrame: ...
    @property
    def response_counts(self) -> pd.DataFrame: ...
    @property
    def item_products(self) -> pd.DataFrame: ...
    @property
    def pattern_dimensions(self) -> pd.DataFrame: ...


@dataclass(frozen=True)
class AggregateReportInputs:
    """What a report from aggregates reads: the aggregate tables and the bounded raw reads."""

    tables: AggregateTables
    reads: ReportReads


def build_report_from_aggregates(
    inputs: AggregateReportInputs,
    now: pd.Timestamp,
    period: periods.Freq = "week",
    settings: ReportSettings | None = None,
) -> Report:
    """The report :func:`analysis.report.build_report` makes for the period containing ``now``.

    Raises :class:`NotServed` when some figure cannot be computed from the aggregates.
    """
    cfg = settings or ReportSettings()
    now = to_utc(now)
    tables, reads = inputs.tables, inputs.reads
    hist = agg.histograms(
        tables.answer_counts,
        tables.dimension_counts,
        tables.response_counts,
        now,
        period,
        cfg.tz,
        cfg.trend_periods,
    )
    products = measure.products(
        tables.item_products, tables.pattern_dimensions, now, period, cfg.tz, cfg.trend_periods
    )
    bounds = periods.last_periods(now, max(cfg.trend_periods, 2), period, cfg.tz)
    current, previous = bounds[-1], bounds[-2]
    dimensions = agg.present_dimensions(hist)
    # Notes in build_report's order within each section (the sections render them in that order).
    notes: dict[str, list[str]] = {
        "cleaning": [t("n_cleaning", cfg.lang, min_items=cfg.min_items, seconds=cfg.min_seconds_per_item)]
    }
    choice = measure.choose_weights(products, hist, dimensions, cfg, notes)
    weights = choice.weights
    baseline, baseline_source = _baseline(hist, cfg)
    dims = agg.dimension_table(hist, cfg.min_n, baseline)
    index = measure.index_table(products, weights, baseline, cfg, notes)
    complaints = sections.complaints_window(reads, now, period, cfg.tz)
    complaint_frames = sections.complaint_sections(reads, hist, complaints, now, period, cfg.tz, cfg, notes)
    loop = follow_up_tables(reads.follow_ups, reads.reasons, current, previous, now, cfg.lang, notes)
    ipa_table = sections.ipa_table(hist, dims, weights, cfg, notes)
    plan, required = sections.plan_table(cfg, notes)
    validity, loadings, convergent, alpha_deleted = measure.validity(products, dimensions, cfg, notes)
    servqual, servqual_overall = sections.servqual_table(reads, hist, dims, weights, cfg, notes)
    measured = Measurement(
        model=sections.model_section(hist, dimensions, weights, cfg, notes),
        plan=plan,
        margins=sections.margins_section(hist, int(index["n"].iloc[0]), dims, required, cfg, notes),
        collection=sections.collection_section(reads, hist, period, cfg.tz, cfg, notes),
        validity=validity,
        loadings=loadings,
        convergent=convergent,
        alpha_deleted=alpha_deleted,
        servqual=servqual,
        servqual_overall=servqual_overall,
        kano=sections.kano_section(reads, hist, cfg, notes),
        nps=sections.nps_section(hist, cfg),
    )
    return finish_report(
        cfg,
        now,
        period,
        (current, previous, hist.labels),
        choice,
        baseline_source,
        complaint_frames,
        loop,
        notes,
        index=index,
        dimensions=dims,
        questions=asking_order(agg.question_scores(hist, hist.current), cfg.question_texts),
        satisfaction=_satisfaction(hist),
        responses=sections.responses_table(reads, hist, period, cfg.tz),
        dropoff=sections.dropoff_table(reads),
        cleaning=hist.cleaning,
        reliability=measure.reliability(products),
        correlation=sections.correlation_table(reads, hist, complaints, period, cfg.tz),
        ipa=ipa_table,
        priorities=sections.priorities_table(ipa_table, dims, complaints, hist, cfg),
        trend=_trend(reads, hist, complaints, weights, period, cfg.tz),
        dimension_trend=agg.dimension_trend(hist),
        measurement=measured,
    )


def _baseline(hist: agg.Histograms, cfg: ReportSettings) -> tuple[dict[str, float], str]:
    """As build_report's: the configured 基准值, else the earlier trend periods' dimension means."""
    if cfg.baseline:
        return dict(cfg.baseline), t("baseline_configured", cfg.lang)
    earlier = [label for label in hist.labels if label != hist.current]
    if not hist.answers["period"].isin(earlier).any():
        return {}, t("baseline_none", cfg.lang)
    return agg.history_baseline(hist), t("baseline_history", cfg.lang, n=len(earlier))


def _satisfaction(hist: agg.Histograms) -> pd.DataFrame:
    """CSAT and NPS of this period then the previous one (column 'which'), as build_report's table."""
    rows = [
        {**agg.satisfaction(hist, label), "which": which}
        for which, label in (("current", hist.current), ("previous", hist.previous))
    ]
    return pd.DataFrame(rows)


def _trend(
    reads: ReportReads,
    hist: agg.Histograms,
    complaints: pd.DataFrame,
    weights: dict[str, float],
    freq: periods.Freq,
    tz: str,
) -> pd.DataFrame:
    """Per trend period: n, index, CSAT, NPS, completed responses, complaints and their rate."""
    counts = sections.trend_counts(reads, hist, complaints, freq, tz)
    table = (
        counts[["period", "n"]]
        .merge(agg.trend_index(hist, weights), on="period", how="left")
        .merge(agg.trend_satisfaction(hist), on="period", how="left")
        .merge(counts.drop(columns="n"), on="period", how="left")
    )
    columns = ["period", "n", "index", "csat", "nps", "responses", "complaints", "complaint_rate"]
    return table[columns]

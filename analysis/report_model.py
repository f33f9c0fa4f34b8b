"""The report object: every table of a report plus the headline figures a chat digest leads with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from analysis import periods
from analysis.report_format import num
from analysis.report_labels import dimension_label
from analysis.report_measurement import Measurement
from analysis.report_render import render_charts, render_html, render_json, render_markdown, render_text
from analysis.report_settings import Lang


@dataclass(frozen=True)
class Headline:
    """The few figures a digest leads with (None where there is no data)."""

    period: str
    index: float | None
    index_n: int
    index_change: float | None
    index_change_status: str
    index_vs_baseline: float | None
    index_baseline_status: str
    csat: float | None
    nps: float | None
    completed: int
    completion_rate: float | None
    complaints: int
    low_sample: bool
    nps_ci_low: float | None
    nps_ci_high: float | None
    nps_change: float | None
    nps_change_low: float | None
    nps_change_high: float | None
    nps_change_status: str
    sample_required: int
    below_plan: bool


@dataclass(frozen=True)
class DimensionRow:
    """One dimension's figures for the period."""

    dimension: str
    label: str
    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    low_share: float | None
    change: float | None
    change_status: str
    baseline: float | None
    below_baseline: bool


@dataclass(frozen=True)
class PriorityRow:
    """One ranked improvement area with its one-line reason."""

    rank: int
    key: str
    name: str
    dimension: str
    category: str
    score: float
    why: str


@dataclass(frozen=True)
class ComplaintHeadline:
    """Complaint figures for a digest."""

    count: int
    previous: int
    per_1000_responses: float | None
    per_1000_customers: float | None
    overdue_open: int
    within_sla_share: float | None
    top_keywords: tuple[str, ...]
    rising_keywords: tuple[str, ...]


@dataclass(frozen=True)
class FollowUpHeadline:
    """The closed loop after low ratings, for a digest (None where there is nothing to measure)."""

    cases: int
    recovery_rate: float | None
    fix_on_time_rate: float | None
    overdue_open: int
    rerated: int
    rerating_change: float | None
    improved_share: float | None


@dataclass(frozen=True)
class ReportMeta:
    """What the report covers and how it was computed."""

    freq: periods.Freq
    lang: Lang
    tz: str
    current: periods.PeriodBounds
    previous: periods.PeriodBounds
    trend_labels: tuple[str, ...]
    now: pd.Timestamp
    min_n: int
    weights_used: str
    baseline_source: str
    sla_hours: Mapping[str, float]
    question_texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """Every table of the report (pandas frames, machine column names) plus notes and chart PNGs."""

    meta: ReportMeta
    index: pd.DataFrame
    dimensions: pd.DataFrame
    questions: pd.DataFrame
    satisfaction: pd.DataFrame
    responses: pd.DataFrame
    dropoff: pd.DataFrame
    cleaning: Mapping[str, int]
    reliability: pd.DataFrame
    weights: pd.DataFrame
    drivers: pd.DataFrame
    complaints: pd.DataFrame
    complaints_by_category: pd.DataFrame
    complaints_by_dimension: pd.DataFrame
    timeliness: pd.DataFrame
    overdue: pd.DataFrame
    keywords: pd.DataFrame
    rising_keywords: pd.DataFrame
    correlation: pd.DataFrame
    ipa: pd.DataFrame
    priorities: pd.DataFrame
    trend: pd.DataFrame
    dimension_trend: pd.DataFrame
    measurement: Measurement
    notes: Mapping[str, tuple[str, ...]]
    charts: Mapping[str, bytes] = field(default_factory=dict)
    # The closed loop after low ratings (analysis.report_follow_ups): this period and the previous,
    # the cases overdue now, and the reasons picked by category. Empty when not given.
    follow_ups: pd.DataFrame = field(default_factory=pd.DataFrame)
    follow_up_overdue: pd.DataFrame = field(default_factory=pd.DataFrame)
    reasons: pd.DataFrame = field(default_factory=pd.DataFrame)

    def headline(self) -> Headline:
        """Index (value, change vs previous, vs baseline), CSAT, NPS, responses and complaint count."""
        row = self.index.iloc[0]
        sat = self.satisfaction.iloc[0]
        counts = self.responses.iloc[0]
        nps = self.measurement.nps.set_index("which")
        required = int(self.measurement.plan["required"].iloc[0])
        return Headline(
            period=self.meta.current.label,
            index=num(row["index"]),
            index_n=int(row["n"]),
            index_change=num(row["change"]),
            index_change_status=str(row["change_status"]),
            index_vs_baseline=num(row["vs_baseline"]),
            index_baseline_status=str(row["baseline_status"]),
            csat=num(sat["csat"]),
            nps=num(sat["nps"]),
            completed=int(counts["completed"]),
            completion_rate=num(counts["completion_rate"]),
            complaints=int(self.complaints.iloc[0]["complaints"]),
            low_sample=int(row["n"]) < self.meta.min_n,
            nps_ci_low=num(nps.loc["current", "ci_low"]),
            nps_ci_high=num(nps.loc["current", "ci_high"]),
            nps_change=num(nps.loc["change", "nps"]),
            nps_change_low=num(nps.loc["change", "ci_low"]),
            nps_change_high=num(nps.loc["change", "ci_high"]),
            nps_change_status=str(nps.loc["change", "status"]),
            sample_required=required,
            below_plan=0 < int(row["n"]) < required,
        )

    def dimension_rows(self) -> list[DimensionRow]:
        """One row per dimension, in the standard dimension order."""
        return [
            DimensionRow(
                dimension=str(r["dimension"]),
                label=dimension_label(r["dimension"], self.meta.lang),
                n=int(r["n"]),
                mean=num(r["mean"]),
                ci_low=num(r["ci_low"]),
                ci_high=num(r["ci_high"]),
                low_share=num(r["low_share"]),
                change=num(r["change"]),
                change_status=str(r["change_status"]),
                baseline=num(r["baseline"]),
                below_baseline=bool(r["below_baseline"]),
            )
            for r in self.dimensions.to_dict("records")
        ]

    def top_priorities(self, n: int = 3) -> list[PriorityRow]:
        """The ``n`` highest-ranked improvement areas with their reasons in the report's language."""
        lang = self.meta.lang
        return [
            PriorityRow(
                rank=int(r["rank"]),
                key=str(r["key"]),
                name=str(r[f"name_{lang}"]),
                dimension=str(r["dimension"]),
                category=str(r["category"]),
                score=float(r["score"]),
                why=str(r[f"why_{lang}"]),
            )
            for r in self.priorities.head(n).to_dict("records")
        ]

    def complaint_headline(self) -> ComplaintHeadline:
        """Complaint count, rates, overdue tickets, SLA share and the top / rising keywords."""
        row = self.complaints.iloc[0]
        overall = self.timeliness[self.timeliness["severity"] == "all"]
        within = num(overall["within_sla_share"].iloc[0]) if len(overall) else None
        return ComplaintHeadline(
            count=int(row["complaints"]),
            previous=int(row["previous"]),
            per_1000_responses=num(row["per_1000_responses"]),
            per_1000_customers=num(row["per_1000_customers"]),
            overdue_open=len(self.overdue),
            within_sla_share=within,
            top_keywords=tuple(self.keywords["keyword"].head(3)),
            rising_keywords=tuple(self.rising_keywords["keyword"].head(3)),
        )

    def follow_up_headline(self) -> FollowUpHeadline:
        """This period's follow-up cases: recovery, fixes on time, overdue now, the re-rating change."""
        if self.follow_ups.empty:
            return FollowUpHeadline(0, None, None, 0, 0, None, None)
        row = self.follow_ups.iloc[0]
        return FollowUpHeadline(
            cases=int(row["cases"]),
            recovery_rate=num(row["recovery_rate"]),
            fix_on_time_rate=num(row["fix_on_time_rate"]),
            overdue_open=len(self.follow_up_overdue),
            rerated=int(row["rerated"]),
            rerating_change=num(row["rerating_change"]),
            improved_share=num(row["improved_share"]),
        )

    def with_charts(self) -> Report:
        """This report with its chart PNGs rendered (index trend, dimensions, IPA, complaint categories)."""
        return replace(self, charts=render_charts(self))

    def to_text(self) -> str:
        """Plain-text rendering for a terminal (CJK-aware column alignment)."""
        return render_text(self)

    def to_markdown(self) -> str:
        """Markdown rendering (tables as pipe tables; charts are in the HTML rendering)."""
        return render_markdown(self)

    def to_html(self) -> str:
        """One self-contained HTML page; charts embedded as base64 PNG."""
        return render_html(self)

    def to_json(self) -> str:
        """JSON: meta, headline and every section's tables with raw numbers (null for missing)."""
        return render_json(self)

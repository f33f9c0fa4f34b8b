"""The service-quality report (服务质量测定报告) for one day, week or month, and its four renderings.

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
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from analysis import charts, periods
from analysis.cleaning import CleaningRules, flag_responses
from analysis.complaint_stats import (
    complaint_rates,
    keyword_counts,
    overdue_tickets,
    rising_keywords,
    timeliness,
)
from analysis.correlation import factor_correlation, period_factor_table
from analysis.frames import CATEGORY_LABELS, DIMENSION_LABELS, DIMENSIONS, RESOLVED_STATUSES
from analysis.index import (
    DEFAULT_MIN_N,
    STATUS_DOWN,
    compare_periods,
    compare_to_baseline,
    composite_index,
    index_from_means,
    index_vs_baseline,
)
from analysis.priorities import QUADRANT_LABELS, ipa, load_improvement_areas, rank_improvements
from analysis.reliability import alpha_by_dimension
from analysis.scores import (
    dimension_scores,
    dropoff,
    question_scores,
    rating_answers,
    respondent_table,
    response_counts,
    satisfaction,
)
from analysis.text import ensure_jieba
from analysis.weights import (
    AhpResult,
    ahp,
    blend,
    entropy,
    load_ahp_matrix,
    regression_weights,
    relative_weights,
    stated_importance_weights,
)

Lang = Literal["zh", "en"]
WeightMethod = Literal["ahp", "regression", "relative", "entropy", "stated", "blend"]
WEIGHT_METHODS: Final = ("ahp", "regression", "relative", "entropy", "stated")
_CATEGORICAL: Final = {
    "question_key": "category",
    "dimension": "category",
    "role": "category",
    "period": "category",
}
# Hours allowed from a complaint to its resolution, by severity.
DEFAULT_SLA_HOURS: Final[Mapping[str, float]] = {"high": 24.0, "medium": 72.0, "low": 168.0}
DEFAULT_BLEND: Final[Mapping[str, float]] = {"ahp": 0.5, "relative": 0.3, "stated": 0.2}
# Ids listed per keyword in text / Markdown / HTML (JSON carries them all).
SHOWN_IDS: Final = 8
# Runs of 4+ digits (phone numbers, ids) and e-mail addresses.
_PERSONAL_PATTERN: Final = re.compile(r"\d{4,}|\d{3}[\s-]\d{3,}|@")
# The 100 commonest Chinese surnames. A keyword shaped like surname + one or two characters is
# checked with jieba's part-of-speech tags (nr* = person name); only such keywords pay for
# loading jieba (~2 s), which most reports then never do.
_SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_NAME_SHAPE: Final = re.compile(f"^[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}$")
_NAME_TAGS: Final = ("nr", "nrfg", "nrt")


@dataclass(frozen=True)
class ReportSettings:
    """Everything configurable about a report; the defaults suit a weekly report in Chinese."""

    tz: str = periods.DEFAULT_TZ
    lang: Lang = "zh"
    trend_periods: int = 8
    min_n: int = DEFAULT_MIN_N
    baseline: Mapping[str, float] | None = None
    weight_method: WeightMethod = "ahp"
    blend_mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BLEND))
    ahp_file: Path | None = None
    areas_file: Path | None = None
    sla_hours: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))
    min_items: int = 5
    min_seconds_per_item: float = 2.0
    top_keywords: int = 10
    top_priorities: int = 5
    charts: bool = True


def report_window(
    now: pd.Timestamp, period: periods.Freq = "week", trend_periods: int = 8, tz: str = periods.DEFAULT_TZ
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) in UTC of the data a report needs: the trend periods, at least current + previous."""
    bounds = periods.last_periods(_utc(now), max(trend_periods, 2), period, tz)
    return bounds[0].start, bounds[-1].end


# ---------------------------------------------------------------------------------------------
# Labels


TEXT: Final[Mapping[str, tuple[str, str]]] = {
    "title": ("服务质量测定报告", "Service quality report"),
    "day": ("日报", "daily report"),
    "week": ("周报", "weekly report"),
    "month": ("月报", "monthly report"),
    "period": ("周期", "Period"),
    "range": ("时间范围", "Dates"),
    "data_until": ("数据截至", "Data up to"),
    "timezone": ("时区", "Time zone"),
    "weights_used": ("指数权重", "Index weights"),
    "baseline_source": ("基准值来源", "Baseline"),
    "baseline_configured": ("已配置的基准值", "configured values"),
    "baseline_history": ("前 {n} 期平均", "mean of the previous {n} periods"),
    "baseline_none": ("无（历史数据不足）", "none (not enough history)"),
    "no_data": ("本期无数据。", "No data for this period."),
    "insufficient": ("数据不足或无法估计", "not enough data"),
    # sections
    "s_overview": ("概览", "Overview"),
    "s_index": ("服务质量综合指数（0–100）", "Composite service-quality index (0–100)"),
    "s_dimensions": ("各维度得分（1–5）", "Dimension scores (1–5)"),
    "s_questions": ("各题得分", "Question scores"),
    "s_satisfaction": ("满意度（CSAT）与净推荐值（NPS）", "CSAT and NPS"),
    "s_responses": ("问卷回收与完成率", "Responses and completion"),
    "s_dropoff": ("中途退出位置", "Where abandoned responses stopped"),
    "s_cleaning": ("数据清洗", "Data cleaning"),
    "s_reliability": ("信度检验（Cronbach α）", "Reliability (Cronbach's alpha)"),
    "s_weights": ("维度权重对比", "Dimension weights side by side"),
    "s_complaints": ("投诉统计", "Complaints"),
    "s_complaint_categories": ("投诉类别分布", "Complaints by category"),
    "s_complaint_dimensions": ("投诉维度分布", "Complaints by dimension"),
    "s_timeliness": ("投诉处理时效", "Complaint handling timeliness"),
    "s_overdue": ("超时未结工单", "Overdue open tickets"),
    "s_keywords": ("投诉热点关键词", "Hot-spot keywords"),
    "s_rising": ("上升的热点关键词", "Rising keywords"),
    "s_correlation": ("影响因素关联性分析", "Factor correlation"),
    "s_ipa": ("重要性—表现分析（IPA）", "Importance–performance analysis"),
    "s_priorities": ("改进优先级", "Improvement priorities"),
    "s_trend": ("趋势", "Trend"),
    # columns
    "metric": ("指标", "Figure"),
    "current": ("本期", "This period"),
    "previous": ("上期", "Previous"),
    "change": ("变化", "Change"),
    "status": ("判断", "Verdict"),
    "baseline": ("基准值", "Baseline"),
    "vs_baseline": ("较基准", "vs baseline"),
    "baseline_status": ("基准判断", "Baseline verdict"),
    "below_baseline": ("低于基准", "Below baseline"),
    "dimension": ("维度", "Dimension"),
    "question": ("题目", "Question"),
    "role": ("类型", "Role"),
    "n": ("样本数", "n"),
    "mean": ("均值", "Mean"),
    "ci_low": ("95%CI下限", "95% CI low"),
    "ci_high": ("95%CI上限", "95% CI high"),
    "low_share": ("低分占比", "Low (≤2) share"),
    "count": ("数量", "Count"),
    "share": ("占比", "Share"),
    "value": ("数值", "Value"),
    "scope": ("范围", "Scope"),
    "alpha": ("α", "Alpha"),
    "items": ("题数", "Items"),
    "flag": ("提示", "Flag"),
    "version": ("问卷版本", "Survey version"),
    "category": ("类别", "Category"),
    "severity": ("严重程度", "Severity"),
    "complaints": ("投诉数", "Complaints"),
    "per_1000_responses": ("每千份问卷", "Per 1,000 responses"),
    "per_1000_customers": ("每千名活跃客户", "Per 1,000 active customers"),
    "tickets": ("工单数", "Tickets"),
    "first_median": ("首次响应中位数(时)", "First response median (h)"),
    "first_p90": ("首次响应P90(时)", "First response p90 (h)"),
    "resolution_median": ("解决时长中位数(时)", "Resolution median (h)"),
    "resolution_p90": ("解决时长P90(时)", "Resolution p90 (h)"),
    "within_sla": ("时限内解决率", "Resolved within SLA"),
    "overdue_open": ("超时未结", "Overdue open"),
    "rating": ("处理满意度(1–5)", "Resolution rating (1–5)"),
    "rating_n": ("评价数", "Ratings"),
    "ticket": ("工单号", "Ticket"),
    "age_h": ("已用时(时)", "Age (h)"),
    "sla_h": ("时限(时)", "SLA (h)"),
    "overdue_h": ("超时(时)", "Overdue (h)"),
    "keyword": ("关键词", "Keyword"),
    "ids": ("相关工单", "Tickets"),
    "new": ("新出现", "New"),
    "var_a": ("因素A", "Factor A"),
    "var_b": ("因素B", "Factor B"),
    "r": ("相关系数r", "r"),
    "p_value": ("p值", "p"),
    "importance": ("重要性", "Importance"),
    "performance": ("表现", "Performance"),
    "quadrant": ("象限", "Quadrant"),
    "rank": ("排名", "Rank"),
    "area": ("改进方向", "Area"),
    "score": ("得分", "Score"),
    "why": ("理由", "Why"),
    "index": ("指数", "Index"),
    "responses": ("有效问卷", "Responses"),
    "completed": ("完成", "Completed"),
    "started": ("开始", "Started"),
    "abandoned": ("中途退出", "Abandoned"),
    "in_progress": ("进行中", "In progress"),
    "completion_rate": ("完成率", "Completion rate"),
    "csat": ("CSAT", "CSAT"),
    "nps": ("NPS", "NPS"),
    "promoters": ("推荐者%", "Promoters %"),
    "passives": ("被动者%", "Passives %"),
    "detractors": ("贬损者%", "Detractors %"),
    "complaint_rate": ("投诉率(每千份)", "Complaint rate (per 1,000)"),
    "overall": ("总体满意度", "Overall satisfaction"),
    "used": ("指数采用", "Used for index"),
    "active_customers": ("活跃客户", "Active customers"),
    # cleaning
    "c_responses": ("已完成问卷", "Completed responses"),
    "c_straightline": ("直线作答（剔除）", "Straight-lining (excluded)"),
    "c_speeder": ("作答过快（剔除）", "Too fast (excluded)"),
    "c_duplicate": ("同周期重复作答（剔除）", "Repeat in cycle (excluded)"),
    "c_excluded": ("剔除合计", "Excluded in all"),
    "c_kept": ("有效问卷", "Kept"),
    # statuses and flags
    "up": ("显著上升", "significantly up"),
    "down": ("显著下降", "significantly down"),
    "no_change": ("无显著变化", "no significant change"),
    "insufficient_sample": ("样本不足", "sample too small"),
    "no_baseline": ("无基准", "no baseline"),
    "low": ("偏低(<0.7)", "low (< 0.7)"),
    "zero_variance": ("无差异", "no variance"),
    "too_few_items": ("题数不足", "too few items"),
    "too_few_respondents": ("样本不足", "too few responses"),
    "yes": ("是", "yes"),
    # weight methods
    "w_ahp": ("专家打分（AHP）", "Expert (AHP)"),
    "w_regression": ("回归分析", "Regression"),
    "w_relative": ("相对重要性", "Relative importance"),
    "w_entropy": ("熵权法", "Entropy"),
    "w_stated": ("客户反馈", "Customer-stated"),
    "w_blend": ("组合权重", "Blend"),
    "w_equal": ("等权重", "Equal weights"),
    # roles
    "r_item": ("评分题", "rating"),
    "r_importance": ("重要性", "importance"),
    "r_overall": ("总体满意度", "overall"),
    "r_nps": ("推荐意愿(0–10)", "recommend (0–10)"),
    # notes
    "n_low_sample": (
        "本期有效样本 {n} 份，少于 {min_n} 份：与上期和基准的比较不作显著性判断。",
        "Only {n} valid responses this period (fewer than {min_n}): changes are not judged significant.",
    ),
    "n_prev_low_sample": (
        "上期有效样本 {n} 份，少于 {min_n} 份，与上期的比较仅供参考。",
        "The previous period had only {n} valid responses (fewer than {min_n}); the comparison is "
        "indicative.",
    ),
    "n_change_rule": (
        "变化判断：双方样本均≥{min_n}且差值的95%置信区间不含0时才判为显著。",
        "A change is called significant only when both samples have n ≥ {min_n} and the 95% CI of the "
        "difference excludes 0.",
    ),
    "n_incomplete": (
        "本期有 {missing} 个维度没有数据，指数按其余维度的权重重新归一计算。",
        "{missing} dimension(s) have no data this period; the index renormalises the other weights.",
    ),
    "n_cleaning": (
        "规则：评分题全部相同（≥{min_items}题）为直线作答；每题用时少于{seconds:g}秒为作答过快；"
        "同一客户同一周期多次作答只保留第一次。仅统计已完成问卷。",
        "Rules: identical answers to all rating items (≥ {min_items}) is straight-lining; under "
        "{seconds:g} s per answer is too fast; a customer's repeat in one period keeps the first. "
        "Completed responses only.",
    ),
    "n_weights_used": ("指数采用：{method}。", "The index uses: {method}."),
    "n_weights_window": (
        "数据驱动的权重基于趋势窗口内全部有效问卷（{n} 份）估计。",
        "Data-driven weights are estimated on all valid responses of the trend window ({n}).",
    ),
    "n_weight_missing": ("{method}：无法计算（{reason}）。", "{method}: not available ({reason})."),
    "n_weight_fallback": (
        "配置的权重方法“{wanted}”不可用，改用“{used}”。",
        "The configured weight method '{wanted}' is not available; '{used}' is used instead.",
    ),
    "n_ahp_cr": ("AHP 一致性比率 CR = {cr:.3f}{verdict}。", "AHP consistency ratio CR = {cr:.3f}{verdict}."),
    "n_ahp_ok": ("（<0.1，通过）", " (< 0.1, consistent)"),
    "n_ahp_bad": ("（≥0.1，未通过，不采用）", " (≥ 0.1, inconsistent: not used)"),
    "n_alpha": ("α ≥ 0.7 视为内部一致性可接受。", "Alpha ≥ 0.7 counts as acceptable internal consistency."),
    "n_rates": (
        "投诉率分母：本期已完成问卷 {responses} 份；活跃客户 {customers} 名（本期作答或投诉的客户）。",
        "Rate denominators: {responses} completed responses; {customers} active customers (answered "
        "or complained this period).",
    ),
    "n_sla": (
        "处理时限（按严重程度）：{sla}。时限内解决率 = 时限内解决 /（已解决 + 已超时未结）。",
        "SLA by severity: {sla}. Within-SLA share = resolved in time / (resolved + open past SLA).",
    ),
    "n_overdue_total": (
        "当前超时未结工单共 {n} 张（含往期）。",
        "{n} open tickets are past their SLA (all periods).",
    ),
    "n_keywords_filtered": (
        "已过滤 {n} 个疑似个人信息的关键词（电话、邮箱、人名）。",
        "{n} keyword(s) that looked like personal data (phone, e-mail, name) were left out.",
    ),
    "n_correlation": (
        "按周期计算（{n} 个周期，至少需要 3 个）；相关不代表因果。",
        "Computed across periods ({n}; at least 3 needed); correlation is not causation.",
    ),
    "n_ipa_importance": ("重要性取自：{source}。", "Importance from: {source}."),
    "n_ipa_stated": ("客户自评重要性（1–5）", "customer-stated importance (1–5)"),
    "n_ipa_weights": ("指数权重（无客户自评数据）", "index weights (no stated importance)"),
    "n_no_data_trend": ("趋势中无数据的周期保留为空。", "Periods without data stay empty in the trend."),
}


def _t(key: str, lang: str, **values: Any) -> str:
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def _dimension_label(key: object, lang: str) -> str:
    return DIMENSION_LABELS.get(str(key), {}).get(lang, str(key)) if _present(key) else "—"


def _category_label(key: object, lang: str) -> str:
    return CATEGORY_LABELS.get(str(key), {}).get(lang, str(key)) if _present(key) else "—"


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NA


# ---------------------------------------------------------------------------------------------
# The report object and its accessors


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
    notes: Mapping[str, tuple[str, ...]]
    charts: Mapping[str, bytes] = field(default_factory=dict)

    def headline(self) -> Headline:
        """Index (value, change vs previous, vs baseline), CSAT, NPS, responses and complaint count."""
        row = self.index.iloc[0]
        sat = self.satisfaction.iloc[0]
        counts = self.responses.iloc[0]
        return Headline(
            period=self.meta.current.label,
            index=_num(row["index"]),
            index_n=int(row["n"]),
            index_change=_num(row["change"]),
            index_change_status=str(row["change_status"]),
            index_vs_baseline=_num(row["vs_baseline"]),
            index_baseline_status=str(row["baseline_status"]),
            csat=_num(sat["csat"]),
            nps=_num(sat["nps"]),
            completed=int(counts["completed"]),
            completion_rate=_num(counts["completion_rate"]),
            complaints=int(self.complaints.iloc[0]["complaints"]),
            low_sample=int(row["n"]) < self.meta.min_n,
        )

    def dimension_rows(self) -> list[DimensionRow]:
        """One row per dimension, in the standard dimension order."""
        return [
            DimensionRow(
                dimension=str(r["dimension"]),
                label=_dimension_label(r["dimension"], self.meta.lang),
                n=int(r["n"]),
                mean=_num(r["mean"]),
                ci_low=_num(r["ci_low"]),
                ci_high=_num(r["ci_high"]),
                low_share=_num(r["low_share"]),
                change=_num(r["change"]),
                change_status=str(r["change_status"]),
                baseline=_num(r["baseline"]),
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
        within = _num(overall["within_sla_share"].iloc[0]) if len(overall) else None
        return ComplaintHeadline(
            count=int(row["complaints"]),
            previous=int(row["previous"]),
            per_1000_responses=_num(row["per_1000_responses"]),
            per_1000_customers=_num(row["per_1000_customers"]),
            overdue_open=len(self.overdue),
            within_sla_share=within,
            top_keywords=tuple(self.keywords["keyword"].head(3)),
            rising_keywords=tuple(self.rising_keywords["keyword"].head(3)),
        )

    def with_charts(self) -> Report:
        """This report with its chart PNGs rendered (index trend, dimensions, IPA, complaint categories)."""
        return replace(self, charts=render_charts(self))

    def to_text(self) -> str:
        """Plain-text rendering for a terminal (CJK-aware column alignment)."""
        return _render_text(self)

    def to_markdown(self) -> str:
        """Markdown rendering (tables as pipe tables; charts are in the HTML rendering)."""
        return _render_markdown(self)

    def to_html(self) -> str:
        """One self-contained HTML page; charts embedded as base64 PNG."""
        return _render_html(self)

    def to_json(self) -> str:
        """JSON: meta, headline and every section's tables with raw numbers (null for missing)."""
        return _render_json(self)


def _float_dict(series: pd.Series) -> dict[str, float]:
    return {str(key): float(value) for key, value in series.items()}


def _records(frame: pd.DataFrame) -> tuple[dict[str, Any], ...]:
    return tuple({str(k): v for k, v in row.items()} for row in frame.to_dict("records"))


def _num(value: object) -> float | None:
    if not _present(value):
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _utc(ts: pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(ts)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


# ---------------------------------------------------------------------------------------------
# Building


@dataclass(frozen=True)
class _Data:
    """The inputs cut to the report window, labelled with periods and cleaned."""

    freq: periods.Freq
    current: periods.PeriodBounds
    previous: periods.PeriodBounds
    labels: tuple[str, ...]
    answers: pd.DataFrame  # all answers in the window, with 'period'
    responses: pd.DataFrame  # with 'period'
    complaints: pd.DataFrame  # as of now, with 'period' (older open tickets included)
    clean: pd.DataFrame  # answers of completed responses that passed cleaning, with 'period'
    cleaning: dict[str, int]
    dimensions: tuple[str, ...]

    def answers_in(self, label: str) -> pd.DataFrame:
        return self.clean[self.clean["period"] == label]

    def responses_in(self, label: str) -> pd.DataFrame:
        return self.responses[self.responses["period"] == label]

    def complaints_in(self, label: str) -> pd.DataFrame:
        return self.complaints[self.complaints["period"] == label]


def build_report(
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    complaints: pd.DataFrame,
    now: pd.Timestamp,
    period: periods.Freq = "week",
    settings: ReportSettings | None = None,
) -> Report:
    """Assemble the report for the period containing ``now`` (see the module doc for the choices)."""
    cfg = settings or ReportSettings()
    now = _utc(now)
    data = _prepare(answers, responses, complaints, now, period, cfg)
    notes: dict[str, list[str]] = {
        "cleaning": [_t("n_cleaning", cfg.lang, min_items=cfg.min_items, seconds=cfg.min_seconds_per_item)]
    }
    weights, weight_table, used = _weights(data, cfg, notes)
    baseline, baseline_source = _baseline(data, cfg)
    dims = _dimensions(data, baseline, cfg)
    index = _index(data, weights, baseline, cfg, notes)
    sat, counts = _satisfaction_and_counts(data)
    complaint_tables = _complaints(data, now, cfg, notes)
    trend, dim_trend = _trend(data, weights)
    ipa_table = _ipa(data, dims, weights, cfg, notes)
    report = _plain_report(
        meta=ReportMeta(
            freq=period,
            lang=cfg.lang,
            tz=cfg.tz,
            current=data.current,
            previous=data.previous,
            trend_labels=data.labels,
            now=now,
            min_n=cfg.min_n,
            weights_used=used,
            baseline_source=baseline_source,
            sla_hours=dict(cfg.sla_hours),
        ),
        index=index,
        dimensions=dims,
        questions=question_scores(data.answers_in(data.current.label)),
        satisfaction=sat,
        responses=counts,
        dropoff=_dropoff(data),
        cleaning=data.cleaning,
        reliability=_reliability(data),
        weights=weight_table,
        complaints=complaint_tables["summary"],
        complaints_by_category=complaint_tables["by_category"],
        complaints_by_dimension=complaint_tables["by_dimension"],
        timeliness=complaint_tables["timeliness"],
        overdue=complaint_tables["overdue"],
        keywords=complaint_tables["keywords"],
        rising_keywords=complaint_tables["rising"],
        correlation=_correlation(data, cfg),
        ipa=ipa_table,
        priorities=_priorities(data, ipa_table, dims, cfg),
        trend=trend,
        dimension_trend=dim_trend,
        notes={key: tuple(value) for key, value in notes.items()},
    )
    return report.with_charts() if cfg.charts else report


def _plain_report(**fields: Any) -> Report:
    """A Report whose tables hold plain strings, not the categories used while computing."""
    plain: dict[str, Any] = {
        name: value.astype(
            {c: "str" for c in value.columns if isinstance(value[c].dtype, pd.CategoricalDtype)}
        )
        if isinstance(value, pd.DataFrame)
        else value
        for name, value in fields.items()
    }
    return Report(**plain)


def _prepare(
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    complaints: pd.DataFrame,
    now: pd.Timestamp,
    freq: periods.Freq,
    cfg: ReportSettings,
) -> _Data:
    bounds = periods.last_periods(now, max(cfg.trend_periods, 2), freq, cfg.tz)
    labels = tuple(b.label for b in bounds)
    start = bounds[0].start
    # Nothing after `now` has happened yet as far as this report is concerned.
    answers = answers[(answers["answered_at"] >= start) & (answers["answered_at"] <= now)]
    answers = periods.add_response_period(answers, freq, cfg.tz)
    # Categories make the many group-bys and filters over the window ~4× faster (same results).
    answers = answers[answers["period"].isin(labels)].astype(_CATEGORICAL)
    responses = responses[(responses["started_at"] >= start) & (responses["started_at"] <= now)]
    responses = responses.assign(period=periods.period_labels(responses["started_at"], freq, cfg.tz))
    complaints = _as_of(complaints[complaints["created_at"] <= now], now)
    complaints = complaints.assign(period=periods.period_labels(complaints["created_at"], freq, cfg.tz))
    completed = responses.loc[responses["status"] == "completed", "response_id"]
    done = answers[answers["response_id"].isin(completed)]
    rules = CleaningRules(
        min_items=cfg.min_items, min_seconds_per_item=cfg.min_seconds_per_item, cycle=freq, tz=cfg.tz
    )
    result = flag_responses(done, responses, rules)
    current = bounds[-1]
    in_current = result.flags["response_id"].isin(done.loc[done["period"] == current.label, "response_id"])
    flags = result.flags[in_current]
    counts = {
        "responses": len(flags),
        "straightline": int(flags["straightline"].sum()),
        "speeder": int(flags["speeder"].sum()),
        "duplicate": int(flags["duplicate"].sum()),
        "excluded": int(flags["excluded"].sum()),
    }
    counts["kept"] = counts["responses"] - counts["excluded"]
    clean = result.apply(done)
    return _Data(
        freq=freq,
        current=current,
        previous=bounds[-2],
        labels=labels,
        answers=answers,
        responses=responses,
        complaints=complaints,
        clean=clean,
        cleaning=counts,
        dimensions=tuple(_present_dimensions(clean)),
    )


def _as_of(complaints: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Tickets as they stood at ``now``: later responses, resolutions and ratings have not happened."""
    first = complaints["first_response_at"].where(complaints["first_response_at"] <= now)
    resolved = complaints["resolved_at"].where(complaints["resolved_at"] <= now)
    was_resolved = complaints["status"].isin(list(RESOLVED_STATUSES))
    undone = was_resolved & resolved.isna() & complaints["resolved_at"].notna()
    not_yet_answered = (complaints["status"] == "in_progress") & first.isna()
    open_status = np.where(first.notna(), "in_progress", "received")
    status = np.where(undone | not_yet_answered, open_status, complaints["status"].to_numpy())
    rating = complaints["resolution_rating"].where(~undone)
    return complaints.assign(
        first_response_at=first,
        resolved_at=resolved,
        status=pd.Series(status, index=complaints.index, dtype="str"),
        resolution_rating=rating,
    )


def _present_dimensions(clean: pd.DataFrame) -> list[str]:
    """Dimensions with rated items, standard ones first (all four when there is no data)."""
    found = {str(d) for d in clean.loc[clean["role"] == "item", "dimension"].dropna().unique()}
    ordered = [d for d in DIMENSIONS if d in found] + sorted(found - set(DIMENSIONS))
    return ordered or list(DIMENSIONS)


def _weights(
    data: _Data, cfg: ReportSettings, notes: dict[str, list[str]]
) -> tuple[dict[str, float], pd.DataFrame, str]:
    """Every weighting method side by side, and the weights the index uses (with fallbacks noted)."""
    lang = cfg.lang
    dims = list(data.dimensions)
    found: dict[str, dict[str, float]] = {}
    section = notes.setdefault("weights", [])
    ahp_result = ahp(load_ahp_matrix(cfg.ahp_file))
    verdict = _t("n_ahp_ok" if ahp_result.consistent else "n_ahp_bad", lang)
    section.append(_t("n_ahp_cr", lang, cr=ahp_result.cr, verdict=verdict))
    table = respondent_table(data.clean)
    attempts: dict[str, Callable[[], dict[str, float]]] = {
        "ahp": lambda: _consistent(ahp_result),
        "regression": lambda: regression_weights(table, _columns(table, dims)).weights,
        "relative": lambda: relative_weights(table, _columns(table, dims)),
        "entropy": lambda: entropy(table[_columns(table, dims)]),
        "stated": lambda: stated_importance_weights(data.clean),
    }
    for method, attempt in attempts.items():
        try:
            found[method] = attempt()
        except (ValueError, KeyError, np.linalg.LinAlgError) as error:
            reason = _reason(error) if lang == "en" else _t("insufficient", lang)
            section.append(_t("n_weight_missing", lang, method=_t(f"w_{method}", lang), reason=reason))
    section.append(_t("n_weights_window", lang, n=len(table)))
    wanted = cfg.weight_method
    used, weights = _chosen(wanted, found, cfg.blend_mix, dims)
    if used != wanted:
        section.append(
            _t("n_weight_fallback", lang, wanted=_t(f"w_{wanted}", lang), used=_t(f"w_{used}", lang))
        )
    section.append(_t("n_weights_used", lang, method=_t(f"w_{used}", lang)))
    frame = pd.DataFrame({m: pd.Series(w, dtype="float64") for m, w in found.items()}, index=dims)
    frame = frame.reindex(dims).fillna(0.0) if found else pd.DataFrame(index=dims)
    frame["used"] = pd.Series(weights).reindex(dims).fillna(0.0)
    return weights, frame.rename_axis("dimension").reset_index(), used


def _consistent(result: AhpResult) -> dict[str, float]:
    if not result.consistent:
        raise ValueError(f"CR = {result.cr:.3f} ≥ {result.threshold:g}")
    return dict(result.weights)


def _columns(table: pd.DataFrame, dims: Sequence[str]) -> list[str]:
    present = [d for d in dims if d in table.columns]
    if len(present) < 2 or "overall" not in table.columns:
        raise ValueError("not enough dimensions or no overall rating")
    return present


def _reason(error: Exception) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


def _chosen(
    wanted: WeightMethod, found: Mapping[str, dict[str, float]], mix: Mapping[str, float], dims: Sequence[str]
) -> tuple[str, dict[str, float]]:
    """The configured method's weights, else AHP's, else equal weights."""
    if wanted == "blend":
        usable = {m: share for m, share in mix.items() if m in found and share > 0}
        if usable:
            return "blend", blend(found, usable)
    elif wanted in found:
        return wanted, dict(found[wanted])
    if "ahp" in found:
        return "ahp", dict(found["ahp"])
    return "equal", {d: 1.0 / len(dims) for d in dims}


def _baseline(data: _Data, cfg: ReportSettings) -> tuple[dict[str, float], str]:
    """Configured 基准值, else each dimension's mean over the trend periods before the current one."""
    if cfg.baseline:
        return dict(cfg.baseline), _t("baseline_configured", cfg.lang)
    earlier = [label for label in data.labels if label != data.current.label]
    history = data.clean[data.clean["period"].isin(earlier)]
    if history.empty:
        return {}, _t("baseline_none", cfg.lang)
    means = dimension_scores(history)
    present = means.dropna(subset=["mean"])
    return (
        {str(d): float(m) for d, m in zip(present["dimension"], present["mean"], strict=True)},
        _t("baseline_history", cfg.lang, n=len(earlier)),
    )


def _dimensions(data: _Data, baseline: Mapping[str, float], cfg: ReportSettings) -> pd.DataFrame:
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
    data: _Data,
    weights: Mapping[str, float],
    baseline: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """One row: index, CI, n; previous, change and verdict; baseline index, difference and verdict."""
    lang = cfg.lang
    cur = _index_of(data.answers_in(data.current.label), weights)
    prev = _index_of(data.answers_in(data.previous.label), weights)
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
        section.append(_t("n_low_sample", lang, n=n, min_n=cfg.min_n))
    if n > 0 and n_prev < cfg.min_n:
        section.append(_t("n_prev_low_sample", lang, n=n_prev, min_n=cfg.min_n))
    missing = sum(1 for d, w in weights.items() if w > 0) - int(row["dimensions"].iloc[0])
    if 0 < missing and n > 0:
        section.append(_t("n_incomplete", lang, missing=missing))
    section.append(_t("n_change_rule", lang, min_n=cfg.min_n))
    return row.reset_index(drop=True)


def _index_of(answers: pd.DataFrame, weights: Mapping[str, float], by: Sequence[str] = ()) -> pd.DataFrame:
    """composite_index with a plain-string dimension: it maps dimensions to weights, and mapping a
    categorical one-to-one would give a categorical that cannot be multiplied."""
    return composite_index(answers.astype({"dimension": "str"}), weights, by)


def _satisfaction_and_counts(data: _Data) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CSAT/NPS and response counts, this period then the previous one (column 'which')."""
    sats, counts = [], []
    for which, label in (("current", data.current.label), ("previous", data.previous.label)):
        sats.append(satisfaction(data.answers_in(label)).assign(which=which))
        responses = data.responses_in(label)
        row = response_counts(responses).assign(
            which=which, active_customers=_active_customers(responses, data.complaints_in(label))
        )
        counts.append(row)
    return pd.concat(sats, ignore_index=True), pd.concat(counts, ignore_index=True)


def _active_customers(responses: pd.DataFrame, complaints: pd.DataFrame) -> int:
    """Distinct customers who answered or complained (counted, never listed)."""
    return len(np.union1d(responses["respondent_id"].to_numpy(), complaints["respondent_id"].to_numpy()))


def _dropoff(data: _Data) -> pd.DataFrame:
    responses = data.responses_in(data.current.label)
    answers = data.answers[data.answers["response_id"].isin(responses["response_id"])]
    return dropoff(answers.astype({"question_key": "str"}), responses)


def _reliability(data: _Data) -> pd.DataFrame:
    current = data.answers_in(data.current.label)
    # Versions ask different items; pooling them would drop every response lacking an item.
    by = ["survey_version_id"] if current["survey_version_id"].nunique() > 1 else []
    return alpha_by_dimension(current, by)


def _complaints(
    data: _Data, now: pd.Timestamp, cfg: ReportSettings, notes: dict[str, list[str]]
) -> dict[str, pd.DataFrame]:
    lang = cfg.lang
    cur = data.complaints_in(data.current.label)
    prev = data.complaints_in(data.previous.label)
    responses = data.responses_in(data.current.label)
    n_responses = int((responses["status"] == "completed").sum())
    n_customers = _active_customers(responses, cur)
    total = complaint_rates(cur, n_responses, n_customers, by=())
    total["previous"] = len(prev)
    total["change"] = total["complaints"] - total["previous"]
    by_category = complaint_rates(cur, n_responses, n_customers, by=("category",))
    by_dimension = complaint_rates(cur, n_responses, n_customers, by=("dimension",))
    by_severity = timeliness(cur, cfg.sla_hours, now, by=("severity",))
    overall = timeliness(cur, cfg.sla_hours, now, by=()).assign(severity="all")
    handling = pd.concat([by_severity, overall], ignore_index=True)
    overdue = overdue_tickets(data.complaints, cfg.sla_hours, now)
    hot, dropped = _safe_keywords(keyword_counts(cur))
    rising = rising_keywords(cur, prev, top=10**6)
    rising = rising[~rising["keyword"].map(is_personal).astype(bool)]
    notes.setdefault("complaints", []).append(
        _t("n_rates", lang, responses=n_responses, customers=n_customers)
    )
    sla = ("，" if lang == "zh" else ", ").join(f"{_t_or(k, lang)} {h:g}h" for k, h in cfg.sla_hours.items())
    notes.setdefault("timeliness", []).append(_t("n_sla", lang, sla=sla))
    notes.setdefault("overdue", []).append(_t("n_overdue_total", lang, n=len(overdue)))
    if dropped:
        notes.setdefault("keywords", []).append(_t("n_keywords_filtered", lang, n=dropped))
    return {
        "summary": total,
        "by_category": by_category,
        "by_dimension": by_dimension,
        "timeliness": handling,
        "overdue": overdue,
        "keywords": hot.head(cfg.top_keywords).reset_index(drop=True),
        "rising": rising.head(cfg.top_keywords).reset_index(drop=True),
    }


def _safe_keywords(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    personal = table["keyword"].map(is_personal).astype(bool)
    return table[~personal].reset_index(drop=True), int(personal.sum())


@functools.lru_cache(maxsize=65536)
def is_personal(keyword: str) -> bool:
    """Whether a keyword looks like personal data: a phone-like digit run, an e-mail, or a Chinese name.

    Names are recognised by jieba's part-of-speech tags (nr*); Latin-script names are not detected.
    """
    if _PERSONAL_PATTERN.search(keyword):
        return True
    if not _NAME_SHAPE.match(keyword):
        return False
    ensure_jieba()
    import jieba.posseg as posseg

    return any(pair.flag in _NAME_TAGS for pair in posseg.lcut(keyword))


def _correlation(data: _Data, cfg: ReportSettings) -> pd.DataFrame:
    window = data.complaints[data.complaints["period"].isin(data.labels)]
    table = period_factor_table(data.clean, data.responses, window, data.freq, cfg.tz)
    table = table[table.index.isin(data.labels)]
    result = factor_correlation(table)
    return result.assign(periods=len(table))


def _ipa(
    data: _Data,
    dims: pd.DataFrame,
    weights: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """IPA on this period's dimension means; importance = stated importance, else the index weights."""
    stated = rating_answers(data.answers_in(data.current.label), ("importance",))
    if stated.empty:
        stated = rating_answers(data.clean, ("importance",))
    if stated.empty:
        importance = dict(weights)
        source = _t("n_ipa_weights", cfg.lang)
    else:
        importance = _float_dict(stated.groupby("dimension")["score"].mean())
        source = _t("n_ipa_stated", cfg.lang)
    notes.setdefault("ipa", []).append(_t("n_ipa_importance", cfg.lang, source=source))
    performance = _float_dict(dims.dropna(subset=["mean"]).set_index("dimension")["mean"])
    return ipa(importance, performance)


def _priorities(
    data: _Data, ipa_table: pd.DataFrame, dims: pd.DataFrame, cfg: ReportSettings
) -> pd.DataFrame:
    areas = load_improvement_areas(cfg.areas_file)
    change = _float_dict(dims.dropna(subset=["change"]).set_index("dimension")["change"])
    ranked = rank_improvements(
        ipa_table,
        areas,
        complaints=data.complaints_in(data.current.label),
        previous_complaints=data.complaints_in(data.previous.label),
        score_change=change,
    )
    # Without this period's scores a ranking would only sort areas by cost: show none.
    shown = 0 if ipa_table.empty else cfg.top_priorities
    return ranked.head(shown).reset_index(drop=True)


def _trend(data: _Data, weights: Mapping[str, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
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
            "index": [index_from_means(_float_dict(row.dropna()), weights) for _, row in means.iterrows()],
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


# ---------------------------------------------------------------------------------------------
# Charts


def render_charts(report: Report) -> dict[str, bytes]:
    """The report's charts as PNG bytes, keyed: index_trend, dimensions, ipa, complaint_categories."""
    lang = report.meta.lang
    baseline = _float_dict(report.dimensions.dropna(subset=["baseline"]).set_index("dimension")["baseline"])
    dim_trend = report.dimension_trend.dropna(subset=["mean"])
    return {
        "index_trend": charts.index_trend_chart(report.trend, dim_trend, lang),
        "dimensions": charts.dimension_bars_chart(report.dimensions, baseline or None, lang),
        "ipa": charts.ipa_chart(report.ipa, lang),
        "complaint_categories": charts.complaint_categories_chart(report.complaints_by_category, lang),
    }


# ---------------------------------------------------------------------------------------------
# Rendering: every format walks the same sections


Fmt = Literal["text", "int", "f1", "f2", "f3", "signed0", "signed1", "signed2", "pct", "ids", "bool"]


@dataclass(frozen=True)
class Column:
    """A table column: machine key (JSON), label (readers) and how values are formatted."""

    key: str
    label: str
    fmt: Fmt = "text"


@dataclass(frozen=True)
class Table:
    """Rows of raw values keyed by column key."""

    key: str
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Section:
    """A titled part of the report: tables, notes (always shown) and chart keys."""

    key: str
    title: str
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()
    charts: tuple[str, ...] = ()


def _table(key: str, frame: pd.DataFrame, columns: Sequence[tuple[str, str, Fmt]], lang: str) -> Table:
    """A Table from ``frame``; ``columns`` are (frame column, label key, format)."""
    spec = tuple(Column(name, _t(label, lang), fmt) for name, label, fmt in columns)
    return Table(key, spec, _records(frame[[c.key for c in spec]]))


def _with_notes(key: str, title: str, tables: Sequence[Table], notes: Iterable[str], lang: str) -> Section:
    """A section whose empty tables add a 'no data' note instead of vanishing."""
    all_notes = list(notes)
    if not any(t.rows for t in tables):
        all_notes.insert(0, _t("no_data", lang))
    return Section(key, title, tuple(t for t in tables if t.rows), tuple(all_notes))


def sections(report: Report) -> list[Section]:
    """The report as an ordered list of sections, labelled in the report's language."""
    lang = report.meta.lang
    builders = (
        _overview_section,
        _index_section,
        _dimensions_section,
        _questions_section,
        _satisfaction_section,
        _responses_section,
        _cleaning_section,
        _reliability_section,
        _weights_section,
        _complaints_section,
        _timeliness_section,
        _keywords_section,
        _correlation_section,
        _priorities_section,
        _trend_section,
    )
    return [builder(report, lang) for builder in builders]


def _overview_section(report: Report, lang: str) -> Section:
    head = report.headline()
    complaints = report.complaint_headline()
    rows: list[tuple[str, str, Any, Fmt]] = [
        ("index", _t("index", lang), head.index, "f1"),
        ("index_change", _t("change", lang), head.index_change, "signed1"),
        ("csat", "CSAT", head.csat, "f1"),
        ("nps", "NPS", head.nps, "f1"),
        ("completed", _t("completed", lang), head.completed, "int"),
        ("completion_rate", _t("completion_rate", lang), head.completion_rate, "pct"),
        ("complaints", _t("complaints", lang), complaints.count, "int"),
        ("per_1000_responses", _t("per_1000_responses", lang), complaints.per_1000_responses, "f1"),
        ("overdue_open", _t("overdue_open", lang), complaints.overdue_open, "int"),
    ]
    table = Table(
        "overview",
        (
            Column("key", "key"),
            Column("metric", _t("metric", lang)),
            Column("value", _t("value", lang), "text"),
        ),
        tuple({"key": key, "metric": label, "value": _format(value, fmt)} for key, label, value, fmt in rows),
    )
    # The overview shows formatted values; its JSON twin is the "headline" object.
    visible = Table("overview", table.columns[1:], table.rows)
    meta = report.meta
    info = [
        f"{_t('period', lang)}: {meta.current.label}（{_local_range(meta.current, meta.tz)}）"
        if lang == "zh"
        else f"{_t('period', lang)}: {meta.current.label} ({_local_range(meta.current, meta.tz)})",
        f"{_t('data_until', lang)}: {meta.now.tz_convert(meta.tz):%Y-%m-%d %H:%M} ({meta.tz})",
        f"{_t('weights_used', lang)}: {_t(f'w_{meta.weights_used}', lang)}",
        f"{_t('baseline_source', lang)}: {meta.baseline_source}",
    ]
    return Section("overview", _t("s_overview", lang), (visible,), tuple(info))


def _local_range(bounds: periods.PeriodBounds, tz: str) -> str:
    first = bounds.start.tz_convert(tz)
    last = (bounds.end - pd.Timedelta(seconds=1)).tz_convert(tz)
    return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


def _status_text(frame: pd.DataFrame, column: str, lang: str) -> pd.Series:
    return frame[column].map(lambda s: _t(str(s), lang) if str(s) in TEXT else str(s))


def _index_section(report: Report, lang: str) -> Section:
    frame = report.index.assign(
        change_status=_status_text(report.index, "change_status", lang),
        baseline_status=_status_text(report.index, "baseline_status", lang),
    )
    columns: list[tuple[str, str, Fmt]] = [
        ("index", "current", "f1"), ("ci_low", "ci_low", "f1"), ("ci_high", "ci_high", "f1"),
        ("n", "n", "int"),
        ("previous", "previous", "f1"), ("change", "change", "signed1"), ("change_status", "status", "text"),
        ("baseline", "baseline", "f1"), ("vs_baseline", "vs_baseline", "signed1"),
        ("baseline_status", "baseline_status", "text"),
    ]  # fmt: skip
    table = _table("index", frame, columns, lang)
    has_data = report.index["n"].iloc[0] > 0
    notes = report.notes.get("index", ())
    return Section(
        "index",
        _t("s_index", lang),
        (table,),
        notes if has_data else (_t("no_data", lang), *notes),
        ("index_trend",),
    )


def _dimensions_section(report: Report, lang: str) -> Section:
    frame = report.dimensions.assign(
        label=report.dimensions["dimension"].map(lambda d: _dimension_label(d, lang)),
        change_status=_status_text(report.dimensions, "change_status", lang),
        baseline_status=_status_text(report.dimensions, "baseline_status", lang),
    )
    columns: list[tuple[str, str, Fmt]] = [
        ("label", "dimension", "text"), ("n", "n", "int"), ("mean", "mean", "f2"), ("ci_low", "ci_low", "f2"),
        ("ci_high", "ci_high", "f2"), ("low_share", "low_share", "pct"), ("previous", "previous", "f2"),
        ("change", "change", "signed2"), ("change_status", "status", "text"), ("baseline", "baseline", "f2"),
        ("vs_baseline", "vs_baseline", "signed2"), ("below_baseline", "below_baseline", "bool"),
    ]  # fmt: skip
    table = _table("dimensions", frame[frame["n"] > 0], columns, lang)
    section = _with_notes("dimensions", _t("s_dimensions", lang), (table,), (), lang)
    return replace(section, charts=("dimensions",))


def _questions_section(report: Report, lang: str) -> Section:
    frame = report.questions.assign(
        role=report.questions["role"].map(lambda r: _t(f"r_{r}", lang) if f"r_{r}" in TEXT else str(r)),
        dimension=report.questions["dimension"].map(lambda d: _dimension_label(d, lang)),
    )
    columns: list[tuple[str, str, Fmt]] = [
        ("question_key", "question", "text"), ("role", "role", "text"), ("dimension", "dimension", "text"),
        ("n", "n", "int"), ("mean", "mean", "f2"), ("ci_low", "ci_low", "f2"), ("ci_high", "ci_high", "f2"),
        ("low_share", "low_share", "pct"),
    ]  # fmt: skip
    return _with_notes(
        "questions", _t("s_questions", lang), (_table("questions", frame, columns, lang),), (), lang
    )


def _which(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.assign(which=frame["which"].map(lambda w: _t(str(w), lang)))


def _satisfaction_section(report: Report, lang: str) -> Section:
    columns: list[tuple[str, str, Fmt]] = [
        ("which", "period", "text"), ("csat", "csat", "f1"), ("csat_n", "n", "int"), ("nps", "nps", "f1"),
        ("promoters", "promoters", "f1"), ("passives", "passives", "f1"), ("detractors", "detractors", "f1"),
        ("nps_n", "n", "int"),
    ]  # fmt: skip
    frame = _which(report.satisfaction, lang)
    table = _table("satisfaction", frame, columns, lang)
    has_data = report.satisfaction.loc[0, ["csat_n", "nps_n"]].sum() > 0
    return Section(
        "satisfaction", _t("s_satisfaction", lang), (table,), () if has_data else (_t("no_data", lang),)
    )


def _responses_section(report: Report, lang: str) -> Section:
    columns: list[tuple[str, str, Fmt]] = [
        ("which", "period", "text"), ("started", "started", "int"), ("completed", "completed", "int"),
        ("abandoned", "abandoned", "int"), ("in_progress", "in_progress", "int"),
        ("completion_rate", "completion_rate", "pct"), ("active_customers", "active_customers", "int"),
    ]  # fmt: skip
    counts = _table("responses", _which(report.responses, lang), columns, lang)
    drop = _table(
        "dropoff",
        report.dropoff,
        [("question_key", "question", "text"), ("abandoned", "abandoned", "int"), ("share", "share", "pct")],
        lang,
    )
    notes = () if int(report.responses["started"].iloc[0]) > 0 else (_t("no_data", lang),)
    tables = (counts, drop) if drop.rows else (counts,)
    return Section("responses", _t("s_responses", lang), tables, notes)


def _cleaning_section(report: Report, lang: str) -> Section:
    rows = tuple(
        {"key": key, "metric": _t(f"c_{key}", lang), "count": int(report.cleaning.get(key, 0))}
        for key in ("responses", "straightline", "speeder", "duplicate", "excluded", "kept")
    )
    table = Table(
        "cleaning",
        (Column("metric", _t("metric", lang)), Column("count", _t("count", lang), "int")),
        rows,
    )
    return Section("cleaning", _t("s_cleaning", lang), (table,), tuple(report.notes.get("cleaning", ())))


def _reliability_section(report: Report, lang: str) -> Section:
    frame = report.reliability.assign(
        scope=report.reliability["scope"].map(
            lambda s: _t("overall", lang) if s == "overall" else _dimension_label(s, lang)
        ),
        flag=report.reliability["flag"].map(
            lambda f: _t(str(f), lang) if _present(f) and str(f) in TEXT else ""
        ),
    )
    columns: list[tuple[str, str, Fmt]] = [
        ("scope", "scope", "text"), ("alpha", "alpha", "f3"), ("n_items", "items", "int"), ("n", "n", "int"),
        ("flag", "flag", "text"),
    ]  # fmt: skip
    if "survey_version_id" in frame.columns:
        columns.insert(0, ("survey_version_id", "version", "int"))
    table = _table("reliability", frame[frame["n"] > 0], columns, lang)
    return _with_notes("reliability", _t("s_reliability", lang), (table,), (_t("n_alpha", lang),), lang)


def _weights_section(report: Report, lang: str) -> Section:
    frame = report.weights.assign(label=report.weights["dimension"].map(lambda d: _dimension_label(d, lang)))
    columns: list[tuple[str, str, Fmt]] = [("label", "dimension", "text")]
    columns += [(m, f"w_{m}", "f3") for m in WEIGHT_METHODS if m in frame.columns]
    columns.append(("used", "used", "f3"))
    table = _table("weights", frame, columns, lang)
    return Section("weights", _t("s_weights", lang), (table,), tuple(report.notes.get("weights", ())))


def _complaints_section(report: Report, lang: str) -> Section:
    total_columns: list[tuple[str, str, Fmt]] = [
        ("complaints", "current", "int"), ("previous", "previous", "int"), ("change", "change", "signed0"),
        ("per_1000_responses", "per_1000_responses", "f1"),
        ("per_1000_customers", "per_1000_customers", "f1"),
    ]  # fmt: skip
    rate_columns: list[tuple[str, str, Fmt]] = [
        ("complaints", "complaints", "int"), ("per_1000_responses", "per_1000_responses", "f1"),
        ("per_1000_customers", "per_1000_customers", "f1"),
    ]  # fmt: skip
    by_category = report.complaints_by_category.assign(
        label=report.complaints_by_category["category"].map(lambda c: _category_label(c, lang))
    )
    by_dimension = report.complaints_by_dimension.assign(
        label=report.complaints_by_dimension["dimension"].map(lambda d: _dimension_label(d, lang))
    )
    tables = (
        _table("complaints", report.complaints, total_columns, lang),
        _table("by_category", by_category, [("label", "category", "text"), *rate_columns], lang),
        _table("by_dimension", by_dimension, [("label", "dimension", "text"), *rate_columns], lang),
    )
    notes = list(report.notes.get("complaints", ()))
    if report.complaints.loc[0, "complaints"] == 0:
        notes.insert(0, _t("no_data", lang))
    return Section(
        "complaints",
        _t("s_complaints", lang),
        tuple(t for t in tables if t.rows),
        tuple(notes),
        ("complaint_categories",),
    )


def _timeliness_section(report: Report, lang: str) -> Section:
    frame = report.timeliness.assign(
        severity=report.timeliness["severity"].map(lambda s: "∑" if s == "all" else _t_or(s, lang))
    )
    columns: list[tuple[str, str, Fmt]] = [
        ("severity", "severity", "text"), ("tickets", "tickets", "int"),
        ("first_response_median_h", "first_median", "f1"), ("first_response_p90_h", "first_p90", "f1"),
        ("resolution_median_h", "resolution_median", "f1"), ("resolution_p90_h", "resolution_p90", "f1"),
        ("within_sla_share", "within_sla", "pct"), ("overdue_open", "overdue_open", "int"),
        ("rating_mean", "rating", "f2"), ("rating_n", "rating_n", "int"),
    ]  # fmt: skip
    handling = _table("timeliness", frame[frame["tickets"] > 0], columns, lang)
    overdue = report.overdue.head(10).assign(
        category=report.overdue["category"].head(10).map(lambda c: _category_label(c, lang)),
        severity=report.overdue["severity"].head(10).map(lambda s: _t_or(s, lang)),
    )
    overdue_columns: list[tuple[str, str, Fmt]] = [
        ("ticket_no", "ticket", "text"), ("severity", "severity", "text"), ("category", "category", "text"),
        ("age_hours", "age_h", "f1"), ("sla_hours", "sla_h", "f1"), ("overdue_hours", "overdue_h", "f1"),
    ]  # fmt: skip
    late = _table("overdue", overdue, overdue_columns, lang)
    notes = [*report.notes.get("timeliness", ()), *report.notes.get("overdue", ())]
    if not handling.rows:
        notes.insert(0, _t("no_data", lang))
    return Section(
        "timeliness", _t("s_timeliness", lang), tuple(t for t in (handling, late) if t.rows), tuple(notes)
    )


_SEVERITY_TEXT: Final = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}


def _t_or(key: object, lang: str) -> str:
    pair = _SEVERITY_TEXT.get(str(key))
    return str(key) if pair is None else (pair[0] if lang == "zh" else pair[1])


def _keywords_section(report: Report, lang: str) -> Section:
    hot = _table(
        "keywords",
        report.keywords,
        [
            ("keyword", "keyword", "text"),
            ("complaints", "complaints", "int"),
            ("complaint_ids", "ids", "ids"),
        ],
        lang,
    )
    rising = _table(
        "rising_keywords",
        report.rising_keywords,
        [
            ("keyword", "keyword", "text"),
            ("current", "current", "int"),
            ("previous", "previous", "int"),
            ("change", "change", "signed0"),
            ("new", "new", "bool"),
            ("complaint_ids", "ids", "ids"),
        ],
        lang,
    )
    notes = list(report.notes.get("keywords", ()))
    if not hot.rows:
        notes.insert(0, _t("no_data", lang))
    return Section(
        "keywords", _t("s_keywords", lang), tuple(t for t in (hot, rising) if t.rows), tuple(notes)
    )


def _factor_label(name: object, lang: str) -> str:
    key = str(name)
    if key in DIMENSION_LABELS:
        return _dimension_label(key, lang)
    return _t(key, lang) if key in TEXT else key


def _correlation_section(report: Report, lang: str) -> Section:
    frame = report.correlation.dropna(subset=["r"])
    frame = frame.assign(
        var_a=frame["var_a"].map(lambda v: _factor_label(v, lang)),
        var_b=frame["var_b"].map(lambda v: _factor_label(v, lang)),
    )
    columns: list[tuple[str, str, Fmt]] = [
        ("var_a", "var_a", "text"), ("var_b", "var_b", "text"), ("r", "r", "f2"), ("n", "n", "int"),
        ("p_value", "p_value", "f3"),
    ]  # fmt: skip
    n_periods = int(report.correlation["periods"].iloc[0]) if len(report.correlation) else 0
    note = _t("n_correlation", lang, n=n_periods)
    return _with_notes(
        "correlation",
        _t("s_correlation", lang),
        (_table("correlation", frame, columns, lang),),
        (note,),
        lang,
    )


def _priorities_section(report: Report, lang: str) -> Section:
    quadrants = report.ipa.assign(
        label=report.ipa["dimension"].map(lambda d: _dimension_label(d, lang)),
        quadrant=report.ipa["quadrant"].map(lambda q: QUADRANT_LABELS[str(q)][lang]),
    )
    ipa_table = _table(
        "ipa",
        quadrants,
        [
            ("label", "dimension", "text"),
            ("importance", "importance", "f2"),
            ("performance", "performance", "f2"),
            ("quadrant", "quadrant", "text"),
        ],
        lang,
    )
    ranked = report.priorities.assign(
        dimension=report.priorities["dimension"].map(lambda d: _dimension_label(d, lang)),
        category=report.priorities["category"].map(lambda c: _category_label(c, lang)),
    )
    priority_table = _table(
        "priorities",
        ranked,
        [
            ("rank", "rank", "int"),
            (f"name_{lang}", "area", "text"),
            ("dimension", "dimension", "text"),
            ("category", "category", "text"),
            ("score", "score", "f1"),
            (f"why_{lang}", "why", "text"),
        ],
        lang,
    )
    notes = list(report.notes.get("ipa", ()))
    if not ipa_table.rows:
        notes.insert(0, _t("no_data", lang))
    tables = tuple(t for t in (ipa_table, priority_table) if t.rows)
    return Section("priorities", _t("s_priorities", lang), tables, tuple(notes), ("ipa",))


def _trend_section(report: Report, lang: str) -> Section:
    order = list(dict.fromkeys(report.dimension_trend["dimension"]))
    wide = report.dimension_trend.pivot(index="period", columns="dimension", values="mean")[order]
    frame = report.trend.join(wide, on="period")
    columns: list[tuple[str, str, Fmt]] = [
        ("period", "period", "text"),
        ("n", "responses", "int"),
        ("index", "index", "f1"),
    ]
    columns += [(str(d), str(d), "f2") for d in wide.columns]
    columns += [
        ("csat", "csat", "f1"), ("nps", "nps", "f1"), ("complaints", "complaints", "int"),
        ("complaint_rate", "complaint_rate", "f1"),
    ]  # fmt: skip
    spec = tuple(
        Column(key, _dimension_label(key, lang) if key in DIMENSION_LABELS else _t(label, lang), fmt)
        for key, label, fmt in columns
    )
    table = Table("trend", spec, _records(frame[[c.key for c in spec]]))
    notes: tuple[str, ...] = (_t("n_no_data_trend", lang),)
    if report.trend["n"].sum() == 0:
        notes = (_t("no_data", lang), *notes)
    return Section("trend", _t("s_trend", lang), (table,), notes)


def _format(value: Any, fmt: Fmt) -> str:
    """A value as readers see it; missing values are an em dash."""
    if fmt == "ids":
        ids = [int(v) for v in value] if isinstance(value, (list, tuple, np.ndarray)) else []
        shown = ", ".join(f"TJ-{i:06d}" for i in ids[:SHOWN_IDS])
        return shown + (f" …(+{len(ids) - SHOWN_IDS})" if len(ids) > SHOWN_IDS else "")
    if fmt == "bool":
        return "✓" if value is True or (isinstance(value, (bool, np.bool_)) and bool(value)) else ""
    if fmt == "text":
        return str(value) if _present(value) else "—"
    number = _num(value)
    if number is None:
        return "—"
    formats: dict[str, Callable[[float], str]] = {
        "int": lambda v: f"{round(v):d}",
        "f1": lambda v: f"{v:.1f}",
        "f2": lambda v: f"{v:.2f}",
        "f3": lambda v: f"{v:.3f}",
        "signed0": lambda v: f"{v:+.0f}",
        "signed1": lambda v: f"{v:+.1f}",
        "signed2": lambda v: f"{v:+.2f}",
        "pct": lambda v: f"{v * 100:.1f}%",
    }
    return formats[fmt](number)


def _cells(table: Table) -> list[list[str]]:
    return [[_format(row.get(c.key), c.fmt) for c in table.columns] for row in table.rows]


def _title(report: Report) -> str:
    lang = report.meta.lang
    kind = _t(report.meta.freq, lang)
    label = report.meta.current.label
    return (
        f"{_t('title', lang)}·{kind}（{label}）"
        if lang == "zh"
        else f"{_t('title', lang)} — {kind} ({label})"
    )


def _display_width(text: str) -> int:
    # Terminal cells: East Asian wide/full-width characters take two. The stdlib table is enough
    # here, so no extra dependency (wcwidth) for a one-line rule.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _display_width(text))
    return gap + text if right else text + gap


def _text_table(table: Table) -> list[str]:
    header = [c.label for c in table.columns]
    body = _cells(table)
    widths = [max(_display_width(cell) for cell in column) for column in zip(header, *body, strict=True)]
    numeric = [c.fmt not in ("text", "ids", "bool") for c in table.columns]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_pad(cell, w, right) for cell, w, right in zip(cells, widths, numeric, strict=True))

    return [line(header), "  ".join("-" * w for w in widths), *(line(row) for row in body)]


def _render_text(report: Report) -> str:
    title = _title(report)
    lines = [title, "=" * _display_width(title), ""]
    for section in sections(report):
        lines += [section.title, "-" * _display_width(section.title)]
        for table in section.tables:
            lines += [*_text_table(table), ""]
        lines += [f"* {note}" for note in section.notes]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _render_markdown(report: Report) -> str:
    lines = [f"# {_title(report)}", ""]
    for section in sections(report):
        lines += [f"## {section.title}", ""]
        for table in section.tables:
            lines.append("| " + " | ".join(_md_cell(c.label) for c in table.columns) + " |")
            lines.append(
                "|"
                + "|".join(
                    " ---: |" if c.fmt not in ("text", "ids", "bool") else " --- |" for c in table.columns
                )
            )
            lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in _cells(table)]
            lines.append("")
        lines += [f"- {note}" for note in section.notes]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CSS: Final = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;
max-width:72rem;color:#222;padding:0 1rem}
h1{font-size:1.6rem}
h2{font-size:1.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem}
th{background:#f3f5f8;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
ul.notes{color:#555;font-size:.85rem}
img{max-width:100%;margin:.5rem 0}
"""


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c.label)}</th>" for c in table.columns)
    numeric = [c.fmt not in ("text", "ids", "bool") for c in table.columns]
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{html.escape(cell)}</td>' if num else f"<td>{html.escape(cell)}</td>"
            for cell, num in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in _cells(table)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _render_html(report: Report) -> str:
    title = html.escape(_title(report))
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if report.meta.lang == "zh" else "en"}">',
        '<head><meta charset="utf-8">',
        f"<title>{title}</title><style>{_CSS}</style></head><body><h1>{title}</h1>",
    ]
    for section in sections(report):
        parts.append(f'<section id="{section.key}"><h2>{html.escape(section.title)}</h2>')
        parts += [_html_table(table) for table in section.tables]
        if section.notes:
            parts.append(
                '<ul class="notes">' + "".join(f"<li>{html.escape(n)}</li>" for n in section.notes) + "</ul>"
            )
        for key in section.charts:
            if key in report.charts:
                data = base64.b64encode(report.charts[key]).decode("ascii")
                parts.append(f'<img alt="{html.escape(key)}" src="data:image/png;base64,{data}">')
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _json_value(value: Any) -> Any:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_value(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    return value if _present(value) else None


def _render_json(report: Report) -> str:
    meta = report.meta
    document = {
        "title": _title(report),
        "meta": {
            "period": meta.current.label,
            "freq": meta.freq,
            "start": meta.current.start.isoformat(),
            "end": meta.current.end.isoformat(),
            "previous_period": meta.previous.label,
            "trend_periods": list(meta.trend_labels),
            "now": meta.now.isoformat(),
            "timezone": meta.tz,
            "lang": meta.lang,
            "min_n": meta.min_n,
            "weights_used": meta.weights_used,
            "baseline_source": meta.baseline_source,
            "sla_hours": dict(meta.sla_hours),
        },
        "headline": _json_value_dict(report.headline().__dict__),
        "complaint_headline": _json_value_dict(report.complaint_headline().__dict__),
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "notes": list(s.notes),
                "tables": [
                    {
                        "key": t.key,
                        "columns": [{"key": c.key, "label": c.label} for c in t.columns],
                        "rows": [{c.key: _json_value(row.get(c.key)) for c in t.columns} for row in t.rows],
                    }
                    for t in s.tables
                ],
            }
            for s in sections(report)
        ],
        "charts": sorted(report.charts),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _json_value_dict(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in values.items()}

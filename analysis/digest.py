"""The admin digest as chat text: headline figures, dimensions, complaints, top priorities.

Built from a Report only (customers appear as counts, never by name or phone), and split into
messages that respect Telegram's limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

import pandas as pd

from analysis.periods import PeriodBounds
from analysis.report import DimensionRow, Report
from analysis.report_format import signed

Lang = Literal["zh", "en"]
MESSAGE_LIMIT: Final = 4096
CAPTION_LIMIT: Final = 1024

_TEXT: Final[dict[str, tuple[str, str]]] = {
    "title": ("📊 服务质量{kind}（{period}）", "📊 Service quality {kind} ({period})"),
    "day": ("日报", "daily digest"),
    "week": ("周报", "weekly digest"),
    "month": ("月报", "monthly digest"),
    "index": ("综合指数：{value}", "Composite index: {value}"),
    "vs_previous": ("较上期 {change}（{verdict}）", "vs previous {change} ({verdict})"),
    "up": ("显著上升", "significantly up"),
    "down": ("显著下降", "significantly down"),
    "no_change": ("无显著变化", "no significant change"),
    "insufficient_sample": ("样本不足，不作判断", "sample too small to judge"),
    "nps_change": (
        "NPS 较上期{verdict} {change}（95%CI {low} 至 {high}）",
        "NPS {verdict} by {change} on the previous period (95% CI {low} to {high})",
    ),
    "below_plan": (
        "⚠️ 有效样本 {n} 份，低于抽样方案的 {required} 份，结果误差大于目标",
        "⚠️ {n} valid responses, below the planned {required}: margins are wider than the target",
    ),
    "vs_baseline": ("较基准 {change}", "vs baseline {change}"),
    "no_data": ("本期暂无数据", "no data this period"),
    "no_history": (
        "还没有数据：至今没有收到问卷回答或投诉。顾客参加调查或提交投诉后，"
        "这里会显示综合指数、各维度得分和趋势图。",
        "No data yet: no survey answers or complaints so far. Once customers answer the survey or "
        "file complaints, the index, dimension scores and trend chart appear here.",
    ),
    "low_sample": (
        "⚠️ 样本较少（n={n}），变化仅供参考",
        "⚠️ small sample (n={n}): changes are indicative only",
    ),
    "counts": (
        "完成问卷 {completed} 份 · 完成率 {rate} · CSAT {csat} · NPS {nps}",
        "{completed} completed · completion {rate} · CSAT {csat} · NPS {nps}",
    ),
    "dimensions": ("各维度得分（1–5）：", "Dimension scores (1–5):"),
    "dimension": ("• {label}：{mean}（n={n}）{change}{flag}", "• {label}: {mean} (n={n}){change}{flag}"),
    "below": (" ⚠️低于基准 {baseline}", " ⚠️ below baseline {baseline}"),
    "complaints": (
        "投诉：{count} 件（上期 {previous}）· 每千份问卷 {rate} 件 · 超时未结 {overdue} 件 · SLA 达成 {sla}",
        "Complaints: {count} (previous {previous}) · {rate} per 1,000 responses · {overdue} overdue · "
        "SLA met {sla}",
    ),
    "follow_ups": (
        "差评回访：{cases} 件 · 按时回访 {recovery} · 按时整改 {fixed} · 逾期未结 {overdue} 件",
        "Low-rating follow-ups: {cases} · recovery {recovery} · fixed on time {fixed} · {overdue} overdue",
    ),
    "rerated": (
        "复评 {rerated} 件：平均 {change} 分，{improved} 评分提高",
        "Re-rated {rerated}: {change} points on average, {improved} higher",
    ),
    "keywords": ("热点：{top}", "Hot spots: {top}"),
    "rising": ("上升：{rising}", "Rising: {rising}"),
    "priorities": ("优先改进：", "Improve first:"),
    "priority": ("{rank}. {name} — {why}", "{rank}. {name} — {why}"),
    "alert_dimension": (
        "🚨 预警：{label}得分 {mean}（n={n}），低于基准 {baseline} 超过 {margin}",
        "🚨 Alert: {label} at {mean} (n={n}), more than {margin} below its baseline {baseline}",
    ),
    "alert_complaints": (
        "🚨 预警：「{category}」类投诉激增：本期 {count} 件，上期 {previous} 件",
        "🚨 Alert: complaints about {category} spiked: {count} this period, {previous} before",
    ),
}


def _t(key: str, lang: Lang, **values: object) -> str:
    zh, en = _TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


def _fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.{digits}f}{suffix}"


def _signed(value: float | None) -> str:
    return "—" if value is None else signed(value, 1)


def _percent(value: float | None) -> str:
    """A value already on 0–100."""
    return "—" if value is None else f"{value:.0f}%"


def _share(value: float | None) -> str:
    """A share on 0–1."""
    return "—" if value is None else f"{value * 100:.0f}%"


def digest_text(report: Report, lang: Lang) -> str:
    """The digest for the report's current period, in `lang`."""
    head = report.headline()
    lines = [_t("title", lang, kind=_t(report.meta.freq, lang), period=head.period)]
    if not has_history(report):
        return "\n".join([*lines, _t("no_history", lang)])
    if head.index is None:
        lines.append(_t("no_data", lang))
    else:
        parts = [_t("index", lang, value=_fmt(head.index))]
        if head.index_change is not None:
            verdict = _verdict(head.index_change_status, lang)
            parts.append(_t("vs_previous", lang, change=_signed(head.index_change), verdict=verdict))
        if head.index_vs_baseline is not None:
            parts.append(_t("vs_baseline", lang, change=_signed(head.index_vs_baseline)))
        lines.append(" · ".join(parts))
    if head.low_sample and head.index is not None:
        lines.append(_t("low_sample", lang, n=head.index_n))
    if head.below_plan:
        lines.append(_t("below_plan", lang, n=head.index_n, required=head.sample_required))
    lines.append(
        _t(
            "counts",
            lang,
            completed=head.completed,
            rate=_share(head.completion_rate),
            csat=_percent(head.csat),
            nps=_fmt(head.nps, 0),
        )
    )
    # An NPS change is news only when it is significant; otherwise the digest says nothing of it.
    if head.nps_change is not None and head.nps_change_status in ("up", "down"):
        lines.append(
            _t(
                "nps_change",
                lang,
                verdict=_t(head.nps_change_status, lang),
                change=_signed(head.nps_change),
                low=_signed(head.nps_change_low),
                high=_signed(head.nps_change_high),
            )
        )
    lines += ["", _t("dimensions", lang), *(_dimension_line(row, lang) for row in report.dimension_rows())]
    complaints = report.complaint_headline()
    lines += [
        "",
        _t(
            "complaints",
            lang,
            count=complaints.count,
            previous=complaints.previous,
            rate=_fmt(complaints.per_1000_responses),
            overdue=complaints.overdue_open,
            sla=_share(complaints.within_sla_share),
        ),
    ]
    lines += _follow_up_lines(report, lang)
    if complaints.top_keywords:
        lines.append(_t("keywords", lang, top="、".join(complaints.top_keywords)))
    if complaints.rising_keywords:
        lines.append(_t("rising", lang, rising="、".join(complaints.rising_keywords)))
    priorities = report.top_priorities(3)
    if priorities:
        lines += ["", _t("priorities", lang)]
        lines += [_t("priority", lang, rank=p.rank, name=p.name, why=p.why) for p in priorities]
    return "\n".join(lines)


def _follow_up_lines(report: Report, lang: Lang) -> list[str]:
    """The closed loop: cases this period, recovery and fixes on time, overdue cases, re-ratings."""
    loop = report.follow_up_headline()
    if loop.cases == 0 and loop.overdue_open == 0:
        return []
    lines = [
        _t(
            "follow_ups",
            lang,
            cases=loop.cases,
            recovery=_share(loop.recovery_rate),
            fixed=_share(loop.fix_on_time_rate),
            overdue=loop.overdue_open,
        )
    ]
    if loop.rerated:
        change = _signed(loop.rerating_change)
        lines.append(
            _t("rerated", lang, rerated=loop.rerated, change=change, improved=_share(loop.improved_share))
        )
    return lines


def _verdict(status: str, lang: Lang) -> str:
    return _t(status, lang) if status in _TEXT else status


def has_history(report: Report) -> bool:
    """Whether the report's window holds any survey response or complaint (else a chart is empty)."""
    started = int(report.responses["started"].sum()) if "started" in report.responses else 0
    return bool(report.trend["n"].sum() or report.trend["complaints"].sum() or started)


def _dimension_line(row: DimensionRow, lang: Lang) -> str:
    # Only a significant change is shown: a difference within the noise is not a change.
    moved = row.change is not None and row.change_status in ("up", "down")
    change = f" {_signed(row.change)}（{_t(row.change_status, lang)}）" if moved and lang == "zh" else ""
    if moved and lang == "en":
        change = f" {_signed(row.change)} ({_t(row.change_status, lang)})"
    flag = _t("below", lang, baseline=_fmt(row.baseline, 2)) if row.below_baseline else ""
    return _t("dimension", lang, label=row.label, mean=_fmt(row.mean, 2), n=row.n, change=change, flag=flag)


def dimension_alerts(report: Report, margin: float, lang: Lang) -> list[tuple[str, str]]:
    """(condition key, text) for dimensions clearly below baseline: mean ≤ baseline − margin,
    the whole 95% CI under the baseline, and at least the report's minimum sample."""
    alerts = []
    for row in report.dimension_rows():
        if row.mean is None or row.baseline is None or row.ci_high is None or row.n < report.meta.min_n:
            continue
        if row.mean <= row.baseline - margin and row.ci_high < row.baseline:
            text = _t(
                "alert_dimension",
                lang,
                label=row.label,
                mean=_fmt(row.mean, 2),
                n=row.n,
                baseline=_fmt(row.baseline, 2),
                margin=_fmt(margin, 2),
            )
            alerts.append((f"alert:dimension:{row.dimension}", text))
    return alerts


def category_counts(complaints: pd.DataFrame, period: PeriodBounds) -> dict[str, int]:
    """Complaints per category created in `period`."""
    inside = complaints[period.contains(complaints["created_at"])]
    return {str(k): int(v) for k, v in inside["category"].value_counts().items()}


def complaint_alerts(
    current: Mapping[str, int],
    previous: Mapping[str, int],
    factor: float,
    minimum: int,
    category_names: Mapping[str, str],
    lang: Lang,
) -> list[tuple[str, str]]:
    """(condition key, text) for categories with at least `minimum` complaints and at least
    `factor`× the previous period's count."""
    alerts = []
    for category, count in sorted(current.items()):
        before = previous.get(category, 0)
        if count >= minimum and count >= factor * max(before, 1):
            text = _t(
                "alert_complaints",
                lang,
                category=category_names.get(category, category),
                count=count,
                previous=before,
            )
            alerts.append((f"alert:complaints:{category}", text))
    return alerts


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split at line boundaries into parts of at most `limit` characters (a longer line is cut)."""
    parts: list[str] = []
    current = ""
    for line in _lines_within(text.split("\n"), limit):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def _lines_within(lines: Iterable[str], limit: int) -> Iterable[str]:
    for line in lines:
        while len(line) > limit:
            yield line[:limit]
            line = line[limit:]
        yield line

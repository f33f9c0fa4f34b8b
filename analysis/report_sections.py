"""The report as an ordered list of sections, labelled in the report's language.

Every rendering (:mod:`analysis.report_render`) walks these sections, so the four formats show the
same tables and notes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis import periods
from analysis.priorities import QUADRANT_LABELS
from analysis.report_format import (
    Column,
    Fmt,
    Section,
    Table,
    format_value,
    frame_table,
    records,
    section_with_notes,
)
from analysis.report_gbt import gbt_sections
from analysis.report_labels import (
    TEXT,
    category_label,
    dimension_label,
    present,
    question_label,
    severity_label,
    t,
)
from analysis.report_settings import WEIGHT_METHODS
from analysis.scores import NO_ANSWER
from dialogs.terms import DIMENSION_LABELS

if TYPE_CHECKING:
    from analysis.report_model import Report


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
        _follow_ups_section,
        _keywords_section,
        _correlation_section,
        _priorities_section,
        _trend_section,
    )
    return [*(builder(report, lang) for builder in builders), *gbt_sections(report, lang)]


def _overview_section(report: Report, lang: str) -> Section:
    head = report.headline()
    complaints = report.complaint_headline()
    rows: list[tuple[str, str, Any, Fmt]] = [
        ("index", t("index", lang), head.index, "f1"),
        ("index_change", t("change", lang), head.index_change, "signed1"),
        ("csat", "CSAT", head.csat, "f1"),
        ("nps", "NPS", head.nps, "f1"),
        ("completed", t("completed", lang), head.completed, "int"),
        ("completion_rate", t("completion_rate", lang), head.completion_rate, "pct"),
        ("complaints", t("complaints", lang), complaints.count, "int"),
        ("per_1000_responses", t("per_1000_responses", lang), complaints.per_1000_responses, "f1"),
        ("overdue_open", t("overdue_open", lang), complaints.overdue_open, "int"),
        ("recovery_rate", t("recovery_rate", lang), report.follow_up_headline().recovery_rate, "pct"),
    ]
    table = Table(
        "overview",
        (
            Column("key", "key"),
            Column("metric", t("metric", lang)),
            Column("value", t("value", lang), "text"),
        ),
        tuple(
            {"key": key, "metric": label, "value": format_value(value, fmt)}
            for key, label, value, fmt in rows
        ),
    )
    # The overview shows formatted values; its JSON twin is the "headline" object.
    visible = Table("overview", table.columns[1:], table.rows)
    meta = report.meta
    info = [
        f"{t('period', lang)}: {meta.current.label}（{_local_range(meta.current, meta.tz)}）"
        if lang == "zh"
        else f"{t('period', lang)}: {meta.current.label} ({_local_range(meta.current, meta.tz)})",
        f"{t('data_until', lang)}: {meta.now.tz_convert(meta.tz):%Y-%m-%d %H:%M} ({meta.tz})",
        f"{t('weights_used', lang)}: {t(f'w_{meta.weights_used}', lang)}",
        f"{t('baseline_source', lang)}: {meta.baseline_source}",
    ]
    return Section("overview", t("s_overview", lang), (visible,), tuple(info))


def _local_range(bounds: periods.PeriodBounds, tz: str) -> str:
    first = bounds.start.tz_convert(tz)
    last = (bounds.end - pd.Timedelta(seconds=1)).tz_convert(tz)
    return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


def _status_text(frame: pd.DataFrame, column: str, lang: str) -> pd.Series:
    return frame[column].map(lambda s: t(str(s), lang) if str(s) in TEXT else str(s))


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
    table = frame_table("index", frame, columns, lang)
    has_data = report.index["n"].iloc[0] > 0
    notes = report.notes.get("index", ())
    return Section(
        "index",
        t("s_index", lang),
        (table,),
        notes if has_data else (t("no_data", lang), *notes),
        ("index_trend",),
    )


def _dimensions_section(report: Report, lang: str) -> Section:
    frame = report.dimensions.assign(
        label=report.dimensions["dimension"].map(lambda d: dimension_label(d, lang)),
        change_status=_status_text(report.dimensions, "change_status", lang),
        baseline_status=_status_text(report.dimensions, "baseline_status", lang),
    )
    columns: list[tuple[str, str, Fmt]] = [
        ("label", "dimension", "text"), ("n", "n", "int"), ("mean", "mean", "f2"), ("ci_low", "ci_low", "f2"),
        ("ci_high", "ci_high", "f2"), ("low_share", "low_share", "pct"), ("previous", "previous", "f2"),
        ("change", "change", "signed2"), ("change_status", "status", "text"), ("baseline", "baseline", "f2"),
        ("vs_baseline", "vs_baseline", "signed2"), ("below_baseline", "below_baseline", "bool"),
    ]  # fmt: skip
    table = frame_table("dimensions", frame[frame["n"] > 0], columns, lang)
    section = section_with_notes("dimensions", t("s_dimensions", lang), (table,), (), lang)
    return replace(section, charts=("dimensions",))


def _questions_section(report: Report, lang: str) -> Section:
    texts = report.meta.question_texts
    frame = report.questions.assign(
        question_key=report.questions["question_key"].map(lambda key: question_label(key, texts, lang)),
        role=report.questions["role"].map(lambda r: t(f"r_{r}", lang) if f"r_{r}" in TEXT else str(r)),
        dimension=report.questions["dimension"].map(lambda d: dimension_label(d, lang)),
    )
    columns: list[tuple[str, str, Fmt]] = [
        ("question_key", "question", "text"), ("role", "role", "text"), ("dimension", "dimension", "text"),
        ("n", "n", "int"), ("mean", "mean", "f2"), ("ci_low", "ci_low", "f2"), ("ci_high", "ci_high", "f2"),
        ("low_share", "low_share", "pct"),
    ]  # fmt: skip
    return section_with_notes(
        "questions", t("s_questions", lang), (frame_table("questions", frame, columns, lang),), (), lang
    )


def _which(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.assign(which=frame["which"].map(lambda w: t(str(w), lang)))


def _satisfaction_section(report: Report, lang: str) -> Section:
    columns: list[tuple[str, str, Fmt]] = [
        ("which", "period", "text"), ("csat", "csat", "f1"), ("csat_n", "n", "int"), ("nps", "nps", "f1"),
        ("promoters", "promoters", "f1"), ("passives", "passives", "f1"), ("detractors", "detractors", "f1"),
        ("nps_n", "n", "int"),
    ]  # fmt: skip
    frame = _which(report.satisfaction, lang)
    table = frame_table("satisfaction", frame, columns, lang)
    has_data = report.satisfaction.loc[0, ["csat_n", "nps_n"]].sum() > 0
    return Section(
        "satisfaction", t("s_satisfaction", lang), (table,), () if has_data else (t("no_data", lang),)
    )


def _responses_section(report: Report, lang: str) -> Section:
    columns: list[tuple[str, str, Fmt]] = [
        ("which", "period", "text"), ("started", "started", "int"), ("completed", "completed", "int"),
        ("abandoned", "abandoned", "int"), ("in_progress", "in_progress", "int"),
        ("completion_rate", "completion_rate", "pct"), ("active_customers", "active_customers", "int"),
    ]  # fmt: skip
    counts = frame_table("responses", _which(report.responses, lang), columns, lang)
    stopped_at = report.dropoff["question_key"].map(
        lambda key: (
            t("no_answer_yet", lang)
            if key == NO_ANSWER
            else question_label(key, report.meta.question_texts, lang)
        )
    )
    drop = frame_table(
        "dropoff",
        report.dropoff.assign(question_key=stopped_at),
        [("question_key", "question", "text"), ("abandoned", "abandoned", "int"), ("share", "share", "pct")],
        lang,
    )
    notes = () if int(report.responses["started"].iloc[0]) > 0 else (t("no_data", lang),)
    tables = (counts, drop) if drop.rows else (counts,)
    return Section("responses", t("s_responses", lang), tables, notes)


def _cleaning_section(report: Report, lang: str) -> Section:
    rows = tuple(
        {"key": key, "metric": t(f"c_{key}", lang), "count": int(report.cleaning.get(key, 0))}
        for key in ("responses", "straightline", "speeder", "duplicate", "excluded", "kept")
    )
    table = Table(
        "cleaning",
        (Column("metric", t("metric", lang)), Column("count", t("count", lang), "int")),
        rows,
    )
    return Section("cleaning", t("s_cleaning", lang), (table,), tuple(report.notes.get("cleaning", ())))


def _reliability_section(report: Report, lang: str) -> Section:
    frame = report.reliability.assign(
        scope=report.reliability["scope"].map(
            lambda s: t("overall", lang) if s == "overall" else dimension_label(s, lang)
        ),
        flag=report.reliability["flag"].map(
            lambda f: t(str(f), lang) if present(f) and str(f) in TEXT else ""
        ),
    )
    columns: list[tuple[str, str, Fmt]] = [
        ("scope", "scope", "text"), ("alpha", "alpha", "f3"), ("n_items", "items", "int"), ("n", "n", "int"),
        ("flag", "flag", "text"),
    ]  # fmt: skip
    if "survey_version_id" in frame.columns:
        columns.insert(0, ("survey_version_id", "version", "int"))
    table = frame_table("reliability", frame[frame["n"] > 0], columns, lang)
    return section_with_notes("reliability", t("s_reliability", lang), (table,), (t("n_alpha", lang),), lang)


def _weights_section(report: Report, lang: str) -> Section:
    frame = report.weights.assign(label=report.weights["dimension"].map(lambda d: dimension_label(d, lang)))
    columns: list[tuple[str, str, Fmt]] = [("label", "dimension", "text")]
    columns += [(m, f"w_{m}", "f3") for m in WEIGHT_METHODS if m in frame.columns]
    columns.append(("used", "used", "f3"))
    table = frame_table("weights", frame, columns, lang)
    drivers = frame_table(
        "drivers",
        report.drivers.assign(label=report.drivers["dimension"].map(lambda d: dimension_label(d, lang))),
        [
            ("label", "dimension", "text"),
            ("beta", "beta", "f3"),
            ("p_value", "p_value", "p"),
            ("significant", "significant", "bool"),
            ("weight", "reg_weight", "f3"),
        ],
        lang,
    )
    tables = (table, drivers) if drivers.rows else (table,)
    return Section("weights", t("s_weights", lang), tables, tuple(report.notes.get("weights", ())))


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
        label=report.complaints_by_category["category"].map(lambda c: category_label(c, lang))
    )
    by_dimension = report.complaints_by_dimension.assign(
        label=report.complaints_by_dimension["dimension"].map(lambda d: dimension_label(d, lang))
    )
    category_columns: list[tuple[str, str, Fmt]] = [("label", "category", "text"), *rate_columns]
    if "reason_picks" in by_category.columns:
        category_columns.append(("reason_picks", "reason_picks", "int"))
    tables = (
        frame_table("complaints", report.complaints, total_columns, lang),
        frame_table("by_category", by_category, category_columns, lang),
        frame_table("by_dimension", by_dimension, [("label", "dimension", "text"), *rate_columns], lang),
    )
    notes = list(report.notes.get("complaints", ()))
    if report.complaints.loc[0, "complaints"] == 0:
        notes.insert(0, t("no_data", lang))
    return Section(
        "complaints",
        t("s_complaints", lang),
        tuple(table for table in tables if table.rows),
        tuple(notes),
        ("complaint_categories",),
    )


def _timeliness_section(report: Report, lang: str) -> Section:
    frame = report.timeliness.assign(
        severity=report.timeliness["severity"].map(lambda s: "∑" if s == "all" else severity_label(s, lang))
    )
    columns: list[tuple[str, str, Fmt]] = [
        ("severity", "severity", "text"), ("tickets", "tickets", "int"),
        ("first_response_median_h", "first_median", "f1"), ("first_response_p90_h", "first_p90", "f1"),
        ("resolution_median_h", "resolution_median", "f1"), ("resolution_p90_h", "resolution_p90", "f1"),
        ("within_sla_share", "within_sla", "pct"), ("overdue_open", "overdue_open", "int"),
        ("rating_mean", "rating", "f2"), ("rating_n", "rating_n", "int"),
    ]  # fmt: skip
    handling = frame_table("timeliness", frame[frame["tickets"] > 0], columns, lang)
    overdue = report.overdue.head(10).assign(
        category=report.overdue["category"].head(10).map(lambda c: category_label(c, lang)),
        severity=report.overdue["severity"].head(10).map(lambda s: severity_label(s, lang)),
    )
    overdue_columns: list[tuple[str, str, Fmt]] = [
        ("ticket_no", "ticket", "text"), ("severity", "severity", "text"), ("category", "category", "text"),
        ("age_hours", "age_h", "f1"), ("sla_hours", "sla_h", "f1"), ("overdue_hours", "overdue_h", "f1"),
    ]  # fmt: skip
    late = frame_table("overdue", overdue, overdue_columns, lang)
    notes = [*report.notes.get("timeliness", ()), *report.notes.get("overdue", ())]
    if not handling.rows:
        notes.insert(0, t("no_data", lang))
    return Section(
        "timeliness",
        t("s_timeliness", lang),
        tuple(table for table in (handling, late) if table.rows),
        tuple(notes),
    )


def _follow_ups_section(report: Report, lang: str) -> Section:
    notes = report.notes.get("follow_ups", ())
    if report.follow_ups.empty:  # a report built without the closed-loop frames
        return Section("follow_ups", t("s_follow_ups", lang), (), (t("no_data", lang), *notes))
    summary_columns: list[tuple[str, str, Fmt]] = [
        ("which", "period", "text"), ("cases", "cases", "int"), ("revisit_judged", "revisit_judged", "int"),
        ("revisited_on_time", "revisited_on_time", "int"), ("recovery_rate", "recovery_rate", "pct"),
        ("fix_judged", "fix_judged", "int"), ("fixed_on_time", "fixed_on_time", "int"),
        ("fix_on_time_rate", "fix_on_time_rate", "pct"), ("rerated", "rerated", "int"),
        ("rating_before_mean", "rating_before_mean", "f2"), ("rerating_mean", "rerating_mean", "f2"),
        ("rerating_change", "rerating_change", "signed2"), ("improved_share", "improved_share", "pct"),
    ]  # fmt: skip
    summary = frame_table("follow_ups", _which(report.follow_ups, lang), summary_columns, lang)
    overdue = report.follow_up_overdue.head(10)
    late = frame_table(
        "follow_up_overdue",
        overdue.assign(
            late=overdue["late"].map(lambda step: t(f"late_{step}", lang)),
            # deadlines fall at local midnight: the day they close is the one before
            due_at=overdue["due_at"].map(
                lambda d: f"{(d - pd.Timedelta(microseconds=1)).tz_convert(report.meta.tz):%Y-%m-%d}"
            ),
        ),
        [("ticket_no", "ticket", "text"), ("late", "late", "text"), ("due_at", "due", "text"),
         ("overdue_hours", "overdue_h", "f1")],
        lang,
    )  # fmt: skip
    reasons = frame_table(
        "reasons",
        report.reasons.assign(label=report.reasons["category"].map(lambda c: category_label(c, lang))),
        [("label", "category", "text"), ("picks", "picks", "int"), ("share", "share", "pct"),
         ("responses", "reason_responses", "int")],
        lang,
    )  # fmt: skip
    has_data = (
        int(report.follow_ups["cases"].sum()) > 0 or late.rows or int(report.reasons["picks"].sum()) > 0
    )
    tables = tuple(table for table in (summary, late, reasons) if table.rows)
    return Section(
        "follow_ups",
        t("s_follow_ups", lang),
        tables,
        tuple(notes) if has_data else (t("no_data", lang), *notes),
    )


def _keywords_section(report: Report, lang: str) -> Section:
    hot = frame_table(
        "keywords",
        report.keywords,
        [
            ("keyword", "keyword", "text"),
            ("complaints", "complaints", "int"),
            ("complaint_ids", "ids", "ids"),
        ],
        lang,
    )
    rising = frame_table(
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
        notes.insert(0, t("no_data", lang))
    return Section(
        "keywords", t("s_keywords", lang), tuple(table for table in (hot, rising) if table.rows), tuple(notes)
    )


def _factor_label(name: object, lang: str) -> str:
    key = str(name)
    if key in DIMENSION_LABELS:
        return dimension_label(key, lang)
    return t(key, lang) if key in TEXT else key


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
    note = t("n_correlation", lang, n=n_periods)
    return section_with_notes(
        "correlation",
        t("s_correlation", lang),
        (frame_table("correlation", frame, columns, lang),),
        (note,),
        lang,
    )


def _priorities_section(report: Report, lang: str) -> Section:
    quadrants = report.ipa.assign(
        label=report.ipa["dimension"].map(lambda d: dimension_label(d, lang)),
        quadrant=report.ipa["quadrant"].map(lambda q: QUADRANT_LABELS[str(q)][lang]),
    )
    ipa_table = frame_table(
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
        dimension=report.priorities["dimension"].map(lambda d: dimension_label(d, lang)),
        category=report.priorities["category"].map(lambda c: category_label(c, lang)),
    )
    priority_table = frame_table(
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
        notes.insert(0, t("no_data", lang))
    tables = tuple(table for table in (ipa_table, priority_table) if table.rows)
    return Section("priorities", t("s_priorities", lang), tables, tuple(notes), ("ipa",))


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
        Column(key, dimension_label(key, lang) if key in DIMENSION_LABELS else t(label, lang), fmt)
        for key, label, fmt in columns
    )
    table = Table("trend", spec, records(frame[[c.key for c in spec]]))
    notes: tuple[str, ...] = (t("n_no_data_trend", lang),)
    if report.trend["n"].sum() == 0:
        notes = (t("no_data", lang), *notes)
    return Section("trend", t("s_trend", lang), (table,), notes)

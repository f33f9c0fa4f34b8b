"""The report's GB/T 19038-style part (顾客满意测评) as sections: model, sampling plan and achieved
margins, data collection, reliability and validity, the importance–satisfaction matrix, SERVQUAL
gaps and Kano categories (only when the survey asks for them), NPS with its interval."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Final

import pandas as pd

from analysis.kano import CATEGORIES, CATEGORY_LABELS
from analysis.report_format import Column, Fmt, Section, Table, frame_table, records, section_with_notes
from analysis.report_labels import TEXT, dimension_label, t

if TYPE_CHECKING:
    from analysis.report_model import Report

Columns = list[tuple[str, str, Fmt]]


def gbt_sections(report: Report, lang: str) -> list[Section]:
    """The GB/T 19038-style sections; SERVQUAL and Kano only when the period has such answers."""
    builders: list[Callable[[Report, str], Section]] = [
        _model_section,
        _sampling_section,
        _collection_section,
        _validity_section,
        _matrix_section,
    ]
    if not report.measurement.servqual.empty or report.notes.get("gbt_servqual"):
        builders.append(_servqual_section)
    if not report.measurement.kano.empty:
        builders.append(_kano_section)
    builders.append(_nps_section)
    built = [builder(report, lang) for builder in builders]
    # Numbered in order, so the numbers stay consecutive when SERVQUAL or Kano is left out.
    return [
        replace(section, title=_numbered(i, section.title, lang)) for i, section in enumerate(built, start=1)
    ]


_CHINESE_NUMERALS: Final = "一二三四五六七八九十"


def _numbered(number: int, title: str, lang: str) -> str:
    prefix = f"{t('s_gbt', lang)} " if number == 1 else ""
    return (
        f"{prefix}{_CHINESE_NUMERALS[number - 1]}、{title}" if lang == "zh" else f"{prefix}{number}. {title}"
    )


def _named(frame: pd.DataFrame, lang: str, column: str = "dimension") -> pd.DataFrame:
    return frame.assign(**{column: frame[column].map(lambda d: dimension_label(d, lang))})


def _model_section(report: Report, lang: str) -> Section:
    columns: Columns = [
        ("dimension", "dimension", "text"),
        ("items", "items_n", "int"),
        ("weight", "weight", "f3"),
    ]
    table = frame_table("gbt_model", _named(report.measurement.model, lang), columns, lang)
    return Section("gbt_model", t("s_gbt_model", lang), (table,), tuple(report.notes.get("gbt_model", ())))


def _sampling_section(report: Report, lang: str) -> Section:
    m = report.measurement
    plan = m.plan.assign(
        population=m.plan["population"].map(lambda v: t("large", lang) if pd.isna(v) else f"{int(v):,}")
    )
    plan_columns: Columns = [
        ("margin", "target_margin", "pct"), ("confidence", "confidence", "pct"),
        ("population", "population", "text"), ("required", "required_n", "int"),
    ]  # fmt: skip
    if m.plan["response_rate"].notna().any():
        plan_columns += [("response_rate", "response_rate", "pct"), ("invitations", "invitations", "int")]
    labels = {"index": t("f_index", lang), "csat": t("f_csat", lang), "nps": t("f_nps", lang)}
    margins = m.margins.assign(
        figure=[
            dimension_label(d, lang) if f == "dimension" else labels[f]
            for f, d in zip(m.margins["figure"], m.margins["dimension"], strict=True)
        ]
    )
    margin_columns: Columns = [
        ("figure", "figure", "text"), ("n", "n", "int"), ("required", "required_n", "int"),
        ("margin", "margin", "pct"), ("below_plan", "below_plan", "bool"),
    ]  # fmt: skip
    tables = (
        frame_table("gbt_plan", plan, plan_columns, lang),
        frame_table("gbt_margins", margins, margin_columns, lang),
    )
    return Section(
        "gbt_sampling", t("s_gbt_sampling", lang), tables, tuple(report.notes.get("gbt_sampling", ()))
    )


def _collection_section(report: Report, lang: str) -> Section:
    columns: Columns = [
        ("channel", "channel", "text"), ("started", "started", "int"), ("completed", "completed", "int"),
        ("abandoned", "abandoned", "int"), ("completion_rate", "completion_rate", "pct"),
    ]  # fmt: skip
    table = frame_table("gbt_collection", report.measurement.collection, columns, lang)
    return section_with_notes(
        "gbt_collection", t("s_gbt_collection", lang), (table,), report.notes.get("gbt_collection", ()), lang
    )


def _validity_section(report: Report, lang: str) -> Section:
    m = report.measurement
    adequacy: Columns = [
        ("survey_version_id", "version", "int"), ("n", "n", "int"), ("items", "items_n", "int"),
        ("kmo", "kmo", "f3"), ("chi2", "chi2", "f1"), ("dof", "dof", "int"), ("p_value", "p_value", "p"),
    ]  # fmt: skip
    loadings: Columns = [
        ("item", "item", "text"), ("dimension", "dimension", "text"), ("factor", "factor", "text"),
        ("loading", "loading", "f3"), ("cross_loading", "cross_loading", "f3"), ("ok", "loads_ok", "bool"),
    ]  # fmt: skip
    convergent: Columns = [
        ("dimension", "dimension", "text"), ("items", "items_n", "int"), ("alpha", "alpha", "f3"),
        ("cr", "cr", "f3"), ("ave", "ave", "f3"), ("ok", "valid_ok", "bool"),
    ]  # fmt: skip
    deleted: Columns = [
        ("dimension", "dimension", "text"), ("item", "item", "text"),
        ("alpha_if_deleted", "alpha_if_deleted", "f3"), ("alpha", "alpha", "f3"),
        ("raises", "raises", "bool"),
    ]  # fmt: skip
    tables = (
        frame_table("gbt_adequacy", m.validity, adequacy, lang),
        frame_table("gbt_loadings", _named(m.loadings, lang), loadings, lang),
        frame_table("gbt_convergent", _named(m.convergent, lang), convergent, lang),
        frame_table("gbt_alpha_deleted", _named(m.alpha_deleted, lang), deleted, lang),
    )
    return section_with_notes(
        "gbt_validity", t("s_gbt_validity", lang), tables, report.notes.get("gbt_validity", ()), lang
    )


def _matrix_section(report: Report, lang: str) -> Section:
    ipa = report.ipa
    separator = "、" if lang == "zh" else ", "

    def cell(quadrant: str) -> str:
        names = [dimension_label(d, lang) for d in ipa.loc[ipa["quadrant"] == quadrant, "dimension"]]
        return separator.join(names) or "—"

    rows = (
        {"row": t("high_importance", lang), "low": cell("concentrate_here"), "high": cell("keep_up")},
        {"row": t("low_importance", lang), "low": cell("low_priority"), "high": cell("possible_overkill")},
    )
    table = Table(
        "gbt_matrix",
        (
            Column("row", ""),
            Column("low", t("low_satisfaction", lang)),
            Column("high", t("high_satisfaction", lang)),
        ),
        rows if len(ipa) else (),
    )
    return section_with_notes(
        "gbt_matrix", t("s_gbt_matrix", lang), (table,), (t("n_gbt_matrix", lang),), lang
    )


def _servqual_section(report: Report, lang: str) -> Section:
    columns: Columns = [
        ("dimension", "dimension", "text"), ("score", "sq_score", "f2"),
        ("perception", "sq_perception", "f2"),
        ("expectation", "sq_expectation", "f2"), ("gap", "sq_gap", "signed2"), ("n", "n", "int"),
    ]  # fmt: skip
    table = frame_table("gbt_servqual", _named(report.measurement.servqual, lang), columns, lang)
    return section_with_notes(
        "gbt_servqual", t("s_gbt_servqual", lang), (table,), report.notes.get("gbt_servqual", ()), lang
    )


def _kano_section(report: Report, lang: str) -> Section:
    frame = report.measurement.kano
    frame = frame.assign(category=frame["category"].map(lambda c: f"{c} {CATEGORY_LABELS[c][lang]}"))
    columns: Columns = [("feature", "feature", "text"), ("n", "n", "int")]
    columns += [(c, c, "int") for c in CATEGORIES]
    columns += [("category", "kano_category", "text"), ("better", "better", "f2"), ("worse", "worse", "f2")]
    spec = tuple(
        Column(key, label if label in CATEGORIES else t(label, lang), fmt) for key, label, fmt in columns
    )
    table = Table("gbt_kano", spec, records(frame[[c.key for c in spec]]))
    return Section("gbt_kano", t("s_gbt_kano", lang), (table,), tuple(report.notes.get("gbt_kano", ())))


def _nps_section(report: Report, lang: str) -> Section:
    frame = report.measurement.nps
    periods = frame[frame["which"] != "change"]
    periods = periods.assign(which=periods["which"].map(lambda w: t(str(w), lang)))
    change = frame[frame["which"] == "change"]
    change = change.assign(
        which=t("nps_change", lang),
        status=change["status"].map(lambda s: t(str(s), lang) if str(s) in TEXT else str(s)),
    )
    tables = (
        frame_table(
            "gbt_nps",
            periods[periods["n"] > 0],
            [
                ("which", "period", "text"),
                ("nps", "nps", "f1"),
                ("ci_low", "ci_low", "f1"),
                ("ci_high", "ci_high", "f1"),
                ("n", "n", "int"),
            ],
            lang,
        ),
        frame_table(
            "gbt_nps_change",
            change[change["nps"].notna()],
            [
                ("which", "metric", "text"),
                ("nps", "change", "signed1"),
                ("ci_low", "ci_low", "signed1"),
                ("ci_high", "ci_high", "signed1"),
                ("p_value", "p_value", "p"),
                ("status", "status", "text"),
            ],
            lang,
        ),
    )
    return section_with_notes(
        "gbt_nps", t("s_gbt_nps", lang), tables, (t("n_gbt_nps", lang, min_n=report.meta.min_n),), lang
    )

"""The report's renderings: plain text, Markdown, one self-contained HTML page, JSON, and its charts."""

from __future__ import annotations

import base64
import html
import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from analysis import charts
from analysis.report_format import Table, cells, float_dict
from analysis.report_labels import present, t
from analysis.report_sections import sections

if TYPE_CHECKING:
    from analysis.report_model import Report


def render_charts(report: Report) -> dict[str, bytes]:
    """The report's charts as PNG bytes, keyed: index_trend, dimensions, ipa, complaint_categories."""
    lang = report.meta.lang
    baseline = float_dict(report.dimensions.dropna(subset=["baseline"]).set_index("dimension")["baseline"])
    dim_trend = report.dimension_trend.dropna(subset=["mean"])
    return {
        "index_trend": charts.index_trend_chart(report.trend, dim_trend, lang),
        "dimensions": charts.dimension_bars_chart(report.dimensions, baseline or None, lang),
        "ipa": charts.ipa_chart(report.ipa, lang),
        "complaint_categories": charts.complaint_categories_chart(report.complaints_by_category, lang),
    }


def _title(report: Report) -> str:
    lang = report.meta.lang
    kind = t(report.meta.freq, lang)
    label = report.meta.current.label
    return (
        f"{t('title', lang)}·{kind}（{label}）" if lang == "zh" else f"{t('title', lang)} — {kind} ({label})"
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
    body = cells(table)
    widths = [max(_display_width(cell) for cell in column) for column in zip(header, *body, strict=True)]
    numeric = [c.fmt not in ("text", "ids", "bool") for c in table.columns]

    def line(row: Sequence[str]) -> str:
        return "  ".join(_pad(cell, w, right) for cell, w, right in zip(row, widths, numeric, strict=True))

    return [line(header), "  ".join("-" * w for w in widths), *(line(row) for row in body)]


def render_text(report: Report) -> str:
    """Plain-text rendering for a terminal (CJK-aware column alignment)."""
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


def render_markdown(report: Report) -> str:
    """Markdown rendering (tables as pipe tables; charts are in the HTML rendering)."""
    lines = [f"# {_title(report)}", ""]
    for section in sections(report):
        lines += [f"## {section.title}", ""]
        for table in section.tables:
            lines.append("| " + " | ".join(_md_cell(c.label) for c in table.columns) + " |")
            lines.append(
                "|"
                + "".join(
                    " ---: |" if c.fmt not in ("text", "ids", "bool") else " --- |" for c in table.columns
                )
            )
            lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in cells(table)]
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
        for row in cells(table)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: Report) -> str:
    """One self-contained HTML page; charts embedded as base64 PNG."""
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
    return value if present(value) else None


def render_json(report: Report) -> str:
    """JSON: meta, headline and every section's tables with raw numbers (null for missing)."""
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
        "follow_up_headline": _json_value_dict(report.follow_up_headline().__dict__),
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "notes": list(s.notes),
                "tables": [
                    {
                        "key": table.key,
                        "columns": [{"key": c.key, "label": c.label} for c in table.columns],
                        "rows": [
                            {c.key: _json_value(row.get(c.key)) for c in table.columns} for row in table.rows
                        ],
                    }
                    for table in s.tables
                ],
            }
            for s in sections(report)
        ],
        "charts": sorted(report.charts),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _json_value_dict(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in values.items()}

"""The section model every rendering walks (titled sections of tables) and how values are formatted."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from analysis.report_labels import present, t

Fmt = Literal["text", "int", "f1", "f2", "f3", "signed0", "signed1", "signed2", "pct", "ids", "bool", "p"]
# Ids listed per keyword in text / Markdown / HTML (JSON carries them all).
SHOWN_IDS: Final = 8


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


def frame_table(key: str, frame: pd.DataFrame, columns: Sequence[tuple[str, str, Fmt]], lang: str) -> Table:
    """A Table from ``frame``; ``columns`` are (frame column, label key, format)."""
    spec = tuple(Column(name, t(label, lang), fmt) for name, label, fmt in columns)
    return Table(key, spec, records(frame[[c.key for c in spec]]))


def section_with_notes(
    key: str, title: str, tables: Sequence[Table], notes: Iterable[str], lang: str
) -> Section:
    """A section whose empty tables add a 'no data' note instead of vanishing."""
    all_notes = list(notes)
    if not any(table.rows for table in tables):
        all_notes.insert(0, t("no_data", lang))
    return Section(key, title, tuple(table for table in tables if table.rows), tuple(all_notes))


def records(frame: pd.DataFrame) -> tuple[dict[str, Any], ...]:
    """The rows of ``frame`` as dicts keyed by column name."""
    return tuple({str(k): v for k, v in row.items()} for row in frame.to_dict("records"))


def float_dict(series: pd.Series) -> dict[str, float]:
    """A Series as {str(index): float(value)}."""
    return {str(key): float(value) for key, value in series.items()}


def num(value: object) -> float | None:
    """A cell as a float, None where it is missing."""
    if not present(value):
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def format_value(value: Any, fmt: Fmt) -> str:
    """A value as readers see it; missing values are an em dash."""
    if fmt == "ids":
        ids = [int(v) for v in value] if isinstance(value, (list, tuple, np.ndarray)) else []
        shown = ", ".join(f"TJ-{i:06d}" for i in ids[:SHOWN_IDS])
        return shown + (f" …(+{len(ids) - SHOWN_IDS})" if len(ids) > SHOWN_IDS else "")
    if fmt == "bool":
        return "✓" if value is True or (isinstance(value, (bool, np.bool_)) and bool(value)) else ""
    if fmt == "text":
        return str(value) if present(value) else "—"
    number = num(value)
    if number is None:
        return "—"
    formats: dict[str, Callable[[float], str]] = {
        "int": lambda v: f"{round(v):d}",
        "f1": lambda v: f"{v:.1f}",
        "f2": lambda v: f"{v:.2f}",
        "f3": lambda v: f"{v:.3f}",
        "signed0": lambda v: signed(v, 0),
        "signed1": lambda v: signed(v, 1),
        "signed2": lambda v: signed(v, 2),
        "pct": lambda v: f"{v * 100:.1f}%",
        "p": lambda v: "<0.001" if v < 0.001 else f"{v:.3f}",
    }
    return formats[fmt](number)


def signed(value: float, decimals: int) -> str:
    """A change with its sign ("+1.2", "-0.3"); one that rounds to zero is "0.0", never "-0.0" or "+0.0"."""
    text = f"{value:+.{decimals}f}"
    return text[1:] if float(text) == 0 else text


def cells(table: Table) -> list[list[str]]:
    """The table's rows as formatted strings, in column order."""
    return [[format_value(row.get(c.key), c.fmt) for c in table.columns] for row in table.rows]

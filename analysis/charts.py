"""Report charts as PNG bytes (matplotlib, Agg canvas; no pyplot global state).

Chinese labels use Noto Sans CJK SC shipped by the ``mplfonts`` package: no CJK font is
installed system-wide, so the font file is registered with matplotlib at first chart use.
Every chart takes ``lang`` ('zh' or 'en') for its labels.
"""

from __future__ import annotations

import functools
import importlib.resources
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

import matplotlib
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis.index import to_index_scale
from analysis.priorities import QUADRANT_LABELS
from dialogs.terms import CATEGORY_LABELS, DIMENSION_LABELS

CJK_FONT_FILE: Final = "NotoSansCJKsc-Regular.otf"
DPI: Final = 120
PALETTE: Final = ("#1f6fb2", "#e07b39", "#3a9d5d", "#c23b4b", "#7b5ea7", "#8c8c8c")
TEXT: Final[Mapping[str, Mapping[str, str]]] = {
    "index": {"zh": "服务质量指数", "en": "Service quality index"},
    "trend_title": {"zh": "服务质量指数与各维度趋势（0–100）", "en": "Index and dimension trend (0–100)"},
    "period": {"zh": "周期", "en": "Period"},
    "score": {"zh": "平均分（1–5）", "en": "Mean score (1–5)"},
    "baseline": {"zh": "基准值", "en": "Baseline"},
    "bars_title": {"zh": "各维度得分与基准值（95%置信区间）", "en": "Dimension scores vs baseline (95% CI)"},
    "importance": {"zh": "重要性", "en": "Importance"},
    "performance": {"zh": "表现", "en": "Performance"},
    "ipa_title": {"zh": "重要性—表现分析（IPA）", "en": "Importance–performance analysis"},
    "complaints": {"zh": "投诉数量", "en": "Complaints"},
    "complaints_title": {"zh": "投诉类别分布", "en": "Complaints by category"},
    "no_data": {"zh": "暂无数据", "en": "No data"},
}


@functools.cache
def cjk_font_name() -> str:
    """Register the packaged CJK font with matplotlib once and return its family name."""
    path = importlib.resources.files("mplfonts") / "fonts" / CJK_FONT_FILE
    with importlib.resources.as_file(path) as font_path:
        font_manager.fontManager.addfont(str(font_path))
        return str(font_manager.FontProperties(fname=str(font_path)).get_name())


@contextmanager
def _style() -> Iterator[None]:
    rc: dict[Any, Any] = {
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_font_name(), "DejaVu Sans"],
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with matplotlib.rc_context(rc):
        yield


def _t(key: str, lang: str) -> str:
    return TEXT[key].get(lang, TEXT[key]["en"])


def _label(labels: Mapping[str, Mapping[str, str]], key: str, lang: str) -> str:
    return labels.get(key, {}).get(lang, key)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _no_data(ax: Axes, lang: str) -> None:
    ax.text(0.5, 0.5, _t("no_data", lang), ha="center", va="center", transform=ax.transAxes, fontsize=14)
    ax.set_xticks([])
    ax.set_yticks([])


def index_trend_chart(
    index_trend: pd.DataFrame, dimension_trend: pd.DataFrame | None = None, lang: str = "zh"
) -> bytes:
    """Index per period (column ``index``) with each dimension's mean mapped to 0–100.

    ``index_trend``: period, index; ``dimension_trend``: period, dimension, mean (e.g. scores.trend).
    """
    with _style():
        fig = Figure(figsize=(8, 4.5), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        if index_trend["index"].notna().sum() == 0:
            _no_data(ax, lang)
        else:
            periods = index_trend["period"].astype(str).tolist()
            ax.plot(
                periods,
                index_trend["index"],
                color="black",
                linewidth=2.5,
                marker="o",
                label=_t("index", lang),
            )
            if dimension_trend is not None and not dimension_trend.empty:
                wide = dimension_trend.pivot(index="period", columns="dimension", values="mean").reindex(
                    periods
                )
                for color, dim in zip(PALETTE, wide.columns, strict=False):
                    name = _label(DIMENSION_LABELS, str(dim), lang)
                    ax.plot(
                        periods, to_index_scale(wide[dim]), color=color, linewidth=1.4, marker=".", label=name
                    )
            ax.set_ylim(0, 100)
            ax.set_xlabel(_t("period", lang))
            ax.tick_params(axis="x", labelrotation=30)
            ax.grid(axis="y", alpha=0.3)
            ax.legend(loc="lower left", fontsize=8, ncols=3)
        ax.set_title(_t("trend_title", lang))
        return _png(fig)


def dimension_bars_chart(
    summary: pd.DataFrame, baseline: Mapping[str, float] | None = None, lang: str = "zh"
) -> bytes:
    """Dimension means (1–5) with 95 % CI whiskers and baseline markers.

    ``summary``: dimension, mean, ci_low, ci_high (e.g. scores.dimension_scores).
    """
    with _style():
        fig = Figure(figsize=(7, 4.5), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        data = summary.dropna(subset=["mean"])
        if data.empty:
            _no_data(ax, lang)
        else:
            names = [_label(DIMENSION_LABELS, str(d), lang) for d in data["dimension"]]
            low = (data["mean"] - data["ci_low"]).fillna(0).clip(lower=0)
            high = (data["ci_high"] - data["mean"]).fillna(0).clip(lower=0)
            ax.bar(names, data["mean"], color=PALETTE[0], alpha=0.85, yerr=[low, high], capsize=5)
            if baseline:
                marks = data["dimension"].map(dict(baseline))
                ax.scatter(names, marks, marker="D", color=PALETTE[3], zorder=3, label=_t("baseline", lang))
                ax.legend(loc="upper right")
            # Values sit inside the bars' feet, clear of the whiskers and baseline markers.
            for x, value in enumerate(data["mean"]):
                ax.text(x, 1.08, f"{value:.2f}", ha="center", va="bottom", color="white", fontsize=11)
            ax.set_ylim(1, 5)
            ax.set_ylabel(_t("score", lang))
            ax.grid(axis="y", alpha=0.3)
        ax.set_title(_t("bars_title", lang))
        return _png(fig)


def ipa_chart(ipa_table: pd.DataFrame, lang: str = "zh") -> bytes:
    """IPA scatter (x = performance, y = importance) with cross-hairs and quadrant names."""
    with _style():
        fig = Figure(figsize=(6.5, 5.5), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        if ipa_table.empty:
            _no_data(ax, lang)
        else:
            x_cross = float(ipa_table["performance_cross"].iloc[0])
            y_cross = float(ipa_table["importance_cross"].iloc[0])
            x_lo, x_hi = _span(ipa_table["performance"], x_cross)
            y_lo, y_hi = _span(ipa_table["importance"], y_cross)
            ax.set_xlim(x_lo, x_hi)
            ax.set_ylim(y_lo, y_hi)
            ax.axvline(x_cross, color="grey", linestyle="--", linewidth=1)
            ax.axhline(y_cross, color="grey", linestyle="--", linewidth=1)
            corners = {
                "concentrate_here": (0.02, 0.98, "left", "top"),
                "keep_up": (0.98, 0.98, "right", "top"),
                "low_priority": (0.02, 0.02, "left", "bottom"),
                "possible_overkill": (0.98, 0.02, "right", "bottom"),
            }
            for key, (x, y, ha, va) in corners.items():
                label = _label(QUADRANT_LABELS, key, lang)
                ax.text(x, y, label, ha=ha, va=va, color="grey", fontsize=10, transform=ax.transAxes)
            ax.scatter(ipa_table["performance"], ipa_table["importance"], s=80, color=PALETTE[0], zorder=3)
            # One label per dimension (four points), not a loop over data rows.
            for dim, x, y in zip(
                ipa_table["dimension"], ipa_table["performance"], ipa_table["importance"], strict=True
            ):
                name = _label(DIMENSION_LABELS, str(dim), lang)
                ax.annotate(name, (x, y), textcoords="offset points", xytext=(6, 6), fontsize=10)
            ax.set_xlabel(_t("performance", lang))
            ax.set_ylabel(_t("importance", lang))
        ax.set_title(_t("ipa_title", lang))
        return _png(fig)


def _span(values: pd.Series, cross: float) -> tuple[float, float]:
    # Keep the cross-hair centred so the four quadrants get comparable room.
    reach = max(float((values - cross).abs().max()), 0.05) * 1.35
    return cross - reach, cross + reach


def complaint_categories_chart(counts: pd.DataFrame, lang: str = "zh") -> bytes:
    """Horizontal bars of complaints per category (``counts``: category, complaints)."""
    with _style():
        fig = Figure(figsize=(7, 4), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        data = counts[counts["complaints"] > 0].sort_values("complaints")
        if data.empty:
            _no_data(ax, lang)
        else:
            names = [_label(CATEGORY_LABELS, str(c), lang) for c in data["category"]]
            bars = ax.barh(names, data["complaints"], color=PALETTE[1])
            ax.bar_label(bars, padding=3)
            ax.set_xlabel(_t("complaints", lang))
            ax.grid(axis="x", alpha=0.3)
        ax.set_title(_t("complaints_title", lang))
        return _png(fig)

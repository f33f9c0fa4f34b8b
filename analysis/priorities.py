"""Improvement priorities (优化方案优先级排序): importance–performance analysis and a ranked list.

IPA (Martilla & James 1977): each dimension is placed by importance (y) and performance (x)
against cross-hairs at the data means or at fixed scale midpoints. Quadrants:
high importance & low performance → concentrate_here; high & high → keep_up;
low & low → low_priority; low importance & high performance → possible_overkill.
A value equal to a cross-hair counts as high.

Ranking: every improvement area (from ``data/improvement_areas.yaml``) gets a 0–100 score,
Σ weight · component, each component scaled to 0–1:
- need: importance share × performance shortfall of the area's dimension,
  (importance / max importance) · (5 − performance) / 4;
- complaints: current complaints in the area's category and dimension (or with no
  dimension), relative to the area with most;
- trend: mean of complaint growth vs the previous period and the dimension's score drop,
  each clipped to ±1 and mapped to 0–1 (0.5 = no change or unknown);
- feasibility: (feasibility − 1) / 4; cost: (5 − cost) / 4 (cheaper ranks higher).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd
import yaml

from dialogs.terms import CATEGORIES, CATEGORY_LABELS, DIMENSION_LABELS, DIMENSIONS

DEFAULT_AREAS_FILE: Final = Path(__file__).parent / "data" / "improvement_areas.yaml"
QUADRANT_LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    "concentrate_here": {"zh": "重点改进", "en": "Concentrate here"},
    "keep_up": {"zh": "继续保持", "en": "Keep up the good work"},
    "low_priority": {"zh": "低优先级", "en": "Low priority"},
    "possible_overkill": {"zh": "可能过度投入", "en": "Possible overkill"},
}
SCALE_MAX: Final = 5.0
# A drop of half a point on the 1–5 scale between periods counts as the strongest trend signal.
SCORE_DROP_FULL: Final = 0.5


def ipa(
    importance: Mapping[str, float],
    performance: Mapping[str, float],
    crosshair: Literal["mean", "midpoint"] = "mean",
    midpoint: tuple[float, float] = (3.0, 3.0),
) -> pd.DataFrame:
    """Place each dimension in an IPA quadrant.

    ``importance`` may be stated importance (1–5) or weights; ``performance`` is the 1–5 mean.
    ``midpoint`` = (importance, performance) cross-hairs used when ``crosshair="midpoint"``.
    Columns: dimension, importance, performance, gap (importance − performance, meaningful on
    a shared 1–5 scale), need, quadrant, quadrant_zh, quadrant_en, importance_cross, performance_cross.
    """
    table = pd.DataFrame(
        {"importance": pd.Series(dict(importance)), "performance": pd.Series(dict(performance))}
    )
    table = table.dropna().astype(float).rename_axis("dimension").reset_index()
    if crosshair == "mean":
        imp_cross, perf_cross = float(table["importance"].mean()), float(table["performance"].mean())
    elif crosshair == "midpoint":
        imp_cross, perf_cross = midpoint
    else:
        raise ValueError(f"unknown crosshair {crosshair!r}; use 'mean' or 'midpoint'")
    high_imp = table["importance"] >= imp_cross
    high_perf = table["performance"] >= perf_cross
    table["gap"] = table["importance"] - table["performance"]
    top = table["importance"].max()
    table["need"] = (
        table["importance"] / top * (SCALE_MAX - table["performance"]) / (SCALE_MAX - 1) if top > 0 else 0.0
    )
    table["quadrant"] = np.select(
        [high_imp & ~high_perf, high_imp & high_perf, ~high_imp & ~high_perf],
        ["concentrate_here", "keep_up", "low_priority"],
        default="possible_overkill",
    )
    table["quadrant_zh"] = table["quadrant"].map(lambda q: QUADRANT_LABELS[q]["zh"])
    table["quadrant_en"] = table["quadrant"].map(lambda q: QUADRANT_LABELS[q]["en"])
    table["importance_cross"] = imp_cross
    table["performance_cross"] = perf_cross
    return table


def load_improvement_areas(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate the improvement areas file; one row per area."""
    data = yaml.safe_load(Path(path or DEFAULT_AREAS_FILE).read_text(encoding="utf-8"))
    rows = [
        {
            "key": str(a["key"]),
            "name_zh": str(a["name"]["zh"]),
            "name_en": str(a["name"]["en"]),
            "dimension": str(a["dimension"]),
            "category": str(a["category"]),
            "cost": int(a["cost"]),
            "feasibility": int(a["feasibility"]),
        }
        for a in data["areas"]
    ]
    areas = pd.DataFrame(rows)
    problems = []
    if areas["key"].duplicated().any():
        problems.append("duplicate keys: " + ", ".join(areas.loc[areas["key"].duplicated(), "key"]))
    for col, allowed in (("dimension", DIMENSIONS), ("category", CATEGORIES)):
        bad = areas.loc[~areas[col].isin(allowed), "key"].tolist()
        if bad:
            problems.append(f"unknown {col} in: {', '.join(bad)}")
    for col in ("cost", "feasibility"):
        bad = areas.loc[~areas[col].between(1, 5), "key"].tolist()
        if bad:
            problems.append(f"{col} outside 1–5 in: {', '.join(bad)}")
    if problems:
        raise ValueError("improvement areas file: " + "; ".join(problems))
    return areas


@dataclass(frozen=True)
class PriorityWeights:
    """Mix of ranking components; normalised to sum 1 before use."""

    need: float = 0.35
    complaints: float = 0.25
    trend: float = 0.15
    feasibility: float = 0.15
    cost: float = 0.10


def _area_complaints(areas: pd.DataFrame, complaints: pd.DataFrame | None) -> pd.Series:
    if complaints is None or complaints.empty:
        return pd.Series(0, index=areas.index, dtype="int64")
    by_cat_dim = complaints.groupby(["category", "dimension"], observed=True).size()
    no_dim = complaints[complaints["dimension"].isna()].groupby("category", observed=True).size()
    pairs = pd.MultiIndex.from_frame(areas[["category", "dimension"]])
    matched = by_cat_dim.reindex(pairs, fill_value=0).to_numpy()
    return pd.Series(matched + areas["category"].map(no_dim).fillna(0).to_numpy(), index=areas.index).astype(
        "int64"
    )


def rank_improvements(
    ipa_table: pd.DataFrame,
    areas: pd.DataFrame,
    complaints: pd.DataFrame | None = None,
    previous_complaints: pd.DataFrame | None = None,
    score_change: Mapping[str, float] | None = None,
    weights: PriorityWeights | None = None,
) -> pd.DataFrame:
    """Rank improvement areas (see module doc for the score); each row has a one-line why_zh / why_en.

    ``complaints`` / ``previous_complaints``: complaint frames of the current and previous period.
    ``score_change``: dimension → current − previous mean (e.g. compare_periods' diff), for the
    changes found significant only: the reasons call a given drop a drop.
    Areas whose dimension is missing from ``ipa_table`` get need 0.
    """
    mix = pd.Series(asdict(weights or PriorityWeights()), dtype="float64")
    mix = mix / mix.sum()
    dims = ipa_table.set_index("dimension")
    table = areas.copy()
    table["importance"] = table["dimension"].map(dims["importance"])
    table["performance"] = table["dimension"].map(dims["performance"])
    table["quadrant"] = table["dimension"].map(dims["quadrant"])
    need = table["dimension"].map(dims["need"]).fillna(0.0)
    table["complaints"] = _area_complaints(table, complaints)
    table["previous_complaints"] = _area_complaints(table, previous_complaints)
    table["previous_known"] = previous_complaints is not None
    table["score_change"] = table["dimension"].map(pd.Series(dict(score_change or {}), dtype="float64"))
    volume = table["complaints"] / max(int(table["complaints"].max()), 1)
    growth = (
        (table["complaints"] - table["previous_complaints"]) / table["previous_complaints"].clip(lower=1)
    ).clip(-1, 1)
    if previous_complaints is None:
        growth = pd.Series(0.0, index=table.index)
    drop = (-table["score_change"] / SCORE_DROP_FULL).clip(-1, 1).fillna(0.0)
    components = pd.DataFrame(
        {
            "need": need.clip(0, 1),
            "complaints": volume,
            "trend": ((growth + drop) / 2 + 1) / 2,
            "feasibility": (table["feasibility"] - 1) / 4,
            "cost": (5 - table["cost"]) / 4,
        }
    )
    table["score"] = components[mix.index] @ mix * 100
    table = table.join(components.add_prefix("c_"))
    table["why_zh"] = [_why(row, "zh") for row in table.itertuples()]
    table["why_en"] = [_why(row, "en") for row in table.itertuples()]
    table = table.sort_values(["score", "key"], ascending=[False, True]).reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def _why(row: object, lang: str) -> str:
    # Built per area (a dozen rows at most), so plain string formatting is clearest here.
    get = row.__getattribute__
    dim = DIMENSION_LABELS.get(str(get("dimension")), {}).get(lang, str(get("dimension")))
    cat = CATEGORY_LABELS.get(str(get("category")), {}).get(lang, str(get("category")))
    zh = lang == "zh"
    parts: list[str] = []
    quadrant = get("quadrant")
    if isinstance(quadrant, str):
        label = QUADRANT_LABELS[quadrant][lang]
        imp, perf = float(get("importance")), float(get("performance"))
        parts.append(
            f"{dim}属“{label}”（重要性{imp:.2f}，表现{perf:.2f}）"
            if zh
            else f"{dim} is '{label}' (importance {imp:.2f}, performance {perf:.2f})"
        )
    n, prev = int(get("complaints")), int(get("previous_complaints"))
    if n:
        delta = f"{n - prev:+d}"
        parts.append(
            f"本期{cat}类投诉{n}起（较上期{delta}）"
            if zh
            else f"{n} {cat.lower()} complaints ({delta} vs previous)"
        )
    change = get("score_change")
    if isinstance(change, float) and change < 0:
        parts.append(f"得分下降{-change:.2f}" if zh else f"score down {-change:.2f}")
    cost, feasibility = int(get("cost")), int(get("feasibility"))
    if cost <= 2 and feasibility >= 4:
        parts.append("成本低、易落地" if zh else "low cost, easy to do")
    elif cost >= 4:
        parts.append("投入较大" if zh else "costly")
    return ("；" if zh else "; ").join(parts)

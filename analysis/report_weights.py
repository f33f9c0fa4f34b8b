"""The report's dimension weights: every weighting method side by side, and the one the index uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.report_data import ReportData
from analysis.report_labels import t
from analysis.report_settings import ReportSettings, WeightMethod
from analysis.scores import respondent_table
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


def choose_weights(
    data: ReportData, cfg: ReportSettings, notes: dict[str, list[str]]
) -> tuple[dict[str, float], pd.DataFrame, str]:
    """Every weighting method side by side, and the weights the index uses (with fallbacks noted)."""
    lang = cfg.lang
    dims = list(data.dimensions)
    found: dict[str, dict[str, float]] = {}
    section = notes.setdefault("weights", [])
    ahp_result = ahp(load_ahp_matrix(cfg.ahp_file))
    verdict = t("n_ahp_ok" if ahp_result.consistent else "n_ahp_bad", lang)
    section.append(t("n_ahp_cr", lang, cr=ahp_result.cr, verdict=verdict))
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
            reason = _reason(error) if lang == "en" else t("insufficient", lang)
            section.append(t("n_weight_missing", lang, method=t(f"w_{method}", lang), reason=reason))
    section.append(t("n_weights_window", lang, n=len(table)))
    wanted = cfg.weight_method
    used, weights = _chosen(wanted, found, cfg.blend_mix, dims)
    if used != wanted:
        section.append(t("n_weight_fallback", lang, wanted=t(f"w_{wanted}", lang), used=t(f"w_{used}", lang)))
    section.append(t("n_weights_used", lang, method=t(f"w_{used}", lang)))
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

"""The report's dimension weights: every weighting method side by side, and the one the index uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from analysis.report_data import ReportData
from analysis.report_labels import dimension_label, t
from analysis.report_settings import ReportSettings, WeightMethod
from analysis.scores import respondent_table
from analysis.weights import (
    AhpResult,
    RegressionWeights,
    ahp,
    blend,
    entropy,
    load_ahp_matrix,
    regression_weights,
    relative_weights,
    stated_importance_weights,
)

DRIVER_ALPHA: Final = 0.05
_FIT_ERRORS: Final = (ValueError, KeyError, np.linalg.LinAlgError)


@dataclass(frozen=True)
class WeightChoice:
    """The weights the index uses, every method side by side, and the regression's drivers."""

    weights: dict[str, float]
    table: pd.DataFrame  # dimension, one column per method, used
    used: str
    drivers: pd.DataFrame  # dimension, beta, p_value, significant, weight


@dataclass(frozen=True)
class WeightInputs:
    """The data-driven methods over the window's responses, from raw rows or from the aggregates.

    ``fit(drop_insignificant)`` is the regression of the overall rating on the dimension means;
    each callable raises ValueError (or LinAlgError) when its method cannot be used. ``n``: the
    responses with a dimension score or an overall rating.
    """

    fit: Callable[[bool], RegressionWeights]
    relative: Callable[[], dict[str, float]]
    entropy: Callable[[], dict[str, float]]
    stated: Callable[[], dict[str, float]]
    n: int


def choose_weights(data: ReportData, cfg: ReportSettings, notes: dict[str, list[str]]) -> WeightChoice:
    """Every weighting method side by side, and the weights the index uses (with fallbacks noted)."""
    dims = list(data.dimensions)
    table = respondent_table(data.clean)
    inputs = WeightInputs(
        fit=lambda drop: regression_weights(
            table, _columns(table, dims), alpha=DRIVER_ALPHA, drop_insignificant=drop
        ),
        relative=lambda: relative_weights(table, _columns(table, dims)),
        entropy=lambda: entropy(table[_columns(table, dims)]),
        stated=lambda: stated_importance_weights(data.clean),
        n=len(table),
    )
    return weigh(inputs, dims, cfg, notes)


def weigh(
    inputs: WeightInputs, dims: Sequence[str], cfg: ReportSettings, notes: dict[str, list[str]]
) -> WeightChoice:
    """:func:`choose_weights` given the data-driven methods' inputs (``dims``: the present dimensions)."""
    lang = cfg.lang
    dims = list(dims)
    found: dict[str, dict[str, float]] = {}
    section = notes.setdefault("weights", [])
    ahp_result = ahp(load_ahp_matrix(cfg.ahp_file))
    verdict = t("n_ahp_ok" if ahp_result.consistent else "n_ahp_bad", lang)
    section.append(t("n_ahp_cr", lang, cr=ahp_result.cr, verdict=verdict))
    fit: RegressionWeights | Exception
    try:
        fit = inputs.fit(not cfg.keep_insignificant_drivers)
    except _FIT_ERRORS as error:
        fit = error
    attempts: dict[str, Callable[[], dict[str, float]]] = {
        "ahp": lambda: _consistent(ahp_result),
        "regression": lambda: _regression(fit, cfg.keep_insignificant_drivers),
        "relative": lambda: _relative(inputs.relative, fit, cfg.keep_insignificant_drivers),
        "entropy": inputs.entropy,
        "stated": inputs.stated,
    }
    for method, attempt in attempts.items():
        try:
            found[method] = attempt()
        except _FIT_ERRORS as error:
            reason = _reason(error) if lang == "en" else t("insufficient", lang)
            section.append(t("n_weight_missing", lang, method=t(f"w_{method}", lang), reason=reason))
    section.append(t("n_weights_window", lang, n=inputs.n))
    wanted = cfg.weight_method
    used, weights = _chosen(wanted, found, cfg.blend_mix, dims)
    if used != wanted:
        section.append(t("n_weight_fallback", lang, wanted=t(f"w_{wanted}", lang), used=t(f"w_{used}", lang)))
    section.append(t("n_weights_used", lang, method=t(f"w_{used}", lang)))
    frame = pd.DataFrame({m: pd.Series(w, dtype="float64") for m, w in found.items()}, index=dims)
    frame = frame.reindex(dims).fillna(0.0) if found else pd.DataFrame(index=dims)
    frame["used"] = pd.Series(weights).reindex(dims).fillna(0.0)
    drivers = _driver_table(fit, found.get("regression", {}))
    if isinstance(fit, RegressionWeights):
        section.append(t("n_drivers_fit", lang, r2=fit.r2, n=fit.n))
        weak = ", ".join(
            drivers.loc[~drivers["significant"], "dimension"].map(lambda d: dimension_label(d, lang))
        )
        if weak:
            key = "n_drivers_kept" if cfg.keep_insignificant_drivers else "n_drivers_dropped"
            section.append(t(key, lang, names=weak, alpha=DRIVER_ALPHA))
    return WeightChoice(weights, frame.rename_axis("dimension").reset_index(), used, drivers)


def _regression(fit: RegressionWeights | Exception, keep: bool) -> dict[str, float]:
    if isinstance(fit, Exception):
        raise fit
    if not keep and not any(p < DRIVER_ALPHA and fit.beta[d] > 0 for d, p in fit.p_value.items()):
        raise ValueError(f"no driver is significant at {DRIVER_ALPHA:g}")
    return dict(fit.weights)


def _relative(
    relative: Callable[[], dict[str, float]], fit: RegressionWeights | Exception, keep: bool
) -> dict[str, float]:
    """Relative weights; without ``keep``, drivers the regression found insignificant get none."""
    weights = relative()
    if keep or isinstance(fit, Exception):
        return weights
    kept = {d: w for d, w in weights.items() if fit.p_value.get(d, 1.0) < DRIVER_ALPHA}
    if not kept or sum(kept.values()) <= 0:
        raise ValueError(f"no driver is significant at {DRIVER_ALPHA:g}")
    total = sum(kept.values())
    return {d: kept.get(d, 0.0) / total for d in weights}


def _driver_table(fit: RegressionWeights | Exception, weights: Mapping[str, float]) -> pd.DataFrame:
    columns = ["dimension", "beta", "p_value", "significant", "weight"]
    if isinstance(fit, Exception):
        return pd.DataFrame(columns=columns)
    rows = [
        {
            "dimension": d,
            "beta": beta,
            "p_value": fit.p_value[d],
            "significant": bool(fit.p_value[d] < DRIVER_ALPHA),
            "weight": weights.get(d, np.nan),
        }
        for d, beta in fit.beta.items()
    ]
    return pd.DataFrame(rows, columns=columns)


def _consistent(result: AhpResult) -> dict[str, float]:
    if not result.consistent:
        raise ValueError(f"CR = {result.cr:.3f} ≥ {result.threshold:g}")
    return dict(result.weights)


def _columns(table: pd.DataFrame, dims: Sequence[str]) -> list[str]:
    return predictors(list(table.columns), dims)


def predictors(columns: Sequence[str], dims: Sequence[str]) -> list[str]:
    """The dimensions of ``dims`` found among ``columns``; ValueError unless ≥ 2 and 'overall' is there."""
    present = [d for d in dims if d in columns]
    if len(present) < 2 or "overall" not in columns:
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

"""The figures of the report's GB/T 19038-style part (顾客满意测评): the model, the sampling plan
and achieved margins, data collection, reliability and validity, the importance–satisfaction
matrix, SERVQUAL gaps and Kano categories (when the survey asks for them) and NPS with its interval.

Choices, each stated in the report where it matters:
- Margins of error are those of a proportion (p = 0.5, the widest) at the plan's confidence, with
  the finite-population correction when the plan gives a population.
- Validity uses this period's cleaned responses to the survey version most of them answered, so
  listwise deletion does not drop whole versions that asked other items.
- The weighted SERVQUAL score uses the index weights as the 100-point importance allocation.
- NPS changes are called changes only when both periods have at least ``min_n`` answers and the
  95 % interval of the difference excludes 0 (the index's rule).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from analysis.index import STATUS_DOWN, STATUS_NO_CHANGE, STATUS_TOO_SMALL, STATUS_UP
from analysis.kano import kano_features
from analysis.reliability import alpha_if_deleted, cronbach_alpha, item_matrix
from analysis.report_data import ReportData
from analysis.report_labels import t
from analysis.report_settings import Lang, ReportSettings
from analysis.sampling import margin_of_error, plan_campaign, required_sample_size
from analysis.scores import NpsCounts, nps_difference, nps_interval, rating_answers, response_counts
from analysis.servqual import ServqualResult, overall_gap, servqual
from analysis.validity import (
    ItemCorrelation,
    ValidityError,
    bartlett_sphericity,
    convergent_validity,
    item_correlation,
    kmo,
    loading_check,
)

SERVQUAL_POINTS: Final = 100.0
SERVQUAL_COLUMNS: Final = ["dimension", "score", "perception", "expectation", "gap", "n"]
# The report's intervals are all 95 % (its column labels say so); the plan's confidence sets margins.
NPS_CONFIDENCE: Final = 0.95


@dataclass(frozen=True)
class Measurement:
    """Tables of the GB/T 19038-style part; empty frames where a figure does not apply."""

    model: pd.DataFrame  # dimension, items, weight
    plan: pd.DataFrame  # margin, confidence, population, required, response_rate, invitations, reachable
    margins: pd.DataFrame  # figure, dimension, n, required, margin, below_plan
    collection: pd.DataFrame  # channel, started, completed, abandoned, completion_rate
    validity: pd.DataFrame  # survey_version_id, n, items, kmo, chi2, dof, p_value
    loadings: pd.DataFrame  # item, dimension, factor, loading, cross_loading, ok
    convergent: pd.DataFrame  # dimension, items, alpha, cr, ave, ok
    alpha_deleted: pd.DataFrame  # dimension, item, alpha_if_deleted, alpha, raises
    servqual: pd.DataFrame  # dimension, score, perception, expectation, gap, n
    servqual_overall: tuple[float, float] | None  # (unweighted, weighted by the index weights)
    kano: pd.DataFrame  # feature, n, A, O, M, I, R, Q, category, better, worse
    nps: pd.DataFrame  # which, nps, ci_low, ci_high, n, p_value, status


def measurement(
    data: ReportData,
    cfg: ReportSettings,
    index_n: int,
    dims: pd.DataFrame,
    weights: Mapping[str, float],
    notes: dict[str, list[str]],
) -> Measurement:
    """Every GB/T 19038-style figure of the current period (see the module doc for the choices)."""
    current = data.answers_in(data.current.label).astype({"dimension": "str", "question_key": "str"})
    plan, required = plan_table(cfg, notes)
    validity, loadings, convergent, deleted = _validity(current, data.dimensions, cfg, notes)
    servqual_table, overall = _servqual(current, dims, weights, cfg, notes)
    return Measurement(
        model=model_table(current, data.dimensions, weights, cfg, notes),
        plan=plan,
        margins=_margins(data, cfg, index_n, dims, required, notes),
        collection=_collection(data, cfg, notes),
        validity=validity,
        loadings=loadings,
        convergent=convergent,
        alpha_deleted=deleted,
        servqual=servqual_table,
        servqual_overall=overall,
        kano=_kano(current, cfg, notes),
        nps=_nps(data, cfg),
    )


def model_table(
    current: pd.DataFrame,
    dimensions: Sequence[str],
    weights: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """The measurement model: items and weight per dimension; notes name the SERVQUAL and Kano parts.

    ``current``: this period's answers, or rows of its answer histogram (role, question_key, dimension).
    """
    items = current[current["role"] == "item"]
    per_dimension = items.groupby("dimension")["question_key"].nunique()
    table = pd.DataFrame({"dimension": list(dimensions)})
    table["items"] = table["dimension"].map(per_dimension).fillna(0).astype("int64")
    table["weight"] = table["dimension"].map(pd.Series(dict(weights), dtype="float64"))
    section = notes.setdefault("gbt_model", [])
    section.append(t("n_gbt_model", cfg.lang))
    expectations = current.loc[current["role"] == "expectation", "question_key"].nunique()
    if expectations:
        section.append(t("n_gbt_model_servqual", cfg.lang, n=expectations))
    kano_pairs = current.loc[current["role"] == "kano_func", "question_key"].nunique()
    if kano_pairs:
        section.append(t("n_gbt_model_kano", cfg.lang, n=kano_pairs))
    return table


def plan_table(cfg: ReportSettings, notes: dict[str, list[str]]) -> tuple[pd.DataFrame, int]:
    """The sampling plan's row and the responses it requires (notes: gbt_sampling)."""
    sampling = cfg.sampling
    required = required_sample_size(sampling.margin, sampling.confidence, 0.5, sampling.population)
    row: dict[str, object] = {
        "margin": sampling.margin,
        "confidence": sampling.confidence,
        "population": sampling.population,
        "required": required,
        "response_rate": sampling.response_rate,
        "invitations": None,
        "reachable": None,
    }
    if sampling.response_rate is not None:
        campaign = plan_campaign(
            sampling.margin, sampling.response_rate, sampling.confidence, 0.5, sampling.population
        )
        row["invitations"], row["reachable"] = campaign.invitations, campaign.reachable
        if not campaign.reachable:
            notes.setdefault("gbt_sampling", []).append(
                t(
                    "n_gbt_unreachable",
                    cfg.lang,
                    invitations=campaign.invitations,
                    population=sampling.population,
                )
            )
    notes.setdefault("gbt_sampling", []).append(
        t("n_gbt_sampling", cfg.lang, confidence=sampling.confidence * 100, margin=sampling.margin * 100)
    )
    return pd.DataFrame([row]), required


def _margins(
    data: ReportData,
    cfg: ReportSettings,
    index_n: int,
    dims: pd.DataFrame,
    required: int,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    current = data.answers_in(data.current.label)
    csat_n, nps_n = len(rating_answers(current, ("overall",))), len(rating_answers(current, ("nps",)))
    return margins_table(index_n, dims, csat_n, nps_n, required, cfg, notes)


def margins_table(
    index_n: int,
    dims: pd.DataFrame,
    csat_n: int,
    nps_n: int,
    required: int,
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> pd.DataFrame:
    """The achieved margin of error of each figure against the plan (notes: gbt_sampling)."""
    sampling = cfg.sampling
    figures: list[tuple[str, str | None, int]] = [("index", None, index_n)]
    figures += [("dimension", str(d), int(n)) for d, n in zip(dims["dimension"], dims["n"], strict=True)]
    figures.append(("csat", None, csat_n))
    figures.append(("nps", None, nps_n))
    if 0 < index_n < required:
        achieved = margin_of_error(
            index_n, sampling.confidence, 0.5, _population(sampling.population, index_n)
        )
        notes.setdefault("gbt_sampling", []).append(
            t(
                "n_gbt_below_plan",
                cfg.lang,
                n=index_n,
                required=required,
                margin=achieved * 100,
                target=sampling.margin * 100,
            )
        )
    rows = []
    for figure, dimension, n in figures:
        population = _population(sampling.population, n)
        margin = margin_of_error(n, sampling.confidence, 0.5, population) if n > 0 else np.nan
        rows.append(
            {
                "figure": figure,
                "dimension": dimension,
                "n": n,
                "required": required,
                "margin": margin,
                "below_plan": n < required,
            }
        )
    return pd.DataFrame(rows, columns=["figure", "dimension", "n", "required", "margin", "below_plan"])


def _population(population: int | None, n: int) -> int | None:
    """The plan's population, unless the sample outgrew it (then it was set too low: no correction)."""
    return population if population is not None and n <= population else None


def _collection(data: ReportData, cfg: ReportSettings, notes: dict[str, list[str]]) -> pd.DataFrame:
    responses = data.responses_in(data.current.label)
    table = response_counts(responses, ["channel"]) if len(responses) else pd.DataFrame()
    return collection_table(table, data.cleaning, cfg, notes)


def collection_table(
    counts: pd.DataFrame, cleaning: Mapping[str, int], cfg: ReportSettings, notes: dict[str, list[str]]
) -> pd.DataFrame:
    """Started/completed/abandoned per channel (``counts``: response_counts by channel).

    Notes: gbt_collection.
    """
    columns = ["channel", "started", "completed", "abandoned", "completion_rate"]
    notes.setdefault("gbt_collection", []).append(
        t(
            "n_gbt_collection",
            cfg.lang,
            responses=cleaning["responses"],
            excluded=cleaning["excluded"],
            kept=cleaning["kept"],
        )
    )
    if counts.empty:
        return pd.DataFrame(columns=columns)
    return counts[columns].astype({"channel": "str"})


def _validity(
    current: pd.DataFrame, dimensions: Sequence[str], cfg: ReportSettings, notes: dict[str, list[str]]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    lang = cfg.lang
    section = notes.setdefault("gbt_validity", [])
    items = current[(current["role"] == "item") & current["score"].notna() & current["dimension"].notna()]
    if items.empty:
        return empty_validity()
    versions = items.groupby("survey_version_id")["response_id"].nunique()
    version = int(versions.index.to_numpy()[versions.to_numpy().argmax()])
    if len(versions) > 1:
        section.append(t("n_gbt_version", lang, version=version, n=int(versions.max())))
    mine = items[items["survey_version_id"] == version]
    wide = item_matrix(mine).dropna(how="any")
    dimension_of = {str(k): str(v) for k, v in mine.groupby("question_key")["dimension"].first().items()}
    scales = ItemScales(
        correlation=lambda: item_correlation(wide),
        alpha=lambda columns: cronbach_alpha(wide[columns]).alpha,
        deleted=lambda columns: alpha_if_deleted(wide[columns]),
    )
    return validity_tables(scales, version, dimension_of, dimensions, lang, section)


@dataclass(frozen=True)
class ItemScales:
    """The complete responses' items of the validity version, from raw rows or from the aggregates.

    ``correlation`` gives the checked correlation matrix (raising ValidityError when unusable);
    ``alpha`` and ``deleted`` give Cronbach's alpha and the alpha-if-deleted table of some items.
    """

    correlation: Callable[[], ItemCorrelation]
    alpha: Callable[[list[str]], float]
    deleted: Callable[[list[str]], pd.DataFrame]


def validity_tables(
    scales: ItemScales,
    version: int,
    dimension_of: Mapping[str, str],
    dimensions: Sequence[str],
    lang: Lang,
    section: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Validity, loadings, convergent validity and alpha if deleted of the chosen version's items."""
    empty = empty_validity()
    try:
        checked = scales.correlation()
        chi2, dof, p_value = bartlett_sphericity(checked)
        adequacy = kmo(checked)
        loadings = loading_check(checked, dimension_of)
    except ValidityError as error:
        section.append(t("n_gbt_validity_failed", lang, reason=_validity_reason(error, lang)))
        return empty
    validity = pd.DataFrame(
        [
            {
                "survey_version_id": version,
                "n": checked.n,
                "items": checked.corr.shape[1],
                "kmo": adequacy,
                "chi2": chi2,
                "dof": dof,
                "p_value": p_value,
            }
        ]
    )
    order = {d: i for i, d in enumerate(dict.fromkeys([*dimensions, *loadings["dimension"]]))}
    loadings = loadings.sort_values(
        ["dimension", "item"], key=lambda c: c.map(order) if c.name == "dimension" else c
    ).reset_index(drop=True)
    convergent = convergent_validity(loadings)
    alphas, deleted = {}, []
    for dimension, part in loadings.groupby("dimension", sort=False):
        columns = list(part["item"])
        alphas[str(dimension)] = scales.alpha(columns)
        if len(columns) >= 3:
            deleted.append(scales.deleted(columns).assign(dimension=str(dimension)))
    convergent.insert(2, "alpha", convergent["dimension"].map(alphas))
    drop_table = (
        pd.concat(deleted, ignore_index=True)[["dimension", "item", "alpha_if_deleted", "alpha", "raises"]]
        if deleted
        else empty[3]
    )
    section.append(t("n_gbt_validity", lang))
    weak = [str(i) for i in loadings.loc[~loadings["ok"], "item"]]
    if weak:
        section.append(t("n_gbt_misloaded", lang, items="、".join(weak) if lang == "zh" else ", ".join(weak)))
    return validity, loadings, convergent, drop_table


def empty_validity() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The four validity tables when there is nothing to measure."""
    return (
        pd.DataFrame(columns=["survey_version_id", "n", "items", "kmo", "chi2", "dof", "p_value"]),
        pd.DataFrame(columns=["item", "dimension", "factor", "loading", "cross_loading", "ok"]),
        pd.DataFrame(columns=["dimension", "items", "alpha", "cr", "ave", "ok"]),
        pd.DataFrame(columns=["dimension", "item", "alpha_if_deleted", "alpha", "raises"]),
    )


def _validity_reason(error: ValidityError, lang: str) -> str:
    key = f"v_{error.kind}"
    return t(key, lang, items="、".join(error.items) if lang == "zh" else ", ".join(error.items))


def _servqual(
    current: pd.DataFrame,
    dims: pd.DataFrame,
    weights: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> tuple[pd.DataFrame, tuple[float, float] | None]:
    pairs = dict(cfg.design.expectation_of)
    expectations = current[(current["role"] == "expectation") & current["question_key"].isin(list(pairs))]
    if expectations.empty:
        return pd.DataFrame(columns=SERVQUAL_COLUMNS), None
    scored = current[current["score"].notna()]
    wide = scored.pivot_table(index="response_id", columns="question_key", values="score", aggfunc="first")
    perception_keys = [p for e, p in pairs.items() if e in wide.columns and p in wide.columns]
    expectation_keys = [e for e, p in pairs.items() if e in wide.columns and p in wide.columns]
    dimension_of = {
        str(k): str(v) for k, v in current.groupby("question_key")["dimension"].first().dropna().items()
    }
    try:
        result: ServqualResult | None = servqual(
            wide[perception_keys],
            wide[expectation_keys].set_axis(perception_keys, axis=1),
            dimension_of,
        )
    except ValueError:
        result = None
    return servqual_section(result, dims, weights, cfg, notes)


def servqual_section(
    result: ServqualResult | None,
    dims: pd.DataFrame,
    weights: Mapping[str, float],
    cfg: ReportSettings,
    notes: dict[str, list[str]],
) -> tuple[pd.DataFrame, tuple[float, float] | None]:
    """The SERVQUAL table with each dimension's score, and (unweighted, weighted) overall gaps.

    ``result`` None: pairs were asked but none could be scored (the note says so; notes: gbt_servqual).
    """
    try:
        if result is None:
            raise ValueError("no SERVQUAL pairs")
        present = {d: float(weights.get(d, 0.0)) * SERVQUAL_POINTS for d in result.dimension_gaps}
        weighted = overall_gap(result.dimension_gaps, present) if sum(present.values()) > 0 else float("nan")
    except ValueError:
        notes.setdefault("gbt_servqual", []).append(t("n_gbt_servqual_none", cfg.lang))
        return pd.DataFrame(columns=SERVQUAL_COLUMNS), None
    table = result.table.assign(score=result.table["dimension"].map(dims.set_index("dimension")["mean"]))
    notes.setdefault("gbt_servqual", []).append(
        # The index may weight none of these dimensions (weights 0): then there is no weighted score.
        t(
            "n_gbt_servqual",
            cfg.lang,
            overall=result.overall,
            weighted="—" if np.isnan(weighted) else f"{weighted:.2f}",
        )
    )
    return table[SERVQUAL_COLUMNS], (result.overall, weighted)


def _kano(current: pd.DataFrame, cfg: ReportSettings, notes: dict[str, list[str]]) -> pd.DataFrame:
    table = kano_features(current[current["role"].isin(["kano_func", "kano_dysf"])], cfg.design.kano_pairs)
    if not table.empty:
        notes.setdefault("gbt_kano", []).append(t("n_gbt_kano", cfg.lang))
    return table


def _nps(data: ReportData, cfg: ReportSettings) -> pd.DataFrame:
    counts = {
        which: NpsCounts.of(rating_answers(data.answers_in(label), ("nps",))["score"])
        for which, label in (("current", data.current.label), ("previous", data.previous.label))
    }
    return nps_table(counts["current"], counts["previous"], cfg)


def nps_table(current: NpsCounts, previous: NpsCounts, cfg: ReportSettings) -> pd.DataFrame:
    """NPS with its interval this period and last, and the change with its interval, p and verdict."""
    counts = {"current": current, "previous": previous}
    rows = []
    for which, count in counts.items():
        value, low, high = nps_interval(count, NPS_CONFIDENCE)
        rows.append({"which": which, "nps": value, "ci_low": low, "ci_high": high, "n": count.n})
    diff, low, high, p_value = nps_difference(counts["current"], counts["previous"], NPS_CONFIDENCE)
    enough = min(counts["current"].n, counts["previous"].n) >= cfg.min_n
    if not enough:
        status = STATUS_TOO_SMALL
    elif np.isnan(low) or low <= 0 <= high:
        status = STATUS_NO_CHANGE
    else:
        status = STATUS_UP if diff > 0 else STATUS_DOWN
    rows.append(
        {
            "which": "change",
            "nps": diff,
            "ci_low": low,
            "ci_high": high,
            "n": counts["current"].n,
            "p_value": p_value,
            "status": status,
        }
    )
    return pd.DataFrame(rows, columns=["which", "nps", "ci_low", "ci_high", "n", "p_value", "status"])

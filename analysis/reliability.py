"""Internal consistency: Cronbach's alpha per dimension and over all rating items, and alpha if
an item is deleted.

α = k/(k − 1) · (1 − Σ s²_i / s²_total), with k items, s²_i each item's sample variance and
s²_total the sample variance of the respondents' summed scores (all ddof=1; Cronbach 1951).
Respondents missing any of the items are left out (listwise deletion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

ALPHA_THRESHOLD: Final = 0.7
FLAG_LOW: Final = "low"
FLAG_ZERO_VARIANCE: Final = "zero_variance"
FLAG_TOO_FEW_ITEMS: Final = "too_few_items"
FLAG_TOO_FEW_RESPONDENTS: Final = "too_few_respondents"
OVERALL: Final = "overall"


@dataclass(frozen=True)
class AlphaResult:
    """Alpha (NaN when undefined), the data it used, and a flag: None when α ≥ threshold.

    Flags: 'low' (α < 0.7), 'zero_variance' (all summed scores identical), 'too_few_items'
    (k < 2), 'too_few_respondents' (n < 2).
    """

    alpha: float
    n_items: int
    n_respondents: int
    flag: str | None


def cronbach_alpha(frame: pd.DataFrame, threshold: float = ALPHA_THRESHOLD) -> AlphaResult:
    """Cronbach's alpha of a wide frame: rows = respondents, columns = items."""
    data = frame.dropna(how="any").astype(float)
    n, k = data.shape
    if k < 2 or n < 2:
        return _alpha(k, n, float("nan"), float("nan"), threshold)
    return _alpha(k, n, float(data.var(ddof=1).sum()), float(data.sum(axis=1).var(ddof=1)), threshold)


def alpha_from_covariance(cov: pd.DataFrame, n: int, threshold: float = ALPHA_THRESHOLD) -> AlphaResult:
    """:func:`cronbach_alpha` from the items' covariance matrix (ddof=1) over ``n`` complete responses.

    The summed score's variance is the sum of the matrix's entries.
    """
    k = cov.shape[1]
    if k < 2 or n < 2:
        return _alpha(k, n, float("nan"), float("nan"), threshold)
    values = cov.to_numpy(dtype=float)
    return _alpha(k, n, float(np.trace(values)), float(values.sum()), threshold)


def _alpha(k: int, n: int, item_var: float, total_var: float, threshold: float) -> AlphaResult:
    if k < 2:
        return AlphaResult(float("nan"), k, n, FLAG_TOO_FEW_ITEMS)
    if n < 2:
        return AlphaResult(float("nan"), k, n, FLAG_TOO_FEW_RESPONDENTS)
    if np.isclose(total_var, 0.0):
        return AlphaResult(float("nan"), k, n, FLAG_ZERO_VARIANCE)
    alpha = k / (k - 1) * (1 - item_var / total_var)
    return AlphaResult(alpha, k, n, FLAG_LOW if alpha < threshold else None)


def alpha_if_deleted(frame: pd.DataFrame, threshold: float = ALPHA_THRESHOLD) -> pd.DataFrame:
    """Alpha of the other items when each item is left out, beside the alpha of all of them.

    Columns: item, alpha_if_deleted, alpha (all items), raises (True when leaving the item out gives
    a higher alpha: a candidate to reword or drop), flag (of the reduced scale). The same
    respondents are used throughout: listwise deletion happens once, over all items.
    """
    data = frame.dropna(how="any")
    return _deleted_table(
        [str(c) for c in data.columns],
        cronbach_alpha(data, threshold).alpha,
        [cronbach_alpha(data.drop(columns=item), threshold) for item in data.columns],
    )


def alpha_if_deleted_from_covariance(
    cov: pd.DataFrame, n: int, threshold: float = ALPHA_THRESHOLD
) -> pd.DataFrame:
    """:func:`alpha_if_deleted` from the covariance matrix (ddof=1) over ``n`` complete responses."""
    items = [str(c) for c in cov.columns]
    reduced = [
        alpha_from_covariance(cov.drop(index=item, columns=item), n, threshold) for item in cov.columns
    ]
    return _deleted_table(items, alpha_from_covariance(cov, n, threshold).alpha, reduced)


def _deleted_table(items: list[str], whole: float, reduced_results: list[AlphaResult]) -> pd.DataFrame:
    rows = []
    for item, reduced in zip(items, reduced_results, strict=True):
        rows.append(
            {
                "item": str(item),
                "alpha_if_deleted": reduced.alpha,
                "alpha": whole,
                "raises": bool(reduced.alpha > whole) if not np.isnan(reduced.alpha + whole) else False,
                "flag": reduced.flag,
            }
        )
    return pd.DataFrame(rows, columns=["item", "alpha_if_deleted", "alpha", "raises", "flag"])


def item_matrix(answers: pd.DataFrame) -> pd.DataFrame:
    """Wide matrix of rating items: one row per response, one column per question_key."""
    items = answers[(answers["role"] == "item") & answers["score"].notna()]
    return items.pivot_table(index="response_id", columns="question_key", values="score", aggfunc="mean")


def alpha_by_dimension(
    answers: pd.DataFrame, by: Sequence[str] = (), threshold: float = ALPHA_THRESHOLD
) -> pd.DataFrame:
    """Alpha per dimension and over all items ('overall'), optionally per group of ``by``.

    Group by ``survey_version_id`` when versions ask different items: listwise deletion would
    otherwise drop every response of the version that lacks an item.
    Columns: [*by], scope, alpha, n_items, n, flag.
    """
    keys = list(by)
    groups = answers.groupby(keys, observed=True) if keys else [((), answers)]
    rows: list[dict[str, object]] = []
    # Few groups (versions/periods) and few dimensions: the per-group work itself is vectorised.
    for key, part in groups:
        wide = item_matrix(part)
        dims = part[part["role"] == "item"].groupby("question_key")["dimension"].first()
        scopes = [(str(d), list(dims[dims == d].index)) for d in sorted(dims.dropna().unique())]
        scopes.append((OVERALL, list(dims.index)))
        prefix = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        for scope, columns in scopes:
            rows.append(alpha_row(prefix, scope, cronbach_alpha(wide[columns], threshold)))
    return pd.DataFrame(rows, columns=[*keys, "scope", "alpha", "n_items", "n", "flag"])


def alpha_row(prefix: Mapping[str, object], scope: str, result: AlphaResult) -> dict[str, object]:
    """One row of :func:`alpha_by_dimension`'s table: the group's keys, the scope and its alpha."""
    return {
        **prefix,
        "scope": scope,
        "alpha": result.alpha,
        "n_items": result.n_items,
        "n": result.n_respondents,
        "flag": result.flag,
    }

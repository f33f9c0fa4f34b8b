"""Construct validity of a questionnaire: is the item set factorable, and does each item measure
the dimension it was written for?

- KMO (Kaiser 1970; Kaiser & Rice 1974), as SPSS and R psych::KMO compute it:
  KMO = Σ r²_ij / (Σ r²_ij + Σ q²_ij) over i ≠ j, with R the item correlation matrix and
  Q = S R⁻¹ S, S = diag(R⁻¹)^(−1/2) the anti-image (partial) correlations, sign aside.
- Bartlett's (1950) test of sphericity: χ² = −(n − 1 − (2p + 5)/6) · ln|R|, p(p − 1)/2 degrees
  of freedom; a small p-value says the items correlate, so factor analysis is worthwhile.
- Exploratory factor loadings: principal-component extraction of as many factors as declared
  dimensions, varimax rotation with Kaiser normalisation (Kaiser 1958) — SPSS's default
  (主成分分析 + 最大方差旋转). Each factor is matched to the dimension whose items load on it most.
- Composite reliability and average variance extracted (Fornell & Larcker 1981), from each item's
  loading on its own dimension's factor: CR = (Σλ)² / ((Σλ)² + Σ(1 − λ²)), AVE = Σλ² / k.

Written here rather than taken from a library: factor_analyzer 0.5.1 (its latest release) calls
scikit-learn's ``check_array(force_all_finite=…)``, which scikit-learn 1.8 removed, so its
FactorAnalyzer fails with this project's scikit-learn; pingouin has neither KMO nor EFA; and
scikit-learn's FactorAnalysis would load scikit-learn into the bot process, which builds digests
and is kept free of it (see :mod:`analysis.complaint_model`). What is needed is a few lines of
numpy/scipy linear algebra, checked in tests against hand computations.

Every function takes ``items``: one column per item, one row per response; rows missing any item
are left out (listwise deletion). Items that cannot give a figure — fewer than two items, a
constant item, too few responses, items that are exact combinations of others — raise
:class:`ValidityError` with a sentence saying which and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.optimize import linear_sum_assignment

KMO_ACCEPTABLE: Final = 0.6
LOADING_MIN: Final = 0.5
CR_MIN: Final = 0.7
AVE_MIN: Final = 0.5
_SINGULAR: Final = 1e-9


class ValidityError(ValueError):
    """The items cannot give this figure; the message says why in one sentence.

    ``kind`` names the reason for callers that word it themselves ('too_few_items',
    'too_few_responses', 'constant', 'singular', 'factors', 'loadings'); ``items`` lists the
    items concerned (the constant ones).
    """

    def __init__(self, message: str, kind: str, items: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.kind = kind
        self.items = items


def complete_items(items: pd.DataFrame) -> pd.DataFrame:
    """The responses that answered every item, as floats; raises ValidityError when unusable.

    Needs at least two items, more complete responses than items, and no constant item.
    """
    data = items.dropna(how="any").astype(float)
    n, p = data.shape
    _check_shape(n, p)
    _check_constant([str(c) for c in data.columns if np.isclose(data[c].std(ddof=1), 0.0)])
    return data


def _check_shape(n: int, p: int) -> None:
    if p < 2:
        raise ValidityError(f"needs at least 2 items, got {p}", "too_few_items")
    if n <= p:
        raise ValidityError(
            f"needs more complete responses than items: {n} responses, {p} items", "too_few_responses"
        )


def _check_constant(constant: list[str]) -> None:
    if constant:
        raise ValidityError(
            f"every response gave the same answer to: {', '.join(constant)}", "constant", tuple(constant)
        )


@dataclass(frozen=True)
class ItemCorrelation:
    """The correlation matrix of the complete responses' items (checked usable) and their number."""

    corr: pd.DataFrame
    n: int


def item_correlation(items: pd.DataFrame | ItemCorrelation) -> ItemCorrelation:
    """The checked correlation matrix of ``items`` (one column per item, rows with NaN left out)."""
    if isinstance(items, ItemCorrelation):
        return items
    data = complete_items(items)
    return ItemCorrelation(
        pd.DataFrame(_correlation(data), index=data.columns, columns=data.columns), len(data)
    )


def correlation_from_covariance(cov: pd.DataFrame, n: int) -> ItemCorrelation:
    """:func:`item_correlation` from the items' covariance matrix (ddof=1) over ``n`` complete responses."""
    _check_shape(n, cov.shape[1])
    std = np.sqrt(np.clip(np.diag(cov.to_numpy(dtype=float)), 0, None))
    _check_constant([str(c) for c, s in zip(cov.columns, std, strict=True) if np.isclose(s, 0.0)])
    corr = cov.to_numpy(dtype=float) / np.outer(std, std)
    np.fill_diagonal(corr, 1.0)
    _check_singular(corr)
    return ItemCorrelation(pd.DataFrame(corr, index=cov.index, columns=cov.columns), n)


def _correlation(data: pd.DataFrame) -> np.ndarray:
    corr: np.ndarray = np.asarray(np.corrcoef(data.to_numpy(), rowvar=False), dtype=float)
    _check_singular(corr)
    return corr


def _check_singular(corr: np.ndarray) -> None:
    # The smallest eigenvalue, not the determinant: many strongly related items have a tiny
    # determinant yet a well-conditioned matrix.
    if float(np.linalg.eigvalsh(corr).min()) < _SINGULAR:
        raise ValidityError(
            "the correlation matrix is singular: some items are exact combinations of others", "singular"
        )


def kmo(items: pd.DataFrame | ItemCorrelation) -> float:
    """Overall Kaiser–Meyer–Olkin measure of sampling adequacy (≥ 0.6 commonly read as adequate)."""
    corr = item_correlation(items).corr.to_numpy()
    inverse = np.linalg.inv(corr)
    scale = 1 / np.sqrt(np.diag(inverse))
    partial = -inverse * np.outer(scale, scale)
    off = ~np.eye(len(corr), dtype=bool)
    r2 = float((corr[off] ** 2).sum())
    q2 = float((partial[off] ** 2).sum())
    return r2 / (r2 + q2)


def bartlett_sphericity(items: pd.DataFrame | ItemCorrelation) -> tuple[float, int, float]:
    """Bartlett's test that the item correlation matrix is the identity: (χ², dof, p-value)."""
    checked = item_correlation(items)
    corr, n, p = checked.corr.to_numpy(), checked.n, checked.corr.shape[1]
    _, logdet = np.linalg.slogdet(corr)
    chi2 = -(n - 1 - (2 * p + 5) / 6) * logdet
    dof = p * (p - 1) // 2
    return float(chi2), dof, float(sps.chi2.sf(chi2, dof))


def varimax(
    loadings: np.ndarray, normalize: bool = True, tol: float = 1e-10, max_sweeps: int = 500
) -> np.ndarray:
    """Varimax rotation (Kaiser 1958) of a p × k loading matrix by planar rotations of factor pairs.

    Each pair (j, l) turns by φ with tan 4φ = (D − 2AB/p) / (C − (A² − B²)/p), where u = x_j² − x_l²,
    v = 2·x_j·x_l, A = Σu, B = Σv, C = Σ(u² − v²), D = 2Σuv (Harman 1976, §14.4), until no pair
    turns by more than ``tol``. This is the algorithm SPSS uses; the SVD shortcut of R's
    stats::varimax can stop at its starting point on clean simple structures. With ``normalize``
    rows are scaled to unit communality while rotating (Kaiser normalisation).
    """
    p, k = loadings.shape
    heights = np.sqrt((loadings**2).sum(axis=1, keepdims=True)) if normalize else np.ones((p, 1))
    heights = np.where(heights > 0, heights, 1.0)
    x = loadings / heights
    for _ in range(max_sweeps):
        largest = 0.0
        for j in range(k - 1):
            for m in range(j + 1, k):
                u = x[:, j] ** 2 - x[:, m] ** 2
                v = 2 * x[:, j] * x[:, m]
                a, b = u.sum(), v.sum()
                numerator = 2 * (u * v).sum() - 2 * a * b / p
                denominator = (u**2 - v**2).sum() - (a**2 - b**2) / p
                phi = np.arctan2(numerator, denominator) / 4
                largest = max(largest, abs(phi))
                c, s = np.cos(phi), np.sin(phi)
                x[:, j], x[:, m] = x[:, j] * c + x[:, m] * s, -x[:, j] * s + x[:, m] * c
        if largest < tol:
            break
    rotated: np.ndarray = x * heights
    return rotated


def factor_loadings(
    items: pd.DataFrame | ItemCorrelation, n_factors: int, rotate: bool = True
) -> pd.DataFrame:
    """Principal-component loadings of ``n_factors`` factors, varimax-rotated unless ``rotate`` is False.

    Columns F1, F2, … in order of variance explained after rotation; each factor's sign is chosen so
    that its loadings sum to a positive number.
    """
    if isinstance(items, ItemCorrelation):
        checked = items
    else:
        data = complete_items(items)
        if not 1 <= n_factors <= data.shape[1]:
            raise ValidityError(f"cannot extract {n_factors} factors from {data.shape[1]} items", "factors")
        checked = item_correlation(data)
    columns = list(checked.corr.columns)
    if not 1 <= n_factors <= len(columns):
        raise ValidityError(f"cannot extract {n_factors} factors from {len(columns)} items", "factors")
    values, vectors = np.linalg.eigh(checked.corr.to_numpy())
    order = np.argsort(values)[::-1][:n_factors]
    raw = vectors[:, order] * np.sqrt(np.clip(values[order], 0, None))
    rotated = varimax(raw) if rotate else raw
    rotated = rotated[:, np.argsort(-(rotated**2).sum(axis=0), kind="stable")]
    rotated = rotated * np.where(rotated.sum(axis=0) < 0, -1.0, 1.0)
    names = [f"F{i + 1}" for i in range(n_factors)]
    return pd.DataFrame(rotated, index=[str(c) for c in columns], columns=names)


def loading_check(items: pd.DataFrame | ItemCorrelation, dimension_of: Mapping[str, str]) -> pd.DataFrame:
    """Whether each item loads on its declared dimension (one factor per dimension, matched to it).

    A factor goes to the dimension whose items have the largest sum of squared loadings on it
    (an optimal one-to-one assignment). Columns: item, dimension, factor, loading (on the
    dimension's factor), cross_loading (largest absolute loading on another factor), ok (loading
    ≥ 0.5 and larger than every cross-loading).
    """
    known = items.corr.columns if isinstance(items, ItemCorrelation) else items.columns
    columns = [c for c in known if str(c) in dimension_of]
    dims = list(dict.fromkeys(dimension_of[str(c)] for c in columns))
    if isinstance(items, ItemCorrelation):
        part: pd.DataFrame | ItemCorrelation = ItemCorrelation(items.corr.loc[columns, columns], items.n)
    else:
        part = items[columns]
    loadings = factor_loadings(part, len(dims))
    of_item = pd.Series({str(c): dimension_of[str(c)] for c in columns})
    squared = (loadings**2).groupby(of_item).sum().reindex(dims)
    dim_index, factor_index = linear_sum_assignment(-squared.to_numpy())
    factor_of = {dims[d]: str(loadings.columns[f]) for d, f in zip(dim_index, factor_index, strict=True)}
    rows = []
    for item in loadings.index:
        dimension = str(of_item[item])
        factor = factor_of[dimension]
        own = float(loadings.loc[item, factor])
        others = loadings.loc[item].drop(factor).abs()
        cross = float(others.max()) if len(others) else 0.0
        rows.append(
            {
                "item": item,
                "dimension": dimension,
                "factor": factor,
                "loading": own,
                "cross_loading": cross,
                "ok": own >= LOADING_MIN and own > cross,
            }
        )
    return pd.DataFrame(rows, columns=["item", "dimension", "factor", "loading", "cross_loading", "ok"])


def composite_reliability(loadings: pd.Series | list[float] | np.ndarray) -> float:
    """Fornell & Larcker (1981) composite reliability (Σλ)² / ((Σλ)² + Σ(1 − λ²)); ≥ 0.7 is acceptable."""
    values = _standardised_loadings(loadings)
    common = float(values.sum()) ** 2
    return common / (common + float((1 - values**2).sum()))


def average_variance_extracted(loadings: pd.Series | list[float] | np.ndarray) -> float:
    """Fornell & Larcker (1981) average variance extracted Σλ² / k; ≥ 0.5 is acceptable."""
    values = _standardised_loadings(loadings)
    return float((values**2).mean())


def _standardised_loadings(loadings: pd.Series | list[float] | np.ndarray) -> np.ndarray:
    values = np.asarray(loadings, dtype=float)
    if values.size == 0:
        raise ValidityError("needs at least one loading", "loadings")
    if np.isnan(values).any() or (np.abs(values) > 1).any():
        raise ValidityError("standardised loadings must be numbers between −1 and 1", "loadings")
    return values


def convergent_validity(check: pd.DataFrame) -> pd.DataFrame:
    """Per dimension of a :func:`loading_check` table: items, CR, AVE and whether both pass (0.7 / 0.5)."""
    rows = []
    for dimension, part in check.groupby("dimension", sort=False):
        cr = composite_reliability(part["loading"].clip(-1, 1))
        ave = average_variance_extracted(part["loading"].clip(-1, 1))
        rows.append(
            {
                "dimension": str(dimension),
                "items": len(part),
                "cr": cr,
                "ave": ave,
                "ok": cr >= CR_MIN and ave >= AVE_MIN,
            }
        )
    return pd.DataFrame(rows, columns=["dimension", "items", "cr", "ave", "ok"])

"""Dimension weights: expert (AHP, Delphi), data-driven (regression, relative weights, entropy),
customer-stated importance, a side-by-side table and a configured blend.

All weight functions return ``dict[str, float]`` (or a result object holding one) summing to 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import yaml
from scipy import stats as sps

# Saaty (1980) random consistency index RI for n = 1..10.
RANDOM_INDEX: Final = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
CR_THRESHOLD: Final = 0.1
DEFAULT_AHP_FILE: Final = Path(__file__).parent / "data" / "ahp_default.yaml"

AhpMethod = Literal["eigen", "geometric"]
MatrixLike = pd.DataFrame | np.ndarray | Sequence[Sequence[float]]


class InconsistentJudgementsError(ValueError):
    """Raised when weights with a consistency ratio ≥ the threshold are selected for use."""


@dataclass(frozen=True)
class AhpResult:
    """Outcome of :func:`ahp`: weights plus the consistency check that decides whether to use them."""

    weights: dict[str, float]
    lambda_max: float
    ci: float
    cr: float
    method: str
    threshold: float = CR_THRESHOLD

    @property
    def consistent(self) -> bool:
        """True when CR < threshold (Saaty's 0.1)."""
        return self.cr < self.threshold


def _labelled_matrix(matrix: MatrixLike, labels: Sequence[str] | None) -> pd.DataFrame:
    if isinstance(matrix, pd.DataFrame):
        frame = matrix.astype(float)
    else:
        values = np.asarray(matrix, dtype=float)
        if values.ndim != 2 or values.shape[0] != values.shape[1]:
            raise ValueError("AHP matrix must be square and non-empty")
        names = list(labels) if labels is not None else [f"c{i + 1}" for i in range(len(values))]
        frame = pd.DataFrame(values, index=names, columns=names)
    a = frame.to_numpy()
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError("AHP matrix must be square and non-empty")
    if list(frame.index) != list(frame.columns):
        raise ValueError("AHP matrix rows and columns must name the same criteria in the same order")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("AHP matrix entries must be positive numbers")
    if not np.allclose(a * a.T, 1.0, rtol=1e-3):
        raise ValueError("AHP matrix must be reciprocal: a[j][i] = 1 / a[i][j]")
    if a.shape[0] > len(RANDOM_INDEX):
        raise ValueError(f"AHP supports at most {len(RANDOM_INDEX)} criteria (Saaty RI table)")
    return frame


def ahp(matrix: MatrixLike, method: AhpMethod = "eigen", labels: Sequence[str] | None = None) -> AhpResult:
    """Weights from a reciprocal pairwise matrix, with λmax, CI = (λmax − n)/(n − 1) and CR = CI/RI.

    ``eigen``: principal right eigenvector (Saaty). ``geometric``: normalised row geometric means,
    with λmax = mean_i((A·w)_i / w_i). RI is Saaty's 1980 table; for n ≤ 2, CI = CR = 0.
    This function only reports; :func:`weights_for_use` refuses inconsistent judgements.
    """
    frame = _labelled_matrix(matrix, labels)
    a = frame.to_numpy()
    n = a.shape[0]
    if method == "eigen":
        values, vectors = np.linalg.eig(a)
        k = int(np.argmax(values.real))
        w = np.abs(vectors[:, k].real)
        w = w / w.sum()
        lambda_max = float(values[k].real)
    elif method == "geometric":
        w = np.exp(np.log(a).mean(axis=1))
        w = w / w.sum()
        lambda_max = float(np.mean((a @ w) / w))
    else:
        raise ValueError(f"unknown AHP method {method!r}; use 'eigen' or 'geometric'")
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    cr = ci / RANDOM_INDEX[n - 1] if n > 2 else 0.0
    weights = {str(k): float(v) for k, v in zip(frame.index, w, strict=True)}
    return AhpResult(weights=weights, lambda_max=lambda_max, ci=ci, cr=cr, method=method)


def weights_for_use(result: AhpResult) -> dict[str, float]:
    """The AHP weights if consistent; raise InconsistentJudgementsError otherwise."""
    if not result.consistent:
        raise InconsistentJudgementsError(
            f"AHP judgements are inconsistent: CR = {result.cr:.3f} ≥ {result.threshold:.2f}; "
            "revise the pairwise comparisons before using these weights"
        )
    return dict(result.weights)


def _number(value: Any) -> float:
    # YAML has no fraction type; "1/3" is friendlier to experts than 0.3333.
    return float(Fraction(value)) if isinstance(value, str) else float(value)


def load_ahp_matrix(path: Path | str | None = None) -> pd.DataFrame:
    """Read ``criteria`` and ``matrix`` (numbers or "a/b" strings) from a YAML file."""
    data = yaml.safe_load(Path(path or DEFAULT_AHP_FILE).read_text(encoding="utf-8"))
    criteria = [str(c) for c in data["criteria"]]
    rows = [[_number(v) for v in row] for row in data["matrix"]]
    return _labelled_matrix(pd.DataFrame(rows, index=criteria, columns=criteria), None)


def _normalised(values: pd.Series) -> dict[str, float]:
    total = float(values.sum())
    if not np.isfinite(total) or total <= 0:
        raise ValueError("weights cannot be normalised: values are not positive")
    return {str(k): float(v) / total for k, v in values.items()}


@dataclass(frozen=True)
class DelphiResult:
    """Averaged expert scores → weights, with per-criterion spread and Kendall's W concordance."""

    weights: dict[str, float]
    mean: dict[str, float]
    cv: dict[str, float]
    kendall_w: float


def kendall_w(scores: pd.DataFrame) -> float:
    """Kendall's coefficient of concordance W (rows = raters, columns = objects), tie-corrected.

    W = 12 S / (m²(n³ − n) − m Σ T), S = Σ_j (R_j − R̄)², T = Σ (t³ − t) over each rater's ties.
    """
    m, n = scores.shape
    if m < 2 or n < 2:
        return float("nan")
    ranks = scores.rank(axis=1, method="average")
    totals = ranks.sum(axis=0)
    s = float(((totals - totals.mean()) ** 2).sum())
    tie_sizes = scores.stack().groupby(level=0).value_counts()
    ties = float((tie_sizes**3 - tie_sizes).sum())
    denominator = m**2 * (n**3 - n) - m * ties
    return 12 * s / denominator if denominator > 0 else float("nan")


def delphi_weights(scores: pd.DataFrame) -> DelphiResult:
    """Weights = mean expert score per criterion (columns), normalised to sum 1 (rows = experts).

    Also reports each criterion's coefficient of variation (std/mean, ddof=1), a Delphi
    stopping signal (≤ 0.25 is commonly read as consensus), and Kendall's W.
    """
    clean = scores.dropna(how="any").astype(float)
    if clean.empty:
        raise ValueError("Delphi needs at least one complete expert row")
    mean = clean.mean()
    cv = clean.std(ddof=1) / mean
    return DelphiResult(
        weights=_normalised(mean),
        mean={str(k): float(v) for k, v in mean.items()},
        cv={str(k): float(v) for k, v in cv.items()},
        kendall_w=kendall_w(clean),
    )


@dataclass(frozen=True)
class RegressionWeights:
    """Standardised OLS coefficients of overall satisfaction on dimension scores, turned into weights."""

    weights: dict[str, float]
    beta: dict[str, float]
    p_value: dict[str, float]
    r2: float
    n: int
    notes: list[str] = field(default_factory=list)


def _complete(frame: pd.DataFrame, predictors: Sequence[str], target: str) -> pd.DataFrame:
    data = frame[[*predictors, target]].dropna().astype(float)
    enough_rows(len(data), len(predictors))
    return data


def enough_rows(n: int, predictors: int) -> None:
    """Raise ValueError unless ``n`` complete rows can fit ``predictors`` (and an intercept's dof)."""
    if n < predictors + 2:
        raise ValueError(f"need at least {predictors + 2} complete rows, got {n}")


def regression_weights(
    frame: pd.DataFrame,
    predictors: Sequence[str],
    target: str = "overall",
    alpha: float = 0.05,
    drop_insignificant: bool = False,
) -> RegressionWeights:
    """Standardised β of ``target`` on ``predictors`` (rows with any NaN dropped) → weights.

    β comes from OLS on z-scores (ddof=1), p-values from t = β/se with n − k − 1 dof.
    Negative β (usually collinearity, not a dimension that hurts satisfaction) get weight 0;
    insignificant ones (p ≥ alpha) are kept but noted, or zeroed with ``drop_insignificant``.
    If nothing positive remains, weights fall back to equal and a note says so.
    """
    data = _complete(frame, predictors, target)
    z = (data - data.mean()) / data.std(ddof=1)
    x, y = z[list(predictors)].to_numpy(), z[target].to_numpy()
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    n = x.shape[0]
    resid = y - x @ beta
    return _fitted(
        list(predictors), beta, float(resid @ resid), float(y @ y), x.T @ x, n, alpha, drop_insignificant
    )


def regression_weights_from_correlation(
    corr: pd.DataFrame,
    n: int,
    predictors: Sequence[str],
    target: str = "overall",
    alpha: float = 0.05,
    drop_insignificant: bool = False,
) -> RegressionWeights:
    """:func:`regression_weights` from the correlation matrix of the ``n`` complete rows.

    On z-scores XᵀX = (n − 1) R_xx and Xᵀy = (n − 1) r_xy, so β solves R_xx β = r_xy and the
    residual sum of squares is (n − 1)(1 − 2βᵀr_xy + βᵀR_xx β): the same fit without the rows.
    """
    enough_rows(n, len(predictors))
    names = list(predictors)
    rxx = corr.loc[names, names].to_numpy(dtype=float)
    rxy = corr.loc[names, target].to_numpy(dtype=float)
    beta, *_ = np.linalg.lstsq(rxx, rxy, rcond=None)
    scale = n - 1
    rss = scale * (1 - 2 * float(beta @ rxy) + float(beta @ rxx @ beta))
    return _fitted(names, beta, rss, float(scale), scale * rxx, n, alpha, drop_insignificant)


def _fitted(
    names: list[str],
    beta: np.ndarray,
    rss: float,
    tss: float,
    xtx: np.ndarray,
    n: int,
    alpha: float,
    drop_insignificant: bool,
) -> RegressionWeights:
    """Standard errors, p-values, R² and weights of a fitted standardised regression."""
    k = len(names)
    dof = n - k - 1
    sigma2 = rss / dof
    se = np.sqrt(np.diag(sigma2 * np.linalg.pinv(xtx)))
    p = 2 * sps.t.sf(np.abs(beta / se), dof)
    r2 = 1 - rss / tss
    notes: list[str] = []
    negative = [c for c, b in zip(names, beta, strict=True) if b < 0]
    if negative:
        notes.append(f"negative coefficients set to 0: {', '.join(negative)}")
    insignificant = p >= alpha
    if insignificant.any():
        verb = "set to 0" if drop_insignificant else "kept"
        listed = ", ".join(c for c, bad in zip(names, insignificant, strict=True) if bad)
        notes.append(f"not significant at {alpha:g} ({verb}): {listed}")
    kept: np.ndarray = np.clip(beta, 0, None)
    if drop_insignificant:
        kept = np.where(insignificant, 0.0, kept)
    if kept.sum() <= 0:
        notes.append("no positive driver found; equal weights used")
        kept = np.ones_like(kept)
    return RegressionWeights(
        weights=_normalised(pd.Series(kept, index=names, dtype="float64")),
        beta=dict(zip(names, map(float, beta), strict=True)),
        p_value=dict(zip(names, map(float, p), strict=True)),
        r2=r2,
        n=n,
        notes=notes,
    )


def relative_weights(
    frame: pd.DataFrame, predictors: Sequence[str], target: str = "overall"
) -> dict[str, float]:
    """Johnson's (2000) relative weights: each predictor's share of R², robust to collinearity.

    With R_xx = P diag(λ) Pᵀ, Λ = P diag(√λ) Pᵀ, β* = Λ⁻¹ r_xy: raw_j = Σ_k Λ_jk² β*_k²
    (Σ raw = R²); returned normalised to sum 1.
    """
    data = _complete(frame, predictors, target)
    return relative_weights_from_correlation(data.corr(), predictors, target)


def relative_weights_from_correlation(
    corr: pd.DataFrame, predictors: Sequence[str], target: str = "overall"
) -> dict[str, float]:
    """:func:`relative_weights` from the correlation matrix of the complete rows."""
    names = list(predictors)
    rxx = corr.loc[names, names].to_numpy(dtype=float)
    rxy = corr.loc[names, target].to_numpy(dtype=float)
    eigval, eigvec = np.linalg.eigh(rxx)
    lam = eigvec @ np.diag(np.sqrt(np.clip(eigval, 0, None))) @ eigvec.T
    beta = np.linalg.pinv(lam) @ rxy
    raw = (lam**2) @ (beta**2)
    return _normalised(pd.Series(raw, index=list(predictors)))


def entropy(frame: pd.DataFrame) -> dict[str, float]:
    """Entropy weights of the columns of a non-negative matrix (rows = alternatives/respondents).

    p_ij = x_ij / Σ_i x_ij; e_j = −(1/ln m) Σ_i p_ij ln p_ij with 0·ln 0 = 0; d_j = 1 − e_j;
    w_j = d_j / Σ d_j. An all-zero column carries no information (e_j = 1). If no column
    varies at all (Σ d_j = 0) the weights are equal. Rows with NaN are dropped.
    """
    x = frame.dropna(how="any").astype(float)
    m = len(x)
    _entropy_usable(m, bool((x < 0).to_numpy().any()))
    totals = x.sum(axis=0)
    p = x / totals.where(totals > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = (p * np.log(p)).fillna(0.0)
    return _entropy_weights(totals, plogp.sum(axis=0), m)


def entropy_from_histogram(values: pd.DataFrame, columns: Sequence[str], m: int) -> dict[str, float]:
    """:func:`entropy` of ``m`` complete rows given as a histogram: column, value, n (rows with it)."""
    _entropy_usable(m, bool((values["value"] < 0).any()))
    weighted = values.assign(_x=values["value"] * values["n"])
    totals = weighted.groupby("column")["_x"].sum().reindex(list(columns), fill_value=0.0)
    p = values["value"] / values["column"].map(totals.where(totals > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = (p * np.log(p)).fillna(0.0) * values["n"]
    plogp = terms.groupby(values["column"]).sum().reindex(list(columns), fill_value=0.0)
    return _entropy_weights(totals, plogp, m)


def _entropy_usable(m: int, negative: bool) -> None:
    if m < 2:
        raise ValueError("entropy weights need at least 2 rows")
    if negative:
        raise ValueError("entropy weights need non-negative values")


def _entropy_weights(totals: pd.Series, plogp: pd.Series, m: int) -> dict[str, float]:
    e = (-plogp / np.log(m)).where(totals > 0, 1.0)
    d = 1 - e
    if d.sum() <= 1e-15:
        d[:] = 1.0
    return _normalised(d.clip(lower=0))


def stated_importance_weights(answers: pd.DataFrame) -> dict[str, float]:
    """Customer-stated weights: mean 'importance' rating per dimension, normalised to sum 1."""
    imp = answers[(answers["role"] == "importance") & answers["score"].notna() & answers["dimension"].notna()]
    if imp.empty:
        raise ValueError("no importance ratings in the answers")
    return stated_weights_from_means(imp.groupby("dimension")["score"].mean())


def stated_weights_from_means(means: pd.Series) -> dict[str, float]:
    """:func:`stated_importance_weights` from the mean importance rating per dimension."""
    return _normalised(means)


WeightSource = Mapping[str, float] | AhpResult


def _usable(source: WeightSource) -> dict[str, float]:
    return weights_for_use(source) if isinstance(source, AhpResult) else dict(source)


def weights_table(
    methods: Mapping[str, WeightSource], mix: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Side-by-side table: one row per dimension, one column per method (+ ``blend`` if ``mix``).

    Each method's weights are renormalised to sum 1; a dimension a method lacks shows 0.
    Inconsistent AHP results are refused (InconsistentJudgementsError).
    """
    table = pd.DataFrame({name: pd.Series(_normalised(pd.Series(_usable(w)))) for name, w in methods.items()})
    table = table.fillna(0.0).rename_axis("dimension")
    if mix is not None:
        table["blend"] = pd.Series(blend(methods, mix))
    return table


def blend(methods: Mapping[str, WeightSource], mix: Mapping[str, float]) -> dict[str, float]:
    """Weighted mix of methods' weights, e.g. {"ahp": 0.5, "regression": 0.3, "stated": 0.2}.

    Each method is normalised first, the mix itself is normalised, the result sums to 1.
    """
    unknown = sorted(set(mix) - set(methods))
    if unknown:
        raise ValueError(f"blend mix names unknown methods: {', '.join(unknown)}")
    share = pd.Series(_normalised(pd.Series(dict(mix), dtype=float)))
    table = pd.DataFrame(
        {name: pd.Series(_normalised(pd.Series(_usable(methods[name])))) for name in share.index}
    )
    return _normalised(table.fillna(0.0) @ share)

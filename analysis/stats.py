"""Small statistical building blocks shared by scores, index and comparisons.

Confidence intervals use Student's t: mean ± t(1-α/2, n-1) · s/√n with the sample standard
deviation s (ddof=1). A group with n < 2 has no standard deviation, so its CI is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats as sps

LOW_RATING_MAX: Final = 2.0
SUMMARY_COLUMNS: Final = ("n", "mean", "std", "ci_low", "ci_high")


def t_half_width(std: pd.Series, n: pd.Series, confidence: float = 0.95) -> pd.Series:
    """Half-width of the t confidence interval for a mean, NaN where n < 2."""
    n_arr = n.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = np.where(n_arr >= 2, n_arr - 1, np.nan)
        t_crit = sps.t.ppf(0.5 + confidence / 2, dof)
        half = t_crit * std.to_numpy(dtype=float) / np.sqrt(n_arr)
    return pd.Series(half, index=std.index)


def describe(
    frame: pd.DataFrame, value: str, by: Sequence[str] = (), confidence: float = 0.95
) -> pd.DataFrame:
    """Per group of ``by``: n, mean, std (ddof=1), and the t CI of the mean of ``value``.

    NaN values are ignored. With no ``by`` the result has a single row (n=0 when empty).
    """
    keys = list(by)
    if keys:
        grouped = frame.groupby(keys, observed=True, sort=True)[value]
        table = grouped.agg(["count", "mean", "std"]).rename(columns={"count": "n"})
    else:
        col = frame[value]
        table = pd.DataFrame({"n": [int(col.count())], "mean": [col.mean()], "std": [col.std()]})
    table["n"] = table["n"].astype("int64")
    half = t_half_width(table["std"], table["n"], confidence)
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
    return table.reset_index() if keys else table


def welch_difference(
    mean_a: pd.Series,
    std_a: pd.Series,
    n_a: pd.Series,
    mean_b: pd.Series,
    std_b: pd.Series,
    n_b: pd.Series,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Difference a − b of two independent means with Welch's t CI and two-sided p-value.

    se = √(s_a²/n_a + s_b²/n_b); dof by Welch–Satterthwaite.
    """
    va = std_a.astype(float) ** 2 / n_a.astype(float)
    vb = std_b.astype(float) ** 2 / n_b.astype(float)
    se = np.sqrt(va + vb)
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
        diff = mean_a.astype(float) - mean_b.astype(float)
        t_crit = sps.t.ppf(0.5 + confidence / 2, dof)
        p_value = 2 * sps.t.sf(np.abs(diff / se), dof)
    return pd.DataFrame(
        {
            "diff": diff,
            "diff_ci_low": diff - t_crit * se,
            "diff_ci_high": diff + t_crit * se,
            "p_value": p_value,
        },
        index=mean_a.index,
    )

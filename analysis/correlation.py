"""Factor correlation (影响因素关联性分析) across periods.

Builds one row per period — dimension means, mean overall satisfaction and the complaint rate —
and correlates every pair of those series with scipy.stats (Pearson or Spearman), reporting
r, the number of periods used (pairwise deletion) and the two-sided p-value.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Final, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import periods
from analysis.scores import dimension_scores, rating_answers

MIN_PERIODS: Final = 3
Method = Literal["pearson", "spearman"]


def period_factor_table(
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    complaints: pd.DataFrame,
    freq: periods.Freq = "week",
    tz: str = periods.DEFAULT_TZ,
) -> pd.DataFrame:
    """Per period (index): each dimension's mean, 'overall' mean, completed responses,
    complaints and complaint_rate (complaints per 1,000 completed responses)."""
    labelled = periods.add_response_period(answers, freq, tz)
    dims = dimension_scores(labelled, ["period"]).pivot(index="period", columns="dimension", values="mean")
    overall = rating_answers(labelled, ("overall",)).groupby("period")["score"].mean().rename("overall")
    done = responses[responses["status"] == "completed"]
    n_resp = periods.period_labels(done["started_at"], freq, tz).value_counts().rename("responses")
    n_compl = periods.period_labels(complaints["created_at"], freq, tz).value_counts().rename("complaints")
    table = pd.concat([dims, overall, n_resp, n_compl], axis=1).sort_index()
    table[["responses", "complaints"]] = table[["responses", "complaints"]].fillna(0).astype("int64")
    table["complaint_rate"] = table["complaints"] * 1000 / table["responses"].where(table["responses"] > 0)
    table.index.name = "period"
    table.columns.name = None
    return table


def _pair(x: np.ndarray, y: np.ndarray, method: Method) -> tuple[float, float]:
    if len(x) < MIN_PERIODS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sps.ConstantInputWarning)
        result = sps.pearsonr(x, y) if method == "pearson" else sps.spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)


def factor_correlation(
    table: pd.DataFrame, columns: Sequence[str] | None = None, method: Method = "pearson"
) -> pd.DataFrame:
    """Pairwise correlations of ``columns`` (default: all but the raw counts) with r, n, p_value.

    Rows missing either value are dropped per pair; r and p are NaN with fewer than 3 periods
    or a constant series. Sorted by |r|, strongest first.
    """
    cols = (
        list(columns)
        if columns is not None
        else [c for c in table.columns if c not in ("responses", "complaints")]
    )
    rows = []
    # A handful of factors → a handful of pairs; each pair is one vectorised scipy call.
    for a, b in itertools.combinations(cols, 2):
        pair = table[[a, b]].dropna()
        r, p = _pair(pair[a].to_numpy(float), pair[b].to_numpy(float), method)
        rows.append({"var_a": a, "var_b": b, "r": r, "n": len(pair), "p_value": p})
    result = pd.DataFrame(rows, columns=["var_a", "var_b", "r", "n", "p_value"])
    order = result["r"].abs().sort_values(ascending=False, na_position="last").index
    return result.loc[order].reset_index(drop=True)

"""SERVQUAL gap scores: perception minus expectation, per dimension and overall.

Parasuraman, Zeithaml & Berry (1988), and Zeithaml, Parasuraman & Berry (1990, *Delivering
Quality Service*, appendix A): each respondent's score on a dimension is the mean of P − E over
that dimension's item pairs; a dimension's gap is the mean of those scores over respondents; the
unweighted SERVQUAL score is the mean of the dimension gaps, and the weighted one weights each
dimension gap by the importance points (out of 100) customers allocated to it. A negative gap
means the service falls short of what customers expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ServqualResult:
    """Gaps per dimension, the overall gap, and a table with P, E, gap and n per dimension."""

    dimension_gaps: dict[str, float]
    overall: float
    weighted: bool
    table: pd.DataFrame  # dimension, perception, expectation, gap, n


def servqual(
    perception: pd.DataFrame,
    expectation: pd.DataFrame,
    dimension_of: Mapping[str, str],
    weights: Mapping[str, float] | None = None,
) -> ServqualResult:
    """Gap scores from paired item frames (rows = responses, columns = item keys).

    ``expectation`` names each column after the perception item it is paired with; only
    (response, item) pairs with both answers count. ``weights``: importance points per dimension
    (a 100-point allocation; normalised by their sum over the dimensions present).
    """
    unpaired = sorted(map(str, set(expectation.columns) - set(perception.columns)))
    if unpaired:
        raise ValueError(f"expectation items without a perception item: {', '.join(unpaired)}")
    items = [str(c) for c in expectation.columns]
    missing = [c for c in items if c not in dimension_of]
    if missing:
        raise ValueError(f"items without a dimension: {', '.join(missing)}")
    p = perception[items].astype(float)
    e = expectation.reindex(p.index)[items].astype(float)
    both = p.notna() & e.notna()
    gaps = (p - e).where(both)
    dims = pd.Series({c: dimension_of[c] for c in items})
    rows = []
    for dimension in dict.fromkeys(dims):
        columns = list(dims[dims == dimension].index)
        per_response = gaps[columns].mean(axis=1).dropna()
        if per_response.empty:
            continue
        rows.append(
            {
                "dimension": dimension,
                "perception": float(np.nanmean(p[columns].where(both[columns]).to_numpy())),
                "expectation": float(np.nanmean(e[columns].where(both[columns]).to_numpy())),
                "gap": float(per_response.mean()),
                "n": len(per_response),
            }
        )
    table = pd.DataFrame(rows, columns=["dimension", "perception", "expectation", "gap", "n"])
    return servqual_of_table(table, weights)


def servqual_of_table(table: pd.DataFrame, weights: Mapping[str, float] | None = None) -> ServqualResult:
    """The result from its table (dimension, perception, expectation, gap, n; one row per dimension)."""
    if table.empty:
        raise ValueError("no response answered both an expectation item and its perception item")
    gap_of = {str(d): float(g) for d, g in zip(table["dimension"], table["gap"], strict=True)}
    return ServqualResult(
        dimension_gaps=gap_of,
        overall=overall_gap(gap_of, weights),
        weighted=weights is not None,
        table=table,
    )


def overall_gap(gaps: Mapping[str, float], weights: Mapping[str, float] | None) -> float:
    """The mean of the dimension gaps, weighted by importance points when given."""
    values = np.array(list(gaps.values()))
    if weights is None:
        return float(values.mean())
    lacking = [d for d in gaps if d not in weights]
    if lacking:
        raise ValueError(f"no importance points for: {', '.join(lacking)}")
    points = np.array([float(weights[d]) for d in gaps])
    if (points < 0).any() or points.sum() <= 0:
        raise ValueError("importance points must be non-negative and not all zero")
    return float((points * values).sum() / points.sum())

"""Kano analysis: what kind of requirement a feature is, from a functional/dysfunctional question pair.

Each feature is asked twice — "if it has X, how do you feel?" (functional) and "if it does not have
X?" (dysfunctional) — on the five standard answers, coded 1–5:
1 我很喜欢 (like), 2 理应如此 (must-be), 3 无所谓 (neutral), 4 能忍受 (live with), 5 我很不喜欢 (dislike).
The pair maps through the Kano evaluation table (Berger et al. 1993, "Kano's methods for
understanding customer-defined quality", Center for Quality Management Journal 2(4)) to one of
A attractive (魅力), O one-dimensional (期望), M must-be (必备), I indifferent (无差异),
R reverse (反向), Q questionable (可疑).

A feature's category is the most frequent one; ties go to the category that matters most when
missing, M > O > A > I > R > Q (Berger et al.'s rule of thumb). The customer-satisfaction
coefficients (Berger et al. 1993, after Timko):
Better = (A + O)/(A + O + M + I) (how much having it satisfies, 0 to 1) and
Worse = −(O + M)/(A + O + M + I) (how much lacking it dissatisfies, 0 to −1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import pandas as pd

CATEGORIES: Final = ("A", "O", "M", "I", "R", "Q")
TIE_ORDER: Final = ("M", "O", "A", "I", "R", "Q")
ANSWERS: Final = (1, 2, 3, 4, 5)
CATEGORY_LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    "A": {"zh": "魅力型", "en": "Attractive"},
    "O": {"zh": "期望型", "en": "One-dimensional"},
    "M": {"zh": "必备型", "en": "Must-be"},
    "I": {"zh": "无差异型", "en": "Indifferent"},
    "R": {"zh": "反向型", "en": "Reverse"},
    "Q": {"zh": "可疑结果", "en": "Questionable"},
}
# Rows: functional answer 1–5; columns: dysfunctional answer 1–5 (Berger et al. 1993, Table 3).
EVALUATION_TABLE: Final = (
    ("Q", "A", "A", "A", "O"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "R", "R", "R", "Q"),
)


def evaluate(functional: int, dysfunctional: int) -> str:
    """The Kano category of one respondent's answer pair (each 1–5)."""
    if functional not in ANSWERS or dysfunctional not in ANSWERS:
        raise ValueError(f"Kano answers are coded 1–5, got ({functional}, {dysfunctional})")
    return EVALUATION_TABLE[functional - 1][dysfunctional - 1]


def _counts(counts: Mapping[str, int] | pd.Series) -> dict[str, int]:
    unknown = sorted(set(map(str, counts.keys())) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown Kano categories: {', '.join(unknown)} (use A, O, M, I, R, Q)")
    values = {c: int(counts.get(c, 0)) for c in CATEGORIES}
    if any(v < 0 for v in values.values()):
        raise ValueError("Kano counts cannot be negative")
    return values


def category(counts: Mapping[str, int] | pd.Series) -> str:
    """The most frequent category of A, O, M, I, R, Q; ties by M > O > A > I > R > Q."""
    values = _counts(counts)
    if sum(values.values()) == 0:
        raise ValueError("no Kano answers to categorise")
    return max(TIE_ORDER, key=lambda c: (values[c], -TIE_ORDER.index(c)))


def coefficients(counts: Mapping[str, int] | pd.Series) -> tuple[float, float]:
    """(Better, Worse): (A + O)/(A + O + M + I) and −(O + M)/(A + O + M + I)."""
    values = _counts(counts)
    base = values["A"] + values["O"] + values["M"] + values["I"]
    if base == 0:
        raise ValueError("no answer fell in A, O, M or I, so Better and Worse are undefined")
    return (values["A"] + values["O"]) / base, -(values["O"] + values["M"]) / base


def kano_features(answers: pd.DataFrame, pairs: Mapping[str, str]) -> pd.DataFrame:
    """One row per feature (its functional question key) from the answers frame.

    ``pairs`` maps each functional question key to its dysfunctional question key. Only responses
    that answered both questions count. Columns: feature, n, A, O, M, I, R, Q, category, better,
    worse (NaN when no answer fell in A, O, M or I).
    """
    scored = answers[answers["score"].notna()]
    wide = scored.pivot_table(index="response_id", columns="question_key", values="score", aggfunc="first")
    found: list[tuple[str, dict[str, int]]] = []
    for functional, dysfunctional in pairs.items():
        if functional not in wide.columns or dysfunctional not in wide.columns:
            continue
        both = wide[[functional, dysfunctional]].dropna().astype(int)
        if both.empty:
            continue
        categories = pd.Series(
            [evaluate(f, d) for f, d in zip(both[functional], both[dysfunctional], strict=True)]
        ).value_counts()
        found.append((str(functional), {c: int(categories.get(c, 0)) for c in CATEGORIES}))
    return kano_table(found)


def kano_table(features: Sequence[tuple[str, Mapping[str, int]]]) -> pd.DataFrame:
    """One row per (feature, its category counts): n, the counts, category, better, worse."""
    rows = []
    for feature, counts in features:
        try:
            better, worse = coefficients(counts)
        except ValueError:
            better, worse = float("nan"), float("nan")
        rows.append(
            {
                "feature": feature,
                "n": sum(counts.values()),
                **counts,
                "category": category(counts),
                "better": better,
                "worse": worse,
            }
        )
    columns = ["feature", "n", *CATEGORIES, "category", "better", "worse"]
    return pd.DataFrame(rows, columns=columns)

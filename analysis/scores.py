"""Scores per dimension and per question, CSAT, NPS, response counts and drop-off.

All functions take the ``answers`` / ``responses`` frames of :mod:`analysis.frames` and an
optional ``by``: extra grouping columns such as ``"period"`` (see :mod:`analysis.periods`) or
``"survey_version_id"``. Filter the frames first to restrict to a period or a version.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import periods
from analysis.sampling import z_value
from analysis.stats import LOW_RATING_MAX, describe

RATING_ROLES: Final = ("item", "importance", "overall")
NO_ANSWER: Final = "(none)"


def rating_answers(answers: pd.DataFrame, roles: Sequence[str] = ("item",)) -> pd.DataFrame:
    """Answers of the given roles that carry a score."""
    return answers[answers["role"].isin(list(roles)) & answers["score"].notna()]


def _low_share(ratings: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    flags = ratings.assign(_low=(ratings["score"] <= LOW_RATING_MAX).astype(float))
    grouped = flags.groupby(keys, observed=True)["_low"]
    return grouped.agg(low_share="mean", n_answers="size").reset_index()


def respondent_dimension_scores(answers: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Each response's score per dimension: the mean of its answered items (role 'item')."""
    items = rating_answers(answers)
    items = items[items["dimension"].notna()]
    keys = [*by, "response_id", "dimension"]
    return items.groupby(keys, observed=True)["score"].mean().reset_index()


def dimension_scores(answers: pd.DataFrame, by: Sequence[str] = (), confidence: float = 0.95) -> pd.DataFrame:
    """Per dimension: n (responses), mean, std, t-CI, low_share (answers ≤ 2), n_answers.

    The unit is the response: each response's items in a dimension are averaged first, so
    items of one person do not count as independent observations in the CI.
    """
    keys = [*by, "dimension"]
    per_response = respondent_dimension_scores(answers, by)
    summary = describe(per_response, "score", keys, confidence)
    items = rating_answers(answers)
    low = _low_share(items[items["dimension"].notna()], keys)
    return summary.merge(low, on=keys, how="left")


def question_scores(
    answers: pd.DataFrame,
    by: Sequence[str] = (),
    roles: Sequence[str] = (*RATING_ROLES, "nps"),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per question: role, dimension, n, mean, std, t-CI, low_share (≤ 2; NaN for 0–10 NPS items)."""
    ratings = rating_answers(answers, roles)
    keys = [*by, "question_key"]
    summary = describe(ratings, "score", keys, confidence)
    low = _low_share(ratings, keys)
    meta = ratings.groupby("question_key", observed=True)[["role", "dimension"]].first().reset_index()
    low = low.drop(columns="n_answers")
    table = summary.merge(low, on=keys, how="left").merge(meta, on="question_key", how="left")
    table.loc[table["role"] == "nps", "low_share"] = np.nan
    return table


def trend(
    answers: pd.DataFrame,
    now: pd.Timestamp,
    n_periods: int,
    freq: periods.Freq = "week",
    tz: str = periods.DEFAULT_TZ,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Dimension scores for each of the last ``n_periods`` periods, oldest first.

    Periods without data appear with n = 0 and NaN statistics, so gaps stay visible.
    """
    bounds = periods.last_periods(now, n_periods, freq, tz)
    labelled = periods.add_response_period(answers, freq, tz)
    labels = [b.label for b in bounds]
    labelled = labelled[labelled["period"].isin(labels)]
    table = dimension_scores(labelled, ["period"], confidence)
    dims = sorted(set(answers.loc[answers["role"] == "item", "dimension"].dropna()))
    grid = pd.MultiIndex.from_product([labels, dims], names=["period", "dimension"])
    table = table.set_index(["period", "dimension"]).reindex(grid).reset_index()
    table["n"] = table["n"].fillna(0).astype("int64")
    table["n_answers"] = table["n_answers"].fillna(0).astype("int64")
    return table


def _checked(values: pd.Series | Sequence[float], low: float, high: float, what: str) -> pd.Series:
    series = pd.Series(values, dtype="float64").dropna()
    if ((series < low) | (series > high)).any():
        raise ValueError(f"{what} values must lie in [{low:g}, {high:g}]")
    return series


def csat(values: pd.Series | Sequence[float]) -> float:
    """CSAT = 100 · (# ratings of 4 or 5) / (# ratings) on a 1–5 item; NaN when no ratings."""
    series = _checked(values, 1, 5, "CSAT")
    return float((series >= 4).mean() * 100) if len(series) else float("nan")


def nps(values: pd.Series | Sequence[float]) -> float:
    """NPS = % promoters (9–10) − % detractors (0–6) on the 0–10 item; NaN when no answers.

    Reichheld (2003): e.g. 60 promoters, 30 passives, 10 detractors → 60 − 10 = 50.
    """
    series = _checked(values, 0, 10, "NPS")
    if not len(series):
        return float("nan")
    return float(((series >= 9).mean() - (series <= 6).mean()) * 100)


@dataclass(frozen=True)
class NpsCounts:
    """Answers to the 0–10 recommend item by group: promoters (9–10), passives (7–8), detractors (0–6)."""

    promoters: int
    passives: int
    detractors: int

    @property
    def n(self) -> int:
        """All answers."""
        return self.promoters + self.passives + self.detractors

    @classmethod
    def of(cls, values: pd.Series | Sequence[float]) -> NpsCounts:
        """Counts of 0–10 answers (NaN ignored; a value outside 0–10 raises ValueError)."""
        series = _checked(values, 0, 10, "NPS")
        promoters, detractors = int((series >= 9).sum()), int((series <= 6).sum())
        return cls(promoters, len(series) - promoters - detractors, detractors)

    def estimate(self) -> tuple[float, float]:
        """(NPS, its variance in NPS points²): 100·(p − d) and 100²·((p + d) − (p − d)²)/n; NaN if n = 0."""
        if self.n == 0:
            return float("nan"), float("nan")
        p, d = self.promoters / self.n, self.detractors / self.n
        return 100 * (p - d), 100**2 * ((p + d) - (p - d) ** 2) / self.n


def nps_interval(
    values: pd.Series | Sequence[float] | NpsCounts, confidence: float = 0.95
) -> tuple[float, float, float]:
    """(NPS, low, high): NPS with its normal-approximation confidence interval, in NPS points.

    Each answer scores +1 (promoter), 0 or −1 (detractor); NPS is 100 × their mean and its
    variance is ((p + d) − (p − d)²)/n — the variance of a three-valued variable (the Wald interval
    of Rocks, "Interval estimation for the Net Promoter Score", Am. Stat. 70(4), 2016). Clipped to
    [−100, 100]. Example: 60 promoters, 30 passives, 10 detractors → NPS 50, variance
    (0.7 − 0.25)/100 = 0.0045, SE 6.708 points, 95 % CI 50 ± 13.15 = [36.85, 63.15].
    No answers give (NaN, NaN, NaN).
    """
    counts = values if isinstance(values, NpsCounts) else NpsCounts.of(values)
    score, variance = counts.estimate()
    half = z_value(confidence) * math.sqrt(variance) if counts.n else float("nan")
    return score, max(score - half, -100.0), min(score + half, 100.0)


def nps_difference(
    current: NpsCounts, previous: NpsCounts, confidence: float = 0.95
) -> tuple[float, float, float, float]:
    """(difference, low, high, two-sided p-value) of current − previous NPS, independent samples.

    SE = √(var_current + var_previous) with each variance as in :func:`nps_interval`; NaN where
    a period has no answers or neither has any spread.
    """
    now, now_var = current.estimate()
    before, before_var = previous.estimate()
    diff, se = now - before, math.sqrt(now_var + before_var)
    if math.isnan(se) or se == 0:
        return diff, float("nan"), float("nan"), float("nan")
    half = z_value(confidence) * se
    return diff, diff - half, diff + half, float(2 * sps.norm.sf(abs(diff) / se))


def satisfaction(answers: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per group: CSAT from 'overall' answers and NPS with its three shares from 'nps' answers."""
    keys = list(by)
    overall = rating_answers(answers, ("overall",))
    nps_answers = rating_answers(answers, ("nps",))
    sat = overall.assign(_sat=(overall["score"] >= 4) * 100.0)
    shares = nps_answers.assign(
        promoters=(nps_answers["score"] >= 9) * 100.0,
        passives=nps_answers["score"].between(7, 8) * 100.0,
        detractors=(nps_answers["score"] <= 6) * 100.0,
    )
    table: pd.DataFrame
    if keys:
        left = sat.groupby(keys, observed=True)["_sat"].agg(csat="mean", csat_n="size")
        right = shares.groupby(keys, observed=True)[["promoters", "passives", "detractors"]].mean()
        right["nps_n"] = shares.groupby(keys, observed=True).size()
        table = left.join(right, how="outer").reset_index()
    else:
        table = pd.DataFrame(
            {
                "csat": [sat["_sat"].mean()],
                "csat_n": [len(sat)],
                "promoters": [shares["promoters"].mean()],
                "passives": [shares["passives"].mean()],
                "detractors": [shares["detractors"].mean()],
                "nps_n": [len(shares)],
            }
        )
    table["nps"] = table["promoters"] - table["detractors"]
    for col in ("csat_n", "nps_n"):
        table[col] = table[col].fillna(0).astype("int64")
    return table


def response_counts(responses: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per group: started (all attempts), completed, abandoned, in_progress, completion_rate.

    completion_rate = completed / started, where every attempt counts as started; NaN if none.
    """
    keys = list(by)
    flags = pd.DataFrame(
        {
            "started": 1,
            "completed": (responses["status"] == "completed").astype("int64"),
            "abandoned": (responses["status"] == "abandoned").astype("int64"),
            "in_progress": (responses["status"] == "started").astype("int64"),
        },
        index=responses.index,
    )
    if keys:
        table = flags.join(responses[keys]).groupby(keys, observed=True).sum().reset_index()
    else:
        table = flags.sum().to_frame().T.astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["completion_rate"] = table["completed"] / table["started"].where(table["started"] > 0)
    return table


def dropoff(answers: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Where abandoned responses stopped: their last answered question, with count and share.

    Abandoned responses with no answer at all are reported under ``"(none)"``.
    """
    abandoned = responses.loc[responses["status"] == "abandoned", ["response_id"]]
    mine = answers[answers["response_id"].isin(abandoned["response_id"])]
    last = mine.sort_values(["response_id", "answered_at"]).drop_duplicates("response_id", keep="last")
    stopped = abandoned.merge(last[["response_id", "question_key"]], on="response_id", how="left")
    stopped["question_key"] = stopped["question_key"].fillna(NO_ANSWER)
    counts = stopped["question_key"].value_counts().rename("abandoned")
    table = counts.rename_axis("question_key").reset_index()
    table["share"] = table["abandoned"] / max(len(abandoned), 1)
    return table


def respondent_table(answers: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """One row per response: its score per dimension (item mean) and its 'overall' rating.

    The input for driver analysis (regression / relative weights / entropy weights).
    """
    keys = [*by, "response_id"]
    dims = respondent_dimension_scores(answers, by).pivot_table(
        index=keys, columns="dimension", values="score", observed=True
    )
    overall = rating_answers(answers, ("overall",)).groupby(keys, observed=True)["score"].mean()
    table = dims.join(overall.rename("overall"), how="outer")
    table.columns.name = None
    return table

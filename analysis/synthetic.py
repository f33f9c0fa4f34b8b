"""Deterministic synthetic answers / responses / complaints with dimension effects and drift.

Used by tests, ``tingjian demo-data`` and benchmarks. The same ``seed`` and arguments always
give identical frames. The model: each response has a latent mood; each dimension's true mean
drifts linearly per period; item ratings are noisy roundings of mood + dimension mean; overall
satisfaction is a weighted sum of the dimension scores (weights ``TRUE_WEIGHTS``), NPS follows
overall. Quality problems (straight-lining, speeding, repeat respondents, abandonment) and
complaints (more likely from unhappy respondents, with a keyword that rises over time) are mixed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from analysis.frames import FRAME_COLUMNS, FrameKind
from analysis.periods import DEFAULT_TZ
from dialogs.terms import CATEGORIES, DIMENSIONS, SEVERITIES

BASE_MEANS: Final[Mapping[str, float]] = {
    "functionality": 3.9,
    "safety": 4.2,
    "comfort": 3.6,
    "responsiveness": 3.4,
}
# Per-period change of each dimension's true mean: responsiveness slips, comfort improves.
DRIFT: Final[Mapping[str, float]] = {
    "functionality": 0.0,
    "safety": 0.0,
    "comfort": 0.03,
    "responsiveness": -0.04,
}
TRUE_WEIGHTS: Final[Mapping[str, float]] = {
    "functionality": 0.3,
    "safety": 0.2,
    "comfort": 0.15,
    "responsiveness": 0.35,
}
STATED_IMPORTANCE: Final[Mapping[str, float]] = {
    "functionality": 4.2,
    "safety": 4.5,
    "comfort": 3.5,
    "responsiveness": 4.1,
}
KEYWORDS: Final[Mapping[str, tuple[str, ...]]] = {
    "personnel": ("态度差", "不专业", "沟通不畅", "推诿", "服务员"),
    "process": ("流程繁琐", "排队", "等待时间长", "手续复杂", "退款慢"),
    "technology": ("系统故障", "闪退", "网络慢", "支付失败", "卡顿"),
    "resources": ("人手不足", "设备陈旧", "座位不够", "停车难", "卫生差"),
    "other": ("价格高", "广告多", "其他"),
}
RISING_KEYWORD: Final = "支付失败"
# Which complaint category an unhappy respondent's weakest dimension tends to produce.
_CATEGORY_BY_DIMENSION: Final[Mapping[str, tuple[float, ...]]] = {
    "functionality": (0.10, 0.30, 0.50, 0.05, 0.05),
    "safety": (0.30, 0.40, 0.10, 0.15, 0.05),
    "comfort": (0.25, 0.10, 0.05, 0.55, 0.05),
    "responsiveness": (0.45, 0.30, 0.05, 0.15, 0.05),
}
ITEMS_PER_DIMENSION: Final = 3
CHANNELS: Final = ("telegram", "qr", "link")


@dataclass(frozen=True)
class Question:
    """One survey question of the synthetic questionnaire."""

    key: str
    role: str
    dimension: str | None


def questions(version: int) -> list[Question]:
    """Questionnaire of a synthetic survey version, in asking order (v2 adds responsiveness_4)."""
    per_dim = ITEMS_PER_DIMENSION + (1 if version >= 2 else 0)
    items = [
        Question(f"{dim}_{i}", "item", dim)
        for dim in DIMENSIONS
        for i in range(1, (per_dim if dim == "responsiveness" else ITEMS_PER_DIMENSION) + 1)
    ]
    importance = [Question(f"importance_{dim}", "importance", dim) for dim in DIMENSIONS]
    tail = [
        Question("overall", "overall", None),
        Question("nps", "nps", None),
        Question("comment", "comment", None),
    ]
    return items + importance + tail


@dataclass(frozen=True)
class SyntheticConfig:
    """Knobs of :func:`generate`; defaults give ~300 responses a week for 8 weeks."""

    n_periods: int = 8
    responses_per_period: int = 300
    start: str = "2025-01-06"  # a Monday, local time
    tz: str = DEFAULT_TZ
    customers: int = 20000
    abandon_rate: float = 0.10
    in_progress_rate: float = 0.01
    straightline_rate: float = 0.03
    speeder_rate: float = 0.02
    repeat_rate: float = 0.03
    complaints_per_1000: float = 60.0
    version2_from_period: int = 4
    base_means: Mapping[str, float] = field(default_factory=lambda: dict(BASE_MEANS))
    drift: Mapping[str, float] = field(default_factory=lambda: dict(DRIFT))
    weights: Mapping[str, float] = field(default_factory=lambda: dict(TRUE_WEIGHTS))


@dataclass(frozen=True)
class SyntheticData:
    """Generated frames plus the instant the data ends (a sensible 'now' for reports)."""

    answers: pd.DataFrame
    responses: pd.DataFrame
    complaints: pd.DataFrame
    now: pd.Timestamp


def generate(seed: int = 0, config: SyntheticConfig | None = None) -> SyntheticData:
    """Build answers, responses and complaints frames following the frame contracts."""
    cfg = config or SyntheticConfig()
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(cfg.start).tz_localize(cfg.tz).tz_convert("UTC")
    # One second before the data ends, so "the current period" is the last generated one.
    now = start + pd.Timedelta(weeks=cfg.n_periods) - pd.Timedelta(seconds=1)
    resp = _responses(rng, cfg, start, now)
    answers, latent = _answers(rng, cfg, resp)
    complaints = _complaints(rng, cfg, resp, latent, now)
    responses = resp.drop(columns=["period_index", "speeder", "straightline", "n_answers"])
    return SyntheticData(
        answers=_typed(answers, "answers"),
        responses=_typed(responses, "responses"),
        complaints=_typed(complaints, "complaints"),
        now=now,
    )


def _typed(frame: pd.DataFrame, kind: FrameKind) -> pd.DataFrame:
    columns = FRAME_COLUMNS[kind]
    return frame[list(columns)].astype(dict(columns)).reset_index(drop=True)


def _responses(
    rng: np.random.Generator, cfg: SyntheticConfig, start: pd.Timestamp, now: pd.Timestamp
) -> pd.DataFrame:
    n = cfg.n_periods * cfg.responses_per_period
    period_index = np.repeat(np.arange(cfg.n_periods), cfg.responses_per_period)
    week = pd.Timedelta(weeks=1).value
    # Leave the last two hours of each week free so a response finishes inside its week.
    offsets = period_index * week + rng.uniform(0, week - 2 * 3600e9, n).astype("int64")
    started = pd.to_datetime(start.value + offsets, utc=True)
    respondent = rng.integers(1, cfg.customers + 1, n)
    # Repeat respondents: copy the respondent of the previous response in the same week.
    repeat = rng.random(n) < cfg.repeat_rate
    repeat[1:] &= period_index[1:] == period_index[:-1]
    repeat[0] = False
    respondent = np.where(repeat, np.roll(respondent, 1), respondent)
    version = np.where(period_index >= cfg.version2_from_period, 2, 1)
    order = np.argsort(started.asi8, kind="stable")
    frame = pd.DataFrame(
        {
            "respondent_id": respondent[order],
            "survey_version_id": version[order],
            "started_at": started[order],
            "period_index": period_index[order],
            "channel": np.asarray(CHANNELS)[rng.choice(len(CHANNELS), n, p=[0.7, 0.2, 0.1])],
        }
    )
    frame.insert(0, "response_id", np.arange(1, n + 1))
    u = rng.random(n)
    status = np.where(u < cfg.abandon_rate, "abandoned", "completed")
    status = np.where(u > 1 - cfg.in_progress_rate, "started", status)
    frame["status"] = status
    frame["straightline"] = rng.random(n) < cfg.straightline_rate
    frame["speeder"] = rng.random(n) < cfg.speeder_rate
    return frame


def _answers(
    rng: np.random.Generator, cfg: SyntheticConfig, resp: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    qs = questions(2)
    in_v1 = np.array([q.key in {x.key for x in questions(1)} for q in qs])
    n, n_q = len(resp), len(qs)
    t = resp["period_index"].to_numpy()
    mood = rng.normal(0, 0.6, n)
    dim_latent = pd.DataFrame(
        {dim: cfg.base_means[dim] + cfg.drift[dim] * t + mood + rng.normal(0, 0.45, n) for dim in DIMENSIONS}
    )
    weights = pd.Series(cfg.weights)[list(DIMENSIONS)]
    overall_latent = dim_latent[list(DIMENSIONS)] @ (weights / weights.sum()) + rng.normal(0, 0.3, n)
    scores = np.full((n, n_q), np.nan)
    for j, q in enumerate(qs):
        scores[:, j] = _question_scores(rng, q, dim_latent, overall_latent.to_numpy())
    straight = resp["straightline"].to_numpy()
    item_cols = np.array([q.role == "item" for q in qs])
    scores[np.ix_(straight, item_cols)] = rng.integers(3, 6, straight.sum())[:, None]

    per_answer = np.where(
        resp["speeder"].to_numpy()[:, None], rng.uniform(0.3, 1.0, (n, n_q)), rng.uniform(4, 15, (n, n_q))
    )
    answered = _ns(resp["started_at"])[:, None] + (np.cumsum(per_answer, axis=1) * 1e9).astype("int64")
    asked = np.where(resp["survey_version_id"].to_numpy()[:, None] == 1, in_v1[None, :], True)
    position = np.cumsum(asked, axis=1)
    n_asked = asked.sum(axis=1)
    stop = np.where(resp["status"].to_numpy() == "completed", n_asked, rng.integers(0, n_asked))
    mask = asked & (position <= stop[:, None])

    rows, cols = np.nonzero(mask)
    keys = np.array([q.key for q in qs], dtype=object)
    answers = pd.DataFrame(
        {
            "response_id": resp["response_id"].to_numpy()[rows],
            "respondent_id": resp["respondent_id"].to_numpy()[rows],
            "survey_version_id": resp["survey_version_id"].to_numpy()[rows],
            "question_key": keys[cols],
            "dimension": np.array([q.dimension for q in qs], dtype=object)[cols],
            "role": np.array([q.role for q in qs], dtype=object)[cols],
            "score": scores[rows, cols],
            "answered_at": pd.to_datetime(answered[rows, cols], utc=True),
        }
    )
    last = answers.groupby("response_id")["answered_at"].max()
    completed = resp["status"] == "completed"
    resp["completed_at"] = resp["response_id"].map(last).where(completed)
    resp["n_answers"] = mask.sum(axis=1)
    latent = dim_latent.assign(overall=overall_latent, response_id=resp["response_id"])
    return answers, latent


def _question_scores(
    rng: np.random.Generator, q: Question, dim_latent: pd.DataFrame, overall: np.ndarray
) -> np.ndarray:
    n = len(overall)
    if q.role == "item" and q.dimension is not None:
        return _rating(dim_latent[q.dimension].to_numpy() + rng.normal(0, 0.5, n))
    if q.role == "importance" and q.dimension is not None:
        return _rating(STATED_IMPORTANCE[q.dimension] + rng.normal(0, 0.6, n))
    if q.role == "overall":
        return _rating(overall)
    if q.role == "nps":
        return np.clip(np.rint((overall - 1) / 4 * 10 + 1.5 + rng.normal(0, 1.2, n)), 0, 10)
    return np.full(n, np.nan)


def _rating(values: np.ndarray) -> np.ndarray:
    rounded: np.ndarray = np.clip(np.rint(values), 1, 5)
    return rounded


def _ns(stamps: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch of tz-aware timestamps (numpy cannot add to tz-aware objects)."""
    values: np.ndarray = stamps.dt.tz_convert(None).dt.as_unit("ns").to_numpy().astype("int64")
    return values


def _complaints(
    rng: np.random.Generator,
    cfg: SyntheticConfig,
    resp: pd.DataFrame,
    latent: pd.DataFrame,
    now: pd.Timestamp,
) -> pd.DataFrame:
    # Unhappier respondents complain more: odds scale with exp(-1.2 · centred overall mood).
    centred = latent["overall"] - latent["overall"].mean()
    prob = cfg.complaints_per_1000 / 1000 * np.exp(-1.2 * centred) / np.exp(-1.2 * centred).mean()
    who = np.nonzero(rng.random(len(resp)) < prob.clip(upper=1).to_numpy())[0]
    m = len(who)
    weakest = latent[list(DIMENSIONS)].to_numpy()[who].argmin(axis=1)
    dimension = np.asarray(DIMENSIONS)[weakest]
    category_probs = np.array([_CATEGORY_BY_DIMENSION[d] for d in dimension])
    category_idx = (rng.random(m)[:, None] > np.cumsum(category_probs, axis=1)).sum(axis=1)
    category = np.asarray(CATEGORIES)[np.minimum(category_idx, len(CATEGORIES) - 1)]
    auto_ok = rng.random(m) < 0.85
    category_auto = np.where(auto_ok, category, np.asarray(CATEGORIES)[rng.integers(0, len(CATEGORIES), m)])
    started = _ns(resp["started_at"])[who]
    created = pd.to_datetime(started + (rng.uniform(600, 7200, m) * 1e9).astype("int64"), utc=True)
    period = resp["period_index"].to_numpy()[who]
    keywords = _keywords(rng, category, period, cfg.n_periods)
    severity = np.asarray(SEVERITIES)[rng.choice(3, m, p=[0.5, 0.35, 0.15])]
    first_hours = rng.lognormal(np.log(2.0), 0.8, m)
    resolve_hours = first_hours + rng.lognormal(np.log(18.0), 0.9, m)
    first = created + pd.to_timedelta(first_hours, unit="h")
    resolved = created + pd.to_timedelta(resolve_hours, unit="h")
    is_resolved = resolved <= now
    has_first = first <= now
    closed = rng.random(m) < 0.5
    status = np.where(
        is_resolved, np.where(closed, "closed", "resolved"), np.where(has_first, "in_progress", "received")
    )
    rating = np.where(
        is_resolved & (rng.random(m) < 0.7),
        rng.choice([1, 2, 3, 4, 5], m, p=[0.08, 0.1, 0.2, 0.35, 0.27]),
        np.nan,
    )
    ids = pd.Series(np.arange(1, m + 1))
    return pd.DataFrame(
        {
            "complaint_id": ids,
            "ticket_no": "TJ-" + ids.astype(str).str.zfill(6),
            "respondent_id": resp["respondent_id"].to_numpy()[who],
            "created_at": created,
            "category_auto": category_auto,
            "category": category,
            "dimension": dimension,
            "severity": severity,
            "status": status,
            "first_response_at": pd.Series(first).where(has_first).to_numpy(),
            "resolved_at": pd.Series(resolved).where(is_resolved).to_numpy(),
            "resolution_rating": rating,
            "text": ["，".join(k) + "，希望尽快改进。" for k in keywords],
            "keywords": keywords,
        }
    )


def _keywords(
    rng: np.random.Generator, category: np.ndarray, period: np.ndarray, n_periods: int
) -> list[list[str]]:
    # Per-complaint keyword lists are small Python lists by contract, so this builds them one by one.
    lists: list[list[str]] = []
    rising_share = period / max(n_periods - 1, 1) * 0.6
    for cat, share, draw, count in zip(
        category, rising_share, rng.random(len(category)), rng.integers(1, 4, len(category)), strict=True
    ):
        vocab = KEYWORDS[str(cat)]
        picks = [vocab[i] for i in rng.choice(len(vocab), min(int(count), len(vocab)), replace=False)]
        if draw < share * (1.0 if cat == "technology" else 0.25) and RISING_KEYWORD not in picks:
            picks[0] = RISING_KEYWORD
        lists.append(picks)
    return lists

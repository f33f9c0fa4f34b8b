"""Realistic demo histories written in bulk: respondents, responses, answers, complaints, ticket events.

The survey data comes from :mod:`analysis.synthetic` (mood, dimension drift, cleaning problems,
abandonment); its questionnaire is mapped onto the real questions of a stored survey version.
Complaints get Chinese texts, keywords from :func:`analysis.complaints.keywords`, and ticket
timestamps and events that agree with their status at the end of the history.
Rows go in with PostgreSQL COPY (asyncpg ``copy_records_to_table``); ids are reserved from the
tables' sequences first so answers and events can point at their parents.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import asyncpg
import numpy as np
import pandas as pd
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from analysis import synthetic
from analysis.complaints import keywords as complaint_keywords
from analysis.periods import DEFAULT_TZ
from dialogs.survey import Survey
from storage.aggregates import rebuild as rebuild_aggregates
from storage.demo_follow_ups import DemoLoop, demo_rules, generate_loop, reason_options

# Far above today's Telegram user ids, so demo customers never collide with real ones.
DEMO_TELEGRAM_BASE: Final = 8_000_000_000_000
# Share of an hour after which an unfinished response counts as abandoned.
ABANDON_AFTER: Final = pd.Timedelta(minutes=30)
COMMENT_TEXTS: Final = (
    "等了很久才有人处理，希望能快一点。",
    "工作人员态度不太好，说话很不耐烦。",
    "流程太复杂，跑了好几趟才办完。",
    "系统老是卡顿，付款的时候还失败了一次。",
    "环境有点脏，座位也不够。",
    "问题没有真正解决，只是让我回去等通知。",
)
# Plain carriers: extra words here would be picked up as keywords and drown the real hot spots.
COMPLAINT_TEMPLATES: Final = ("{k}。", "又是{k}！", "{k}……")


@dataclass(frozen=True)
class DemoConfig:
    """What to generate; the history ends at ``end`` (default: now) and spans ``weeks`` weeks."""

    customers: int = 2000
    weeks: int = 8
    seed: int = 0
    complaints_per_week: int = 30
    responses_per_week: int | None = None
    end: pd.Timestamp | None = None
    tz: str = DEFAULT_TZ

    @property
    def weekly_responses(self) -> int:
        """Responses per week: as configured, else a quarter of the customers."""
        return self.responses_per_week or max(1, self.customers // 4)


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`write_demo_data` stored, and the history's span."""

    respondents: int
    responses: int
    answers: int
    complaints: int
    ticket_events: int
    follow_up_cases: int
    reasons: int
    start: pd.Timestamp
    end: pd.Timestamp
    seconds: float


@dataclass(frozen=True)
class _StoredQuestion:
    id: int
    role: str
    dimension: str | None


async def write_demo_data(engine: AsyncEngine, survey_version_id: int, config: DemoConfig) -> DemoSummary:
    """Generate a history for a stored survey version and write it in one transaction."""
    began = time.perf_counter()
    data, start = _generate(config)
    complaints = _with_top_up(data.complaints, config, start, data.now)
    async with engine.begin() as connection:
        raw = await _raw(connection)
        questions = await _questions(raw, survey_version_id)
        customers = np.union1d(data.responses["respondent_id"], complaints["respondent_id"])
        respondent_ids = await _respondents(raw, customers, start)
        response_ids = await _reserve_ids(raw, "responses", len(data.responses))
        await _copy_responses(raw, data, survey_version_id, respondent_ids, response_ids)
        n_answers, comments = await _copy_answers(raw, data.answers, questions, response_ids, config.seed)
        complaint_ids = await _reserve_ids(raw, "complaints", len(complaints))
        n_events = await _copy_complaints(
            raw, complaints, respondent_ids, complaint_ids, data.now, config.seed
        )
        answered = data.answers[data.answers["question_key"].isin(list(questions))]
        options = reason_options(await _survey(raw, survey_version_id))
        loop = generate_loop(
            answered, data.responses, comments, options, demo_rules(config.tz), data.now, config.seed
        )
        n_events += await _copy_loop(raw, loop, data.responses, respondent_ids, response_ids, data.now)
    # COPY bypasses the repositories' upkeep: recompute the report aggregates from the raw rows.
    await rebuild_aggregates(engine, config.tz)
    return DemoSummary(
        respondents=len(customers),
        responses=len(data.responses),
        answers=n_answers,
        complaints=len(complaints),
        ticket_events=n_events,
        follow_up_cases=len(loop.cases),
        reasons=len(loop.reasons),
        start=start,
        end=data.now + pd.Timedelta(seconds=1),
        seconds=time.perf_counter() - began,
    )


def _generate(config: DemoConfig) -> tuple[synthetic.SyntheticData, pd.Timestamp]:
    end = _utc(config.end) if config.end is not None else pd.Timestamp.now(tz="UTC").floor("s")
    start = end - pd.Timedelta(weeks=config.weeks)
    weekly = config.weekly_responses
    # The generator's rate is per 1,000 responses; above ~500 its per-response chance saturates,
    # and the rest is topped up by _with_top_up.
    rate = min(config.complaints_per_week * 1000 / weekly, 500.0)
    cfg = synthetic.SyntheticConfig(
        n_periods=config.weeks,
        responses_per_period=weekly,
        start=start.tz_convert(config.tz).tz_localize(None).isoformat(),
        tz=config.tz,
        customers=config.customers,
        complaints_per_1000=rate,
        version2_from_period=config.weeks,  # one stored version: keep v1's questionnaire throughout
    )
    return synthetic.generate(config.seed, cfg), start


def _utc(ts: pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(ts)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _with_top_up(
    complaints: pd.DataFrame, config: DemoConfig, start: pd.Timestamp, now: pd.Timestamp
) -> pd.DataFrame:
    """Add complaints until each week has ``complaints_per_week``, resampling that week's generated ones.

    Complaints come from any customer, not only survey respondents, so more complaints than
    responses is legitimate; the copies keep the week's category and keyword mix (incl. drift).
    """
    rng = np.random.default_rng(config.seed + 1)
    week = pd.Timedelta(weeks=1)
    index = ((complaints["created_at"] - start) // week).clip(0, config.weeks - 1)
    extra = []
    for k in range(config.weeks):
        pool = complaints[index == k]
        missing = config.complaints_per_week - len(pool)
        if missing <= 0 or pool.empty:
            continue
        copies = pool.sample(missing, replace=True, random_state=rng).reset_index(drop=True)
        moved = start + k * week + pd.to_timedelta(rng.uniform(0, week.total_seconds() - 7200, missing), "s")
        shift = moved - copies["created_at"]
        copies["created_at"] = moved
        copies["first_response_at"] = copies["first_response_at"] + shift
        copies["resolved_at"] = copies["resolved_at"] + shift
        copies["respondent_id"] = rng.integers(1, config.customers + 1, missing)
        extra.append(copies)
    table = pd.concat([complaints, *extra], ignore_index=True) if extra else complaints.copy()
    table = _status_at(table, now, rng)
    return table.sort_values("created_at", kind="stable").reset_index(drop=True)


def _status_at(complaints: pd.DataFrame, now: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    """Statuses and timestamps as they stand at ``now`` (nothing after it has happened yet)."""
    first = complaints["first_response_at"].where(complaints["first_response_at"] <= now)
    resolved = complaints["resolved_at"].where(complaints["resolved_at"] <= now)
    # Half of the resolved tickets were also closed, as in the generator.
    status = np.where(
        resolved.notna(),
        np.where(rng.random(len(complaints)) < 0.5, "closed", "resolved"),
        np.where(first.notna(), "in_progress", "received"),
    )
    rating = complaints["resolution_rating"].where(resolved.notna())
    return complaints.assign(
        first_response_at=first, resolved_at=resolved, status=status, resolution_rating=rating
    )


def _not_after(stamps: pd.Series, now: pd.Timestamp) -> pd.Series:
    """Timestamps capped at ``now`` (NaT stays NaT)."""
    return stamps.mask(stamps > now, now)


async def _raw(connection: AsyncConnection) -> asyncpg.Connection:
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    return driver


async def _questions(raw: asyncpg.Connection, survey_version_id: int) -> dict[str, int]:
    """Synthetic question key → stored question id, matched by role, dimension and asking order."""
    rows = await raw.fetch(
        "SELECT id, role, dimension_key FROM questions WHERE survey_version_id = $1 ORDER BY position",
        survey_version_id,
    )
    if not rows:
        raise ValueError(f"survey version {survey_version_id} has no stored questions")
    slots: dict[tuple[str, str | None], list[_StoredQuestion]] = defaultdict(list)
    for row in rows:
        slots[(row["role"], row["dimension_key"])].append(
            _StoredQuestion(row["id"], row["role"], row["dimension_key"])
        )
    used: dict[tuple[str, str | None], int] = defaultdict(int)
    mapping: dict[str, int] = {}
    # Extra synthetic items (e.g. a third functionality item) have no stored question and are dropped.
    for question in synthetic.questions(2):
        slot = (question.role, question.dimension)
        position = used[slot]
        used[slot] += 1
        if position < len(slots[slot]):
            mapping[question.key] = slots[slot][position].id
    return mapping


async def _survey(raw: asyncpg.Connection, survey_version_id: int) -> Survey:
    definition = await raw.fetchval("SELECT definition FROM survey_versions WHERE id = $1", survey_version_id)
    # asyncpg hands json columns over as text.
    return (
        Survey.model_validate_json(definition)
        if isinstance(definition, str)
        else Survey.model_validate(definition)
    )


async def _respondents(raw: asyncpg.Connection, customers: np.ndarray, start: pd.Timestamp) -> pd.Series:
    """Create (or reuse) one respondent per synthetic customer number; customer → respondent id."""
    telegram_ids = (DEMO_TELEGRAM_BASE + customers).astype("int64").tolist()
    await raw.execute(
        """
        INSERT INTO respondents (telegram_id, language, first_seen, last_seen)
        SELECT t, CASE WHEN t % 7 = 0 THEN 'en' ELSE 'zh' END, $2, $2 FROM unnest($1::bigint[]) AS t
        ON CONFLICT (telegram_id) DO NOTHING
        """,
        telegram_ids,
        start.to_pydatetime(),
    )
    rows = await raw.fetch(
        "SELECT telegram_id, id FROM respondents WHERE telegram_id = ANY($1::bigint[])", telegram_ids
    )
    return pd.Series({row["telegram_id"] - DEMO_TELEGRAM_BASE: row["id"] for row in rows}, dtype="int64")


async def _reserve_ids(raw: asyncpg.Connection, table: str, count: int) -> np.ndarray:
    """``count`` fresh ids from the table's id sequence (safe alongside concurrent inserts)."""
    rows = await raw.fetch(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)", count
    )
    return np.fromiter((row[0] for row in rows), dtype="int64", count=count)


def _datetimes(values: pd.Series) -> list[datetime | None]:
    """Python datetimes (None for NaT), which asyncpg's binary COPY encodes."""
    stamps = pd.to_datetime(values, utc=True)
    objects = stamps.dt.to_pydatetime().to_numpy(dtype=object, copy=True)
    objects[stamps.isna().to_numpy()] = None
    result: list[datetime | None] = objects.tolist()
    return result


def _floats(values: pd.Series) -> list[float | None]:
    return [None if np.isnan(v) else v for v in values.astype("float64").tolist()]


def _texts(values: pd.Series) -> list[str | None]:
    """Strings with None for missing values (pandas turns None into NaN when concatenating)."""
    objects = values.astype(object)
    result: list[str | None] = objects.where(values.notna(), None).tolist()
    return result


async def _copy(raw: asyncpg.Connection, table: str, columns: Sequence[str], rows: Sequence[Any]) -> None:
    await raw.copy_records_to_table(table, records=zip(*rows, strict=True), columns=list(columns))


async def _copy_responses(
    raw: asyncpg.Connection,
    data: synthetic.SyntheticData,
    survey_version_id: int,
    respondent_ids: pd.Series,
    response_ids: np.ndarray,
) -> None:
    responses = data.responses
    last_answer = data.answers.groupby("response_id")["answered_at"].max()
    last = responses["response_id"].map(last_answer).fillna(responses["started_at"])
    abandoned_at = _not_after(last + ABANDON_AFTER, data.now).where(responses["status"] == "abandoned")
    n = len(responses)
    await _copy(
        raw,
        "responses",
        ("id", "respondent_id", "survey_version_id", "status", "channel", "started_at", "completed_at",
         "abandoned_at"),
        (
            response_ids.tolist(),
            responses["respondent_id"].map(respondent_ids).astype("int64").tolist(),
            [survey_version_id] * n,
            responses["status"].tolist(),
            responses["channel"].tolist(),
            _datetimes(responses["started_at"]),
            _datetimes(responses["completed_at"]),
            _datetimes(abandoned_at),
        ),
    )  # fmt: skip


async def _copy_answers(
    raw: asyncpg.Connection,
    answers: pd.DataFrame,
    questions: dict[str, int],
    response_ids: np.ndarray,
    seed: int,
) -> tuple[int, pd.Series]:
    """Answers to stored questions; the comment only where the survey would ask it (a low rating).

    Returns the number written and the comment texts by (synthetic) response id."""
    mapped = answers[answers["question_key"].isin(list(questions))]
    rated = mapped[mapped["role"].isin(["item", "overall"])]
    unhappy = rated.loc[rated["score"] <= 2, "response_id"].unique()
    is_comment = mapped["role"] == "comment"
    mapped = mapped[~is_comment | mapped["response_id"].isin(unhappy)]
    comments = (mapped["role"] == "comment").to_numpy()
    rng = np.random.default_rng(seed + 2)
    texts = np.full(len(mapped), None, dtype=object)
    texts[comments] = np.asarray(COMMENT_TEXTS, dtype=object)[
        rng.integers(0, len(COMMENT_TEXTS), comments.sum())
    ]
    await _copy(
        raw,
        "answers",
        ("response_id", "question_id", "score", "text", "answered_at"),
        (
            response_ids[mapped["response_id"].to_numpy() - 1].tolist(),
            mapped["question_key"].map(questions).astype("int64").tolist(),
            _floats(mapped["score"]),
            texts.tolist(),
            _datetimes(mapped["answered_at"]),
        ),
    )
    return len(mapped), pd.Series(texts[comments], index=mapped["response_id"].to_numpy()[comments])


def complaint_texts(complaints: pd.DataFrame, seed: int) -> list[str]:
    """A short Chinese complaint text per row, made of its generated keywords."""
    rng = np.random.default_rng(seed + 3)
    picks = rng.integers(0, len(COMPLAINT_TEMPLATES), len(complaints))
    # Per-row keyword lists are Python lists by contract, so the texts are built one by one.
    return [
        COMPLAINT_TEMPLATES[pick].format(k="，".join(words))
        for pick, words in zip(picks, complaints["keywords"], strict=True)
    ]


def _keywords_of(texts: Sequence[str]) -> list[list[str]]:
    # Texts repeat (templates × keyword sets), so each distinct text is analysed once.
    distinct = {text: complaint_keywords(text) for text in dict.fromkeys(texts)}
    return [distinct[text] for text in texts]


async def _copy_complaints(
    raw: asyncpg.Connection,
    complaints: pd.DataFrame,
    respondent_ids: pd.Series,
    complaint_ids: np.ndarray,
    now: pd.Timestamp,
    seed: int,
) -> int:
    """Complaints plus their ticket events; returns the number of events written."""
    texts = complaint_texts(complaints, seed)
    rng = np.random.default_rng(seed + 4)
    closed_at = _closed_at(complaints, now, rng)
    confidence = np.round(rng.uniform(0.55, 0.98, len(complaints)), 2)
    n = len(complaints)
    await _copy(
        raw,
        "complaints",
        ("id", "respondent_id", "created_at", "language", "description", "category_auto",
         "category_confidence", "category", "dimension_auto", "dimension", "severity", "status",
         "wants_contact", "keywords", "first_response_at", "resolved_at", "closed_at", "resolution_rating"),
        (
            complaint_ids.tolist(),
            complaints["respondent_id"].map(respondent_ids).astype("int64").tolist(),
            _datetimes(complaints["created_at"]),
            ["zh"] * n,
            texts,
            complaints["category_auto"].tolist(),
            confidence.tolist(),
            complaints["category"].tolist(),
            complaints["dimension"].tolist(),
            complaints["dimension"].tolist(),
            complaints["severity"].tolist(),
            complaints["status"].tolist(),
            [False] * n,
            _keywords_of(texts),
            _datetimes(complaints["first_response_at"]),
            _datetimes(complaints["resolved_at"]),
            _datetimes(closed_at),
            [None if np.isnan(v) else int(v) for v in complaints["resolution_rating"].tolist()],
        ),
    )  # fmt: skip
    events = ticket_events(complaints.assign(complaint_id=complaint_ids, closed_at=closed_at), now)
    return await _copy_events(raw, events)


def _closed_at(complaints: pd.DataFrame, now: pd.Timestamp, rng: np.random.Generator) -> pd.Series:
    """Closed tickets were closed a few hours after resolution, never after ``now``."""
    delay = pd.to_timedelta(rng.uniform(1, 48, len(complaints)), unit="h")
    when = _not_after(complaints["resolved_at"] + delay, now)
    return when.where(complaints["status"] == "closed")


def ticket_events(complaints: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """The event trail each ticket's timestamps imply: open → acknowledge → resolve → rate → close.

    ``complaints`` needs complaint_id, created_at, first_response_at, resolved_at, closed_at,
    resolution_rating. The rating comes half an hour after resolution (never after ``now``).
    """
    rated = complaints[complaints["resolution_rating"].notna()]
    rated_at = _not_after(rated["resolved_at"] + pd.Timedelta(minutes=30), now)
    rating = rated["resolution_rating"].astype("int64").astype(str)
    parts = [
        _events(complaints, "created_at", "customer", "open", None, "received"),
        _events(
            complaints,
            "first_response_at",
            "admin",
            "acknowledge",
            "received",
            "in_progress",
            "已受理，正在处理",
        ),
        _events(complaints, "resolved_at", "admin", "resolve", "in_progress", "resolved", "已处理完毕"),
        _events(rated.assign(_rated_at=rated_at, _note=rating), "_rated_at", "customer", "rate", None, None),
        _events(complaints, "closed_at", "customer", "close", "resolved", "closed"),
    ]
    events = pd.concat(parts, ignore_index=True)
    return events.sort_values(["complaint_id", "at"], kind="stable").reset_index(drop=True)


def _events(
    complaints: pd.DataFrame,
    column: str,
    actor: str,
    action: str,
    before: str | None,
    after: str | None,
    note: str | None = None,
) -> pd.DataFrame:
    """One event per complaint whose ``column`` is set; a ``_note`` column overrides ``note``."""
    happened = complaints[complaints[column].notna()]
    notes = happened["_note"] if "_note" in happened else pd.Series(note, index=happened.index)
    return pd.DataFrame(
        {
            "complaint_id": happened["complaint_id"],
            "at": happened[column],
            "actor_role": actor,
            "action": action,
            "from_status": pd.Series(before, index=happened.index, dtype=object),
            "to_status": pd.Series(after, index=happened.index, dtype=object),
            "note": notes.astype(object),
        }
    )


async def _copy_loop(
    raw: asyncpg.Connection,
    loop: DemoLoop,
    responses: pd.DataFrame,
    respondent_ids: pd.Series,
    response_ids: np.ndarray,
    now: pd.Timestamp,
) -> int:
    """The reasons and follow-up cases (tickets of kind follow_up) with their events; returns the events."""
    reasons = loop.reasons
    await _copy(
        raw,
        "rating_reasons",
        ("response_id", "reason", "category", "picked_at"),
        (
            response_ids[reasons["response_id"].to_numpy(dtype="int64") - 1].tolist(),
            reasons["reason"].astype("int64").tolist(),
            reasons["category"].tolist(),
            _datetimes(reasons["picked_at"]),
        ),
    )
    cases = loop.cases
    if cases.empty:
        return 0
    case_ids = await _reserve_ids(raw, "complaints", len(cases))
    customer = responses.set_index("response_id")["respondent_id"]
    n = len(cases)
    await _copy(
        raw,
        "complaints",
        ("id", "respondent_id", "created_at", "language", "description", "category_auto",
         "category_confidence", "category", "dimension_auto", "dimension", "severity", "status",
         "wants_contact", "keywords", "first_response_at", "resolved_at", "closed_at", "source_response_id",
         "kind", "revisit_due_at", "fix_due_at", "rating_before", "rerating", "rerated_at"),
        (
            case_ids.tolist(),
            cases["response_id"].map(customer).map(respondent_ids).astype("int64").tolist(),
            _datetimes(cases["created_at"]),
            ["zh"] * n,
            cases["description"].tolist(),
            cases["category_auto"].tolist(),
            cases["category_confidence"].astype("float64").tolist(),
            cases["category"].tolist(),
            _texts(cases["dimension"]),
            _texts(cases["dimension"]),
            ["medium"] * n,  # a case's deadlines are its own working days, not a severity's SLA
            cases["status"].tolist(),
            [True] * n,  # the revisit is the contact
            [list(words) for words in cases["keywords"]],
            _datetimes(cases["first_response_at"]),
            _datetimes(cases["resolved_at"]),
            _datetimes(cases["closed_at"]),
            response_ids[cases["response_id"].to_numpy(dtype="int64") - 1].tolist(),
            ["follow_up"] * n,
            _datetimes(cases["revisit_due_at"]),
            _datetimes(cases["fix_due_at"]),
            cases["rating_before"].astype("int64").tolist(),
            [None if pd.isna(v) else int(v) for v in cases["rerating"].tolist()],
            _datetimes(cases["rerated_at"]),
        ),
    )  # fmt: skip
    trail = cases.assign(complaint_id=case_ids, resolution_rating=np.nan)
    rerated = trail[trail["rerated_at"].notna()]
    notes = rerated["rerating"].astype("int64").astype(str)
    events = pd.concat(
        [
            ticket_events(trail, now),
            _events(rerated.assign(_note=notes), "rerated_at", "customer", "rerate", None, None),
        ],
        ignore_index=True,
    ).sort_values(["complaint_id", "at"], kind="stable")
    return await _copy_events(raw, events)


async def _copy_events(raw: asyncpg.Connection, events: pd.DataFrame) -> int:
    """Write ticket events (complaints' and follow-up cases' alike); returns how many."""
    await _copy(
        raw,
        "ticket_events",
        ("complaint_id", "at", "actor_role", "action", "from_status", "to_status", "note"),
        (
            events["complaint_id"].tolist(),
            _datetimes(events["at"]),
            events["actor_role"].tolist(),
            events["action"].tolist(),
            _texts(events["from_status"]),
            _texts(events["to_status"]),
            _texts(events["note"]),
        ),
    )
    return len(events)

"""Loading the analysis frames (see :mod:`analysis.frames`) from PostgreSQL, fast.

Each loader streams ``COPY (SELECT …) TO STDOUT WITH CSV HEADER`` through asyncpg's raw
connection into memory and parses it with ``pandas.read_csv``: for 1M answers this is ~4× faster
than fetching records (see BENCHMARKS.md, "Weekly report at scale"). Two choices keep the CSV small
and quick to parse: timestamps travel as integer microseconds since the epoch, and answers carry
their question id, mapped to key / role / dimension in pandas from the (small) questions table.

Windows are half-open ``[start, end)``. Answers and responses are selected by their response's
``started_at``, so a response is never split across the window's edge.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import asyncpg
import numpy as np
import pandas as pd
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from analysis.frames import (
    COMPLAINTS_COLUMNS,
    FOLLOW_UPS_COLUMNS,
    REASONS_COLUMNS,
    RESPONSES_COLUMNS,
    UTC_TS,
    conform,
    empty_frame,
)

Source = AsyncEngine | AsyncConnection
Instant = pd.Timestamp | datetime
# Unit separator: cannot occur in a keyword, so array_to_string/split round-trips text[] through CSV.
KEYWORD_SEPARATOR: Final = "\x1f"


@dataclass(frozen=True)
class Frames:
    """The frames a report needs, loaded from one snapshot."""

    answers: pd.DataFrame
    responses: pd.DataFrame
    complaints: pd.DataFrame
    follow_ups: pd.DataFrame = dataclasses.field(default_factory=lambda: empty_frame("follow_ups"))
    reasons: pd.DataFrame = dataclasses.field(default_factory=lambda: empty_frame("reasons"))


def _epoch_us(column: str) -> str:
    """SQL for a timestamptz as integer microseconds since the epoch (NULL stays NULL).

    date_part gives a double; at today's epoch values its error is far below half a microsecond,
    so rounding recovers the exact stored value.
    """
    return f"round(date_part('epoch', {column}) * 1000000)::bigint"


def _utc(value: Instant) -> datetime:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    result: datetime = stamp.to_pydatetime()
    return result


@asynccontextmanager
async def _driver(source: Source) -> AsyncIterator[asyncpg.Connection]:
    """The asyncpg connection behind ``source`` (a pooled one when given an engine)."""
    if isinstance(source, AsyncConnection):
        raw = await source.get_raw_connection()
        yield raw.driver_connection
        return
    async with source.connect() as connection:
        raw = await connection.get_raw_connection()
        yield raw.driver_connection


async def _copy_csv(
    connection: asyncpg.Connection,
    query: str,
    args: Sequence[Any],
    dtypes: dict[str, str],
    timestamps: Sequence[str] = (),
) -> pd.DataFrame:
    """Run ``query`` through COPY … CSV HEADER and parse it with the given column dtypes."""
    buffer = io.BytesIO()
    await connection.copy_from_query(query, *args, output=buffer, format="csv", header=True)
    buffer.seek(0)
    # Empty CSV fields are NULLs; integer-microsecond timestamps with NULLs parse as float64.
    parse = {name: dtype for name, dtype in dtypes.items() if name not in timestamps}
    parse.update({name: "float64" for name in timestamps})
    frame = pd.read_csv(buffer, dtype=parse, keep_default_na=False, na_values=[""])
    for name in timestamps:
        frame[name] = pd.to_datetime(frame[name], unit="us", utc=True).astype(UTC_TS)
    return frame


@dataclass(frozen=True)
class _Window:
    """What to load: [start, end), optionally one survey (by key) or one survey version."""

    start: Instant
    end: Instant
    survey_key: str | None = None
    version_id: int | None = None

    def bounds(self) -> list[Any]:
        return [_utc(self.start), _utc(self.end)]


def _survey_filter(args: list[Any], window: _Window, column: str = "r.survey_version_id") -> str:
    """Extra WHERE conditions for a survey key and/or version; appends their parameters to ``args``."""
    conditions = []
    if window.version_id is not None:
        args.append(window.version_id)
        conditions.append(f"{column} = ${len(args)}")
    if window.survey_key is not None:
        args.append(window.survey_key)
        conditions.append(
            f"{column} IN (SELECT v.id FROM survey_versions v JOIN surveys s ON s.id = v.survey_id"
            f" WHERE s.key = ${len(args)})"
        )
    return "".join(f" AND {condition}" for condition in conditions)


async def _answers(connection: asyncpg.Connection, window: _Window) -> pd.DataFrame:
    args = window.bounds()
    where = _survey_filter(args, window)
    query = f"""
        SELECT a.response_id, r.respondent_id, r.survey_version_id, a.question_id, a.score,
               {_epoch_us("a.answered_at")} AS answered_at
        FROM answers a JOIN responses r ON r.id = a.response_id
        WHERE r.started_at >= $1 AND r.started_at < $2{where}
    """
    dtypes = {
        "response_id": "int64",
        "respondent_id": "int64",
        "survey_version_id": "int64",
        "question_id": "int64",
        "score": "float64",
    }
    frame = await _copy_csv(connection, query, args, dtypes, ("answered_at",))
    questions = await connection.fetch("SELECT id, key, role, dimension_key FROM questions ORDER BY id")
    return _with_questions(frame, questions)


def _with_questions(frame: pd.DataFrame, questions: Sequence[asyncpg.Record]) -> pd.DataFrame:
    """Replace question_id by the question's key, role and dimension (a take over a small table)."""
    ids = pd.Index([row["id"] for row in questions], dtype="int64")
    position = ids.get_indexer(frame["question_id"].to_numpy())
    if (position < 0).any():
        raise LookupError("answers reference questions that are not stored")
    columns = {"question_key": "key", "role": "role", "dimension": "dimension_key"}
    for name, field in columns.items():
        values = np.array([row[field] for row in questions], dtype=object)
        frame[name] = pd.Series(values[position], index=frame.index, dtype="str")
    return conform(frame, "answers")


async def _responses(connection: asyncpg.Connection, window: _Window) -> pd.DataFrame:
    args = window.bounds()
    where = _survey_filter(args, window)
    # completed_at is NaT unless completed, whatever an older row may hold.
    query = f"""
        SELECT r.id AS response_id, r.respondent_id, r.survey_version_id, r.status,
               {_epoch_us("r.started_at")} AS started_at,
               CASE WHEN r.status = 'completed' THEN {_epoch_us("r.completed_at")} END AS completed_at,
               r.channel
        FROM responses r
        WHERE r.started_at >= $1 AND r.started_at < $2{where}
    """
    frame = await _copy_csv(connection, query, args, dict(RESPONSES_COLUMNS), ("started_at", "completed_at"))
    return conform(frame, "responses")


async def _complaints(connection: asyncpg.Connection, window: _Window, include_open: bool) -> pd.DataFrame:
    # A reopened ticket is worked like one in progress; the frame contract has no 'reopened'.
    open_before = (
        " OR (c.created_at < $1 AND c.status IN ('received', 'in_progress', 'reopened'))"
        if include_open
        else ""
    )
    query = f"""
        SELECT c.id AS complaint_id, c.respondent_id, {_epoch_us("c.created_at")} AS created_at,
               c.category_auto, c.category, c.dimension, c.severity,
               CASE WHEN c.status = 'reopened' THEN 'in_progress' ELSE c.status END AS status,
               {_epoch_us("c.first_response_at")} AS first_response_at,
               {_epoch_us("c.resolved_at")} AS resolved_at,
               c.resolution_rating, c.description AS text,
               array_to_string(c.keywords, E'{KEYWORD_SEPARATOR}') AS keywords
        FROM complaints c
        WHERE c.kind = 'complaint' AND ((c.created_at >= $1 AND c.created_at < $2){open_before})
    """
    dtypes = {
        name: dtype for name, dtype in COMPLAINTS_COLUMNS.items() if name not in ("ticket_no", "keywords")
    }
    dtypes["keywords"] = "str"
    timestamps = ("created_at", "first_response_at", "resolved_at")
    frame = await _copy_csv(connection, query, window.bounds(), dtypes, timestamps)
    frame["ticket_no"] = "TJ-" + frame["complaint_id"].astype("str").str.zfill(6)
    frame["text"] = frame["text"].fillna("")
    # Keyword lists are Python lists by contract; splitting is one vectorised call.
    split = frame["keywords"].str.split(KEYWORD_SEPARATOR)
    frame["keywords"] = pd.Series(
        [v if isinstance(v, list) else [] for v in split], index=frame.index, dtype=object
    )
    return conform(frame, "complaints")


async def _follow_ups(connection: asyncpg.Connection, window: _Window) -> pd.DataFrame:
    # Cases opened in the window, and older ones still open (their deadlines may pass in it).
    query = f"""
        SELECT c.id AS case_id, c.respondent_id, {_epoch_us("c.created_at")} AS created_at, c.category,
               CASE WHEN c.status = 'reopened' THEN 'in_progress' ELSE c.status END AS status,
               c.rating_before, {_epoch_us("c.revisit_due_at")} AS revisit_due_at,
               {_epoch_us("c.fix_due_at")} AS fix_due_at,
               {_epoch_us("c.first_response_at")} AS first_response_at,
               {_epoch_us("coalesce(c.resolved_at, c.closed_at)")} AS fixed_at,
               c.rerating, {_epoch_us("c.rerated_at")} AS rerated_at
        FROM complaints c
        WHERE c.kind = 'follow_up' AND ((c.created_at >= $1 AND c.created_at < $2)
              OR (c.created_at < $1 AND c.status IN ('received', 'in_progress', 'reopened')))
    """
    timestamps = ("created_at", "revisit_due_at", "fix_due_at", "first_response_at", "fixed_at", "rerated_at")
    dtypes = {name: dtype for name, dtype in FOLLOW_UPS_COLUMNS.items() if name != "ticket_no"}
    frame = await _copy_csv(connection, query, window.bounds(), dtypes, timestamps)
    frame["ticket_no"] = "TJ-" + frame["case_id"].astype("str").str.zfill(6)
    return conform(frame, "follow_ups")


async def _reasons(connection: asyncpg.Connection, window: _Window) -> pd.DataFrame:
    query = f"""
        SELECT response_id, reason, category, {_epoch_us("picked_at")} AS picked_at
        FROM rating_reasons WHERE picked_at >= $1 AND picked_at < $2
    """
    frame = await _copy_csv(connection, query, window.bounds(), dict(REASONS_COLUMNS), ("picked_at",))
    return conform(frame, "reasons")


async def answers_frame(
    source: Source,
    start: Instant,
    end: Instant,
    survey_key: str | None = None,
    version_id: int | None = None,
) -> pd.DataFrame:
    """Answers of responses started in [start, end), optionally of one survey (key) or version."""
    async with _driver(source) as connection:
        return await _answers(connection, _Window(start, end, survey_key, version_id))


async def responses_frame(
    source: Source,
    start: Instant,
    end: Instant,
    survey_key: str | None = None,
    version_id: int | None = None,
) -> pd.DataFrame:
    """Responses started in [start, end), optionally of one survey (key) or version."""
    async with _driver(source) as connection:
        return await _responses(connection, _Window(start, end, survey_key, version_id))


async def complaints_frame(
    source: Source, start: Instant, end: Instant, include_open: bool = False
) -> pd.DataFrame:
    """Complaints created in [start, end); with ``include_open`` also older tickets still open.

    Older open tickets matter for "overdue open" figures, which count every open ticket.
    """
    async with _driver(source) as connection:
        return await _complaints(connection, _Window(start, end), include_open)


async def follow_ups_frame(source: Source, start: Instant, end: Instant) -> pd.DataFrame:
    """Follow-up cases opened in [start, end), and older ones still open."""
    async with _driver(source) as connection:
        return await _follow_ups(connection, _Window(start, end))


async def reasons_frame(source: Source, start: Instant, end: Instant) -> pd.DataFrame:
    """Reasons picked after low ratings in [start, end)."""
    async with _driver(source) as connection:
        return await _reasons(connection, _Window(start, end))


async def load_frames(
    source: Source,
    start: Instant,
    end: Instant,
    survey_key: str | None = None,
    version_id: int | None = None,
) -> Frames:
    """Every frame for [start, end), complaints and cases with older open ones, from one snapshot.

    Given an engine, the reads share a read-only REPEATABLE READ transaction; given a
    connection, they run in the caller's transaction.
    """
    window = _Window(start, end, survey_key, version_id)
    async with _driver(source) as connection:
        if connection.is_in_transaction():
            return await _frames(connection, window)
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            return await _frames(connection, window)


async def _frames(connection: asyncpg.Connection, window: _Window) -> Frames:
    return Frames(
        answers=await _answers(connection, window),
        responses=await _responses(connection, window),
        complaints=await _complaints(connection, window, include_open=True),
        follow_ups=await _follow_ups(connection, window),
        reasons=await _reasons(connection, window),
    )


async def question_texts(source: Source) -> dict[str, dict[str, str]]:
    """Each question key's wording, {"zh": …, "en": …}, from the newest survey version that has it,
    in the order the surveys ask them: the newest version's questions first, in their asking order,
    then keys only older versions asked.

    Reports show these instead of the keys (comfort_attitude), and list questions in this order.
    """
    async with _driver(source) as connection:
        rows = await connection.fetch(
            "SELECT key, text_zh, text_en FROM questions ORDER BY survey_version_id DESC, position"
        )
    texts: dict[str, dict[str, str]] = {}
    for row in rows:
        texts.setdefault(row["key"], {"zh": row["text_zh"], "en": row["text_en"]})
    return texts

"""Report aggregates kept as responses complete (issue 15; tables and figure inventory in docs/AGGREGATES.md).

On completion, in the same transaction as the answer that completes it, a response gets its
summary row (context, times, cleaning flags) and, unless it is straight-lined or a speeder, its
answers are added to the day's histograms: ``daily_answer_counts`` (question × score → n) and
``daily_dimension_counts`` (dimension × item sum × item count → n). Days are local days of the
response's first answer in ``analytics_settings.timezone``. ``rebuild`` recomputes everything from
raw rows and is idempotent; the upkeep is idempotent too (a summary is only added once).

Readers return the histograms of a range of days as frames for :mod:`analysis.aggregate_figures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import pandas as pd
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from analysis import periods

Executor = AsyncSession | AsyncConnection

_CONTEXT: Final = "channel, branch, staff, service_type"
DEFAULT_TIMEZONE: Final = "Asia/Shanghai"
# The settings as one row even when the table was emptied (then the defaults the migration writes).
_SETTINGS: Final = f"""(
    SELECT coalesce(max(timezone), '{DEFAULT_TIMEZONE}') AS timezone,
           coalesce(max(min_items), 5) AS min_items,
           coalesce(max(min_seconds_per_item), 2.0) AS min_seconds_per_item
    FROM analytics_settings)"""
_S_CONTEXT: Final = "s.channel, s.branch, s.staff, s.service_type"

# {filter} is either "r.id = :response_id" (one completion) or "TRUE" (rebuild).
_SUMMARY_SQL: Final = f"""
INSERT INTO response_summaries (
    response_id, respondent_id, survey_version_id, channel, branch, staff, service_type,
    started_at, completed_at, first_answer_at, last_answer_at, day, answers, items,
    item_min, item_max, straightline, speeder)
SELECT r.id, r.respondent_id, r.survey_version_id, coalesce(r.channel, ''),
       coalesce(r.context->>'branch', ''), coalesce(r.context->>'staff', ''),
       coalesce(r.context->>'service_type', ''),
       r.started_at, r.completed_at, a.first_at, a.last_at,
       (a.first_at AT TIME ZONE cfg.timezone)::date, a.answers, a.items, a.item_min, a.item_max,
       a.items >= cfg.min_items AND a.item_min = a.item_max,
       -- the cleaning rule: less than min_seconds_per_item per answer since the start
       extract(epoch FROM a.last_at - r.started_at) < cfg.min_seconds_per_item * a.answers
FROM responses r
CROSS JOIN {_SETTINGS} cfg
CROSS JOIN LATERAL (
    SELECT min(x.answered_at) AS first_at, max(x.answered_at) AS last_at, count(*) AS answers,
           count(*) FILTER (WHERE q.role = 'item' AND x.score IS NOT NULL) AS items,
           min(x.score) FILTER (WHERE q.role = 'item') AS item_min,
           max(x.score) FILTER (WHERE q.role = 'item') AS item_max
    FROM answers x JOIN questions q ON q.id = x.question_id
    WHERE x.response_id = r.id
) a
WHERE {{filter}} AND r.status = 'completed' AND a.answers > 0
ON CONFLICT (response_id) DO NOTHING
RETURNING response_id
"""

# {filter} is "s.response_id = ANY(:ids)" or "TRUE". ORDER BY: rows are locked in key order, so
# two completions on the same day cannot deadlock on the histogram rows.
_ANSWER_COUNTS_SQL: Final = f"""
INSERT INTO daily_answer_counts (day, survey_version_id, {_CONTEXT}, question_id, score, n)
SELECT s.day, s.survey_version_id, {_S_CONTEXT}, a.question_id, a.score, count(*)
FROM response_summaries s JOIN answers a ON a.response_id = s.response_id
WHERE {{filter}} AND NOT s.straightline AND NOT s.speeder AND a.score IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
ON CONFLICT (day, survey_version_id, {_CONTEXT}, question_id, score)
DO UPDATE SET n = daily_answer_counts.n + excluded.n
"""

_DIMENSION_COUNTS_SQL: Final = f"""
INSERT INTO daily_dimension_counts (
    day, survey_version_id, {_CONTEXT}, dimension, item_sum, item_count, n)
SELECT day, survey_version_id, {_CONTEXT}, dimension, item_sum, item_count, count(*)
FROM (
    SELECT s.day, s.survey_version_id, {_S_CONTEXT}, q.dimension_key AS dimension,
           sum(a.score) AS item_sum, count(*) AS item_count
    FROM response_summaries s
    JOIN answers a ON a.response_id = s.response_id
    JOIN questions q ON q.id = a.question_id
    WHERE {{filter}} AND NOT s.straightline AND NOT s.speeder
          AND q.role = 'item' AND a.score IS NOT NULL AND q.dimension_key IS NOT NULL
    GROUP BY s.response_id, q.dimension_key
) per_response
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ON CONFLICT (day, survey_version_id, {_CONTEXT}, dimension, item_sum, item_count)
DO UPDATE SET n = daily_dimension_counts.n + excluded.n
"""

_ONE = text(_SUMMARY_SQL.format(filter="r.id = :response_id"))
_ONE_ANSWERS = text(_ANSWER_COUNTS_SQL.format(filter="s.response_id = :response_id"))
_ONE_DIMENSIONS = text(_DIMENSION_COUNTS_SQL.format(filter="s.response_id = :response_id"))


async def add_completed(executor: Executor, response_id: int) -> bool:
    """Add a just-completed response to the aggregates (once); True if it was added now."""
    added = (await executor.execute(_ONE, {"response_id": response_id})).first()
    if added is None:
        return False
    await executor.execute(_ONE_ANSWERS, {"response_id": response_id})
    await executor.execute(_ONE_DIMENSIONS, {"response_id": response_id})
    return True


@dataclass(frozen=True)
class AggregateSettings:
    """How the stored aggregates were cut."""

    timezone: str
    min_items: int
    min_seconds_per_item: float


async def aggregate_settings(executor: Executor) -> AggregateSettings:
    """The time zone and cleaning thresholds the stored aggregates use."""
    row = (await executor.execute(text(f"SELECT * FROM {_SETTINGS} cfg"))).one()
    return AggregateSettings(str(row[0]), int(row[1]), float(row[2]))


async def rebuild(
    engine: AsyncEngine, timezone: str, min_items: int = 5, min_seconds_per_item: float = 2.0
) -> int:
    """Recompute every aggregate from raw rows in one transaction; returns the responses summarised."""
    async with engine.begin() as connection:
        # Completions wait for the rebuild (the upkeep reads analytics_settings) rather than
        # adding to tables about to be replaced.
        await connection.execute(text("LOCK TABLE analytics_settings IN ACCESS EXCLUSIVE MODE"))
        await connection.execute(
            text("TRUNCATE response_summaries, daily_answer_counts, daily_dimension_counts")
        )
        await connection.execute(
            text(
                "INSERT INTO analytics_settings (id, timezone, min_items, min_seconds_per_item)"
                " VALUES (1, :tz, :items, :seconds) ON CONFLICT (id) DO UPDATE SET timezone = :tz,"
                " min_items = :items, min_seconds_per_item = :seconds"
            ),
            {"tz": timezone, "items": min_items, "seconds": min_seconds_per_item},
        )
        added = await connection.execute(text(_SUMMARY_SQL.format(filter="TRUE")))
        count = len(added.fetchall())
        await connection.execute(text(_ANSWER_COUNTS_SQL.format(filter="TRUE")))
        await connection.execute(text(_DIMENSION_COUNTS_SQL.format(filter="TRUE")))
    return count


@dataclass(frozen=True)
class AggregateFrames:
    """The histograms and cleaning inputs of a range of local days."""

    answer_counts: pd.DataFrame  # day, survey_version_id, question_key, role, dimension, score, n
    dimension_counts: pd.DataFrame  # day, survey_version_id, dimension, item_sum, item_count, n
    summaries: pd.DataFrame  # day, responses, straightline, speeder, flagged (counts per day)
    repeats: pd.DataFrame  # response_id, respondent_id, started_at, day, cycle: kept responses of repeaters
    repeat_answers: pd.DataFrame  # response_id, survey_version_id, question_key, role, dimension, score


async def _frame(executor: Executor, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    result = await executor.execute(text(sql), params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


async def load_aggregates(executor: Executor, first_day: date, last_day: date, cycle: str) -> AggregateFrames:
    """Histograms of [first_day, last_day] summed over contexts, and what the repeat rule needs.

    ``cycle`` is the PostgreSQL date_trunc unit of the report period ('day', 'week', 'month'):
    customers with more than one kept response in a cycle are repeats, and the raw answers of
    those responses (a few) come along so the report can take the later ones back out.
    """
    days = {"first": first_day, "last": last_day}
    answer_counts = await _frame(
        executor,
        """
        SELECT c.day, c.survey_version_id, q.key AS question_key, q.role, q.dimension_key AS dimension,
               c.score, sum(c.n)::bigint AS n
        FROM daily_answer_counts c JOIN questions q ON q.id = c.question_id
        WHERE c.day BETWEEN :first AND :last
        GROUP BY 1, 2, 3, 4, 5, 6
        """,
        days,
    )
    dimension_counts = await _frame(
        executor,
        """
        SELECT day, survey_version_id, dimension, item_sum, item_count, sum(n)::bigint AS n
        FROM daily_dimension_counts WHERE day BETWEEN :first AND :last
        GROUP BY 1, 2, 3, 4, 5
        """,
        days,
    )
    # Counts per day for the cleaning table; per response only where a customer repeats.
    summaries = await _frame(
        executor,
        """
        SELECT day, count(*) AS responses, count(*) FILTER (WHERE straightline) AS straightline,
               count(*) FILTER (WHERE speeder) AS speeder,
               count(*) FILTER (WHERE straightline OR speeder) AS flagged
        FROM response_summaries WHERE day BETWEEN :first AND :last GROUP BY day
        """,
        days,
    )
    repeats = await _frame(
        executor,
        f"""
        WITH kept AS (
            SELECT s.response_id, s.respondent_id, s.started_at, s.day,
                   date_trunc('{cycle}', s.started_at AT TIME ZONE cfg.timezone) AS cycle
            FROM response_summaries s CROSS JOIN {_SETTINGS} cfg
            WHERE s.day BETWEEN :first AND :last AND NOT s.straightline AND NOT s.speeder
        )
        SELECT k.response_id, k.respondent_id, k.started_at, k.day, k.cycle
        FROM kept k JOIN (
            SELECT respondent_id, cycle FROM kept GROUP BY 1, 2 HAVING count(*) > 1
        ) r USING (respondent_id, cycle)
        """,
        days,
    )
    repeat_answers = await _frame(
        executor,
        """
        SELECT a.response_id, r.survey_version_id, q.key AS question_key, q.role,
               q.dimension_key AS dimension, a.score
        FROM answers a JOIN responses r ON r.id = a.response_id JOIN questions q ON q.id = a.question_id
        WHERE a.response_id = ANY(:ids) AND a.score IS NOT NULL
        """,
        {"ids": [int(i) for i in repeats["response_id"]] if len(repeats) else []},
    )
    return AggregateFrames(answer_counts, dimension_counts, summaries, repeats, repeat_answers)


async def load_for_report(
    executor: Executor, now: pd.Timestamp, freq: periods.Freq, tz: str, trend_periods: int = 8
) -> AggregateFrames:
    """The aggregates of a report's trend window ending at ``now`` (periods in ``tz``).

    Raises ValueError when the stored days were cut in another zone: run ``tingjian analytics
    rebuild`` after changing TIMEZONE.
    """
    stored = await aggregate_settings(executor)
    if stored.timezone != tz:
        raise ValueError(f"report aggregates are cut in {stored.timezone}, not {tz}: rebuild them")
    bounds = periods.last_periods(now, max(trend_periods, 2), freq, tz)
    first = bounds[0].start.tz_convert(tz).date()
    last = pd.Timestamp(now).tz_convert(tz).date()
    return await load_aggregates(executor, first, last, freq)

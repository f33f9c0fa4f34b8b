"""Report aggregates kept as responses complete (issue 15; tables and figure inventory in docs/AGGREGATES.md).

On completion, in the same transaction as the answer that completes it, a response gets its
summary row (context, times, cleaning flags, and ``repeats``: whether it follows the customer's
first kept response of the same local day / week / month), is counted in
``daily_response_counts`` by its flags and, unless it is straight-lined or a speeder, its answers
are added to the day's histograms: ``daily_answer_counts`` (question × score → n) and
``daily_dimension_counts`` (dimension × item sum × item count → n), both keyed by ``repeats`` too,
so a report of any period length leaves that period's repeats out with a WHERE. Days are local
days of the response's first answer in ``analytics_settings.timezone``. ``rebuild`` recomputes
everything from raw rows and is idempotent; the upkeep is idempotent too (a summary is added once).
One customer's completions are serialised by the per-chat lock, so their repeat flags cannot race.

The readers (frames for :mod:`analysis.aggregate_figures`) are in :mod:`storage.aggregate_frames`, so the
upkeep that every completion runs in the chat process imports no pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from storage.aggregate_pairs import pairs_ctes, rebuild_pairs
from storage.aggregate_products import products_ctes, rebuild_products

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

REPEAT_BITS: Final = {"day": 1, "week": 2, "month": 4}

# The repeat rule (analysis.cleaning): among a customer's kept responses of one local day / week /
# month, ordered by start (then id), all but the first are repeats. {filter} limits the customers.
_REPEATS_SQL: Final = f"""
SELECT response_id, repeats AS old, new FROM (
    SELECT k.response_id, k.repeats,
           (CASE WHEN row_number() OVER (PARTITION BY k.respondent_id, date_trunc('day', k.local)
                 ORDER BY k.started_at, k.response_id) > 1 THEN 1 ELSE 0 END)
         | (CASE WHEN row_number() OVER (PARTITION BY k.respondent_id, date_trunc('week', k.local)
                 ORDER BY k.started_at, k.response_id) > 1 THEN 2 ELSE 0 END)
         | (CASE WHEN row_number() OVER (PARTITION BY k.respondent_id, date_trunc('month', k.local)
                 ORDER BY k.started_at, k.response_id) > 1 THEN 4 ELSE 0 END) AS new
    FROM (
        SELECT s.response_id, s.respondent_id, s.started_at, s.repeats,
               s.started_at AT TIME ZONE cfg.timezone AS local
        FROM response_summaries s CROSS JOIN {_SETTINGS} cfg
        WHERE {{filter}} AND NOT s.straightline AND NOT s.speeder
    ) k
) ranked
WHERE repeats <> new OR response_id = ANY(CAST(:added AS int[]))
"""

# Histogram statements add (:sign = 1) or take back (:sign = −1) the responses {filter} selects,
# under the flags their summaries hold. ORDER BY: rows are locked in key order, so two completions
# on the same day cannot deadlock on the histogram rows.
_RESPONSE_COUNTS_SQL: Final = f"""
INSERT INTO daily_response_counts (
    day, survey_version_id, {_CONTEXT}, straightline, speeder, repeats, n)
SELECT s.day, s.survey_version_id, {_S_CONTEXT}, s.straightline, s.speeder, s.repeats, :sign * count(*)
FROM response_summaries s
WHERE {{filter}}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ON CONFLICT (day, survey_version_id, {_CONTEXT}, straightline, speeder, repeats)
DO UPDATE SET n = daily_response_counts.n + excluded.n
"""

_ANSWER_COUNTS_SQL: Final = f"""
INSERT INTO daily_answer_counts (day, survey_version_id, {_CONTEXT}, repeats, question_id, score, n)
SELECT s.day, s.survey_version_id, {_S_CONTEXT}, s.repeats, a.question_id, a.score, :sign * count(*)
FROM response_summaries s JOIN answers a ON a.response_id = s.response_id
WHERE {{filter}} AND NOT s.straightline AND NOT s.speeder AND a.score IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ON CONFLICT (day, survey_version_id, {_CONTEXT}, repeats, question_id, score)
DO UPDATE SET n = daily_answer_counts.n + excluded.n
"""

_DIMENSION_COUNTS_SQL: Final = f"""
INSERT INTO daily_dimension_counts (
    day, survey_version_id, {_CONTEXT}, repeats, dimension, item_sum, item_count, n)
SELECT day, survey_version_id, {_CONTEXT}, repeats, dimension, item_sum, item_count, :sign * count(*)
FROM (
    SELECT s.day, s.survey_version_id, {_S_CONTEXT}, s.repeats, q.dimension_key AS dimension,
           sum(a.score) AS item_sum, count(*) AS item_count
    FROM response_summaries s
    JOIN answers a ON a.response_id = s.response_id
    JOIN questions q ON q.id = a.question_id
    WHERE {{filter}} AND NOT s.straightline AND NOT s.speeder
          AND q.role = 'item' AND a.score IS NOT NULL AND q.dimension_key IS NOT NULL
    GROUP BY s.response_id, q.dimension_key
) per_response
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
ON CONFLICT (day, survey_version_id, {_CONTEXT}, repeats, dimension, item_sum, item_count)
DO UPDATE SET n = daily_dimension_counts.n + excluded.n
"""

_HISTOGRAMS: Final = (_RESPONSE_COUNTS_SQL, _ANSWER_COUNTS_SQL, _DIMENSION_COUNTS_SQL)
_ONE = text(_SUMMARY_SQL.format(filter="r.id = :response_id"))
_ONE_CUSTOMER = text(
    _REPEATS_SQL.format(
        filter="s.respondent_id = (SELECT respondent_id FROM response_summaries"
        " WHERE response_id = :response_id)"
    )
)


def _upkeep(summaries: str) -> str:
    """Every table the upkeep adds to, in one statement: one round trip, one plan, one bind.

    PostgreSQL runs each data-modifying CTE once on the same snapshot, read or not; no CTE reads a
    table another writes, and each table has one writer.
    """
    return (
        f"WITH responses_added AS ({_RESPONSE_COUNTS_SQL.format(filter=summaries)}),"
        f" answers_added AS ({_ANSWER_COUNTS_SQL.format(filter=summaries)}),"
        f" dimension_counts_added AS ({_DIMENSION_COUNTS_SQL.format(filter=summaries)}),"
        f" {products_ctes(summaries)}, {pairs_ctes(summaries)} SELECT"
    )


# Nearly every call adds one response. With a scalar id PostgreSQL's generic plan costs what a
# custom one does, so after five executions it keeps the generic one and stops planning (~6 ms of
# CPU per completion at 1M answers); with an array parameter it estimates the generic plan for ten
# ids and re-plans every time. Several ids (repeat-bit moves, rare) take the array form.
_ONE_RESPONSE = text(_upkeep("s.response_id = :id"))
_SOME = text(_upkeep("s.response_id = ANY(CAST(:ids AS int[]))"))
_SET_REPEATS = text(
    "UPDATE response_summaries s SET repeats = m.new FROM unnest(CAST(:ids AS int[]), CAST(:new AS int[]))"
    " AS m(id, new) WHERE s.response_id = m.id"
)


async def _histograms(executor: Executor, ids: list[int], sign: int) -> None:
    if len(ids) == 1:
        await executor.execute(_ONE_RESPONSE, {"id": ids[0], "sign": sign})
    else:
        await executor.execute(_SOME, {"ids": ids, "sign": sign})


async def add_completed(executor: Executor, response_id: int) -> bool:
    """Add a just-completed response to the aggregates (once); True if it was added now.

    A response that started before a customer's other kept response of the same day, week or
    month (it completed later) makes that one a repeat: its counts move to the repeat rows.
    """
    added = (await executor.execute(_ONE, {"response_id": response_id})).first()
    if added is None:
        return False
    changes = (
        await executor.execute(_ONE_CUSTOMER, {"response_id": response_id, "added": [response_id]})
    ).all()
    moved = [int(row[0]) for row in changes if int(row[0]) != response_id]
    if moved:
        await _histograms(executor, moved, -1)
    changed = [row for row in changes if int(row[1]) != int(row[2])]
    if changed:
        ids, new = [int(row[0]) for row in changed], [int(row[2]) for row in changed]
        await executor.execute(_SET_REPEATS, {"ids": ids, "new": new})
    await _histograms(executor, [*moved, response_id], 1)
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
            text(
                "TRUNCATE response_summaries, daily_response_counts, daily_answer_counts,"
                " daily_dimension_counts"
            )
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
        repeats = text(
            "UPDATE response_summaries t SET repeats = r.new"
            f" FROM ({_REPEATS_SQL.format(filter='TRUE')}) r WHERE t.response_id = r.response_id"
        )
        await connection.execute(repeats, {"added": []})
        for sql in _HISTOGRAMS:
            await connection.execute(text(sql.format(filter="TRUE")), {"sign": 1})
        await rebuild_products(connection)
        await rebuild_pairs(connection)
    return count

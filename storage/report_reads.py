"""The bounded reads a report from aggregates needs besides the histograms (issue 15).

Counts are counted in SQL (GROUP BY, COUNT DISTINCT) over the responses and complaints of the
report window, so what travels is per local day × channel × status, not per response. Raw rows are
read only where they are few by nature: the current period's abandoned responses (with their last
answer, the only answers read), the window's complaints and follow-up cases, and the current
period's reasons picked after low ratings. The SERVQUAL and Kano pair histograms
(:mod:`storage.aggregate_pairs`) of the current period come along.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from analysis import periods
from analysis.aggregate_sections import ReportReads
from analysis.report_settings import report_window
from storage.aggregates import REPEAT_BITS
from storage.analytics import complaints_frame, follow_ups_frame, reasons_frame

# Responses the raw report counts: started in the window, not after `now`.
_RESPONSE_COUNTS = """
SELECT (r.started_at AT TIME ZONE :tz)::date AS day, r.channel, r.status, count(*) AS n
FROM responses r WHERE r.started_at >= :start AND r.started_at <= :now
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""
# Kept responses with rated items, without the period length's repeats (the trend's n).
_RATED = """
SELECT day, count(*) AS n FROM response_summaries
WHERE day BETWEEN :first AND :last AND NOT straightline AND NOT speeder AND repeats & :bit = 0
      AND items > 0
GROUP BY day ORDER BY day
"""
# Distinct customers who started a response or complained in [start, end), up to `now`.
_ACTIVE = """
SELECT count(*) FROM (
    SELECT respondent_id FROM responses
    WHERE started_at >= :start AND started_at < :end AND started_at <= :now
    UNION
    SELECT respondent_id FROM complaints
    WHERE kind = 'complaint' AND created_at >= :start AND created_at < :end AND created_at <= :now
) customers
"""
# The current period's abandoned responses (few), then only their answers, found by response id.
# "+ interval '0'" keeps the planner off ix_answers_answered_at: AND-ing that index over the whole
# window for every abandoned response took minutes at 1M answers when statistics were stale.
_ABANDONED = """
WITH abandoned AS MATERIALIZED (
    SELECT r.id FROM responses r
    WHERE r.status = 'abandoned' AND r.started_at >= :start AND r.started_at < :end
          AND r.started_at <= :now
), last AS (
    SELECT DISTINCT ON (a.response_id) a.response_id, a.question_id, a.answered_at
    FROM answers a
    WHERE a.response_id IN (SELECT id FROM abandoned)
          AND a.answered_at + interval '0' >= :window AND a.answered_at + interval '0' <= :now
    ORDER BY a.response_id, a.answered_at DESC, a.id DESC
)
SELECT r.id AS response_id, q.key AS question_key, l.answered_at
FROM abandoned r LEFT JOIN last l ON l.response_id = r.id LEFT JOIN questions q ON q.id = l.question_id
ORDER BY r.id
"""
_KANO = """
SELECT f.key AS feature, d.key AS dysfunctional, c.functional_score, c.dysfunctional_score,
       sum(c.n)::bigint AS n
FROM daily_kano_counts c
JOIN questions f ON f.id = c.functional_id JOIN questions d ON d.id = c.dysfunctional_id
WHERE c.day BETWEEN :first AND :last AND c.repeats & :bit = 0
GROUP BY 1, 2, 3, 4 HAVING sum(c.n) > 0 ORDER BY 1, 2, 3, 4
"""
_SERVQUAL = """
SELECT dimension, gap_sum, pair_count, sum(n)::bigint AS n, sum(perception_sum) AS perception_sum,
       sum(expectation_sum) AS expectation_sum
FROM daily_servqual_counts
WHERE day BETWEEN :first AND :last AND repeats & :bit = 0
GROUP BY 1, 2, 3 HAVING sum(n) > 0 ORDER BY 1, 2, 3
"""


async def _frame(connection: AsyncConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    result = await connection.execute(text(sql), params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


async def _active(connection: AsyncConnection, bounds: periods.PeriodBounds, now: datetime) -> int:
    params = {"start": bounds.start.to_pydatetime(), "end": bounds.end.to_pydatetime(), "now": now}
    return int((await connection.execute(text(_ACTIVE), params)).scalar_one())


async def load_report_reads(
    connection: AsyncConnection, now: pd.Timestamp, freq: periods.Freq, tz: str, trend_periods: int = 8
) -> ReportReads:
    """Everything but the histograms for the report of the period containing ``now`` (in ``tz``).

    Run it in the transaction that reads the histograms, so both see one snapshot.
    """
    stamp = pd.Timestamp(now)
    utc = (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()
    bounds = periods.last_periods(stamp, max(trend_periods, 2), freq, tz)
    current, previous = bounds[-1], bounds[-2]
    start, end = report_window(stamp, freq, trend_periods, tz)
    days = {
        "first": bounds[0].start.tz_convert(tz).date(),
        "last": pd.Timestamp(utc).tz_convert(tz).date(),
        "bit": REPEAT_BITS[freq],
    }
    current_days = {**days, "first": current.start.tz_convert(tz).date()}
    abandoned = await _frame(
        connection,
        _ABANDONED,
        {
            "window": start.to_pydatetime(),
            "start": current.start.to_pydatetime(),
            "end": current.end.to_pydatetime(),
            "now": utc,
        },
    )
    if not abandoned.empty:
        abandoned["answered_at"] = pd.to_datetime(abandoned["answered_at"], utc=True)
    return ReportReads(
        response_counts=await _frame(
            connection, _RESPONSE_COUNTS, {"tz": tz, "start": start.to_pydatetime(), "now": utc}
        ),
        rated=await _frame(connection, _RATED, days),
        active={
            "current": await _active(connection, current, utc),
            "previous": await _active(connection, previous, utc),
        },
        abandoned=abandoned,
        complaints=await complaints_frame(connection, start, end, include_open=True),
        follow_ups=await follow_ups_frame(connection, start, end),
        # Only this period's picks are counted (report_follow_ups): the window's would be 8× as many.
        reasons=await reasons_frame(connection, current.start, current.end),
        kano=await _frame(connection, _KANO, current_days),
        servqual=await _frame(connection, _SERVQUAL, current_days),
    )

"""Readers of the report aggregates: the histograms of a range of local days as pandas frames.

Apart from :mod:`storage.aggregates` (upkeep and rebuild) because the chat process completes
responses and must not import pandas; only reports read these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import text

from analysis import periods
from storage.aggregates import REPEAT_BITS, AggregateSettings, Executor, aggregate_settings


@dataclass(frozen=True)
class AggregateFrames:
    """The histograms of a range of local days, for one report period length."""

    answer_counts: pd.DataFrame  # day, question_key, role, dimension, score, n
    dimension_counts: pd.DataFrame  # day, dimension, item_sum, item_count, n
    response_counts: pd.DataFrame  # day, straightline, speeder, repeat, n
    # day, survey_version_id, pattern ("id,id,…"), key_a, role_a, dimension_a, key_b, role_b,
    # dimension_b, n, sum_a, sum_b, sum_ab (storage.aggregate_products)
    item_products: pd.DataFrame = field(default_factory=pd.DataFrame)
    # day, survey_version_id, pattern, dimension, item_sum, item_count, n
    pattern_dimensions: pd.DataFrame = field(default_factory=pd.DataFrame)


async def _frame(executor: Executor, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    result = await executor.execute(text(sql), params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


async def load_aggregates(
    executor: Executor, first_day: date, last_day: date, freq: periods.Freq
) -> AggregateFrames:
    """Histograms of [first_day, last_day] summed over versions and contexts, repeats of ``freq`` left out.

    Repeats are the cleaning rule "one response per customer per cycle" with the report period
    as the cycle; the response counts keep them (as ``repeat``) for the cleaning table.
    """
    params = {"first": first_day, "last": last_day, "bit": REPEAT_BITS[freq]}
    answer_counts = await _frame(
        executor,
        """
        SELECT c.day, q.key AS question_key, q.role, q.dimension_key AS dimension, c.score,
               sum(c.n)::bigint AS n
        FROM daily_answer_counts c JOIN questions q ON q.id = c.question_id
        WHERE c.day BETWEEN :first AND :last AND c.repeats & :bit = 0
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) > 0
        """,
        params,
    )
    dimension_counts = await _frame(
        executor,
        """
        SELECT day, dimension, item_sum, item_count, sum(n)::bigint AS n
        FROM daily_dimension_counts WHERE day BETWEEN :first AND :last AND repeats & :bit = 0
        GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0
        """,
        params,
    )
    response_counts = await _frame(
        executor,
        """
        SELECT day, straightline, speeder, repeats & :bit <> 0 AS repeat, sum(n)::bigint AS n
        FROM daily_response_counts WHERE day BETWEEN :first AND :last
        GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0
        """,
        params,
    )
    item_products = await _frame(
        executor,
        """
        SELECT p.day, p.survey_version_id, array_to_string(p.pattern, ',') AS pattern,
               qa.key AS key_a, qa.role AS role_a, qa.dimension_key AS dimension_a,
               qb.key AS key_b, qb.role AS role_b, qb.dimension_key AS dimension_b,
               sum(p.n)::bigint AS n, sum(p.sum_a) AS sum_a, sum(p.sum_b) AS sum_b,
               sum(p.sum_ab) AS sum_ab
        FROM daily_item_products p
        JOIN questions qa ON qa.id = p.question_a JOIN questions qb ON qb.id = p.question_b
        WHERE p.day BETWEEN :first AND :last AND p.repeats & :bit = 0
        GROUP BY p.day, p.survey_version_id, p.pattern, p.question_a, p.question_b,
                 qa.key, qa.role, qa.dimension_key, qb.key, qb.role, qb.dimension_key
        HAVING sum(p.n) > 0
        """,
        params,
    )
    pattern_dimensions = await _frame(
        executor,
        """
        SELECT day, survey_version_id, array_to_string(pattern, ',') AS pattern, dimension,
               item_sum, item_count, sum(n)::bigint AS n
        FROM daily_pattern_dimensions WHERE day BETWEEN :first AND :last AND repeats & :bit = 0
        GROUP BY day, survey_version_id, pattern, dimension, item_sum, item_count HAVING sum(n) > 0
        """,
        params,
    )
    return AggregateFrames(
        answer_counts, dimension_counts, response_counts, item_products, pattern_dimensions
    )


async def load_for_report(
    executor: Executor,
    now: pd.Timestamp,
    freq: periods.Freq,
    tz: str,
    trend_periods: int = 8,
    min_items: int = 5,
    min_seconds_per_item: float = 2.0,
) -> AggregateFrames:
    """The aggregates of a report's trend window ending at ``now`` (periods in ``tz``).

    Raises ValueError when the stored days were cut in another zone or flagged with other
    cleaning thresholds: run ``tingjian analytics rebuild`` after changing TIMEZONE.
    """
    stored = await aggregate_settings(executor)
    wanted = AggregateSettings(tz, min_items, min_seconds_per_item)
    if stored != wanted:
        raise ValueError(f"report aggregates are cut as {stored}, not {wanted}: rebuild them")
    bounds = periods.last_periods(now, max(trend_periods, 2), freq, tz)
    first = bounds[0].start.tz_convert(tz).date()
    last = pd.Timestamp(now).tz_convert(tz).date()
    return await load_aggregates(executor, first, last, freq)

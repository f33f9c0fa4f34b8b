"""Cross-product aggregates of kept responses (issue 15): what reliability, validity, the regression
weights and the index's CI need, kept beside the histograms of :mod:`storage.aggregates`.

Each row is keyed like the histograms (local day × survey version × service context × repeat bits)
and by the response's answer **pattern**: the sorted ids of its scored ``item`` and ``overall``
questions. The raw figures use complete cases (Cronbach's alpha drops responses missing any item
of the dimension, validity those missing any item of the version, the regression those missing a
dimension or the overall rating); the responses complete over a set of questions are exactly those
whose pattern contains the set, so every such figure is an exact function of these rows.

- ``daily_item_products``: per pattern and pair of its questions a ≤ b: n, Σa, Σb, Σab. Scores are
  whole numbers, so the float8 sums are exact and independent of the order they were added in.
- ``daily_pattern_dimensions``: per pattern and dimension, how many responses summed ``item_sum``
  over the dimension's items (the pattern fixes ``item_count``) — each response's dimension mean,
  for the entropy weights (Σ x ln x is not a function of sums of products).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sqlalchemy import text

if TYPE_CHECKING:  # storage.aggregates calls this module: a runtime import would be circular
    from storage.aggregates import Executor

_CONTEXT: Final = "channel, branch, staff, service_type"
_KEY: Final = f"day, survey_version_id, {_CONTEXT}, repeats, pattern"
TABLES: Final = ("daily_item_products", "daily_pattern_dimensions")

# {filter} selects the summaries; their kept responses' scored item and overall answers, with
# each response's pattern. :sign = 1 adds them, −1 takes them back (a repeat-bit move). CTEs, not a
# statement: storage.aggregates runs them inside its one upkeep statement (one round trip and bind).
_PRODUCTS_CTES: Final = f"""
scored AS (
    SELECT s.response_id, s.day, s.survey_version_id, s.channel, s.branch, s.staff, s.service_type,
           s.repeats, a.question_id, a.score, q.role, q.dimension_key
    FROM response_summaries s
    JOIN answers a ON a.response_id = s.response_id
    JOIN questions q ON q.id = a.question_id
    WHERE {{filter}} AND NOT s.straightline AND NOT s.speeder
          AND a.score IS NOT NULL AND q.role IN ('item', 'overall')
), patterned AS (
    SELECT scored.*, p.pattern
    FROM scored JOIN (
        SELECT response_id, array_agg(question_id ORDER BY question_id) AS pattern
        FROM scored GROUP BY response_id
    ) p USING (response_id)
), dimensions_added AS (
    INSERT INTO daily_pattern_dimensions ({_KEY}, dimension, item_sum, item_count, n)
    SELECT {_KEY}, dimension_key, item_sum, item_count, :sign * count(*)
    FROM (
        SELECT response_id, {_KEY}, dimension_key, sum(score) AS item_sum, count(*) AS item_count
        FROM patterned WHERE role = 'item' AND dimension_key IS NOT NULL
        GROUP BY response_id, {_KEY}, dimension_key
    ) per_response
    GROUP BY {_KEY}, dimension_key, item_sum, item_count
    ORDER BY {_KEY}, dimension_key, item_sum, item_count
    ON CONFLICT ({_KEY}, dimension, item_sum, item_count)
    DO UPDATE SET n = daily_pattern_dimensions.n + excluded.n
), products_added AS (
    INSERT INTO daily_item_products ({_KEY}, question_a, question_b, n, sum_a, sum_b, sum_ab)
    SELECT x.day, x.survey_version_id, x.channel, x.branch, x.staff, x.service_type, x.repeats, x.pattern,
           x.question_id, y.question_id, :sign * count(*), :sign * sum(x.score), :sign * sum(y.score),
           :sign * sum(x.score * y.score)
    FROM patterned x JOIN patterned y ON y.response_id = x.response_id AND y.question_id >= x.question_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    ON CONFLICT ({_KEY}, question_a, question_b) DO UPDATE SET
        n = daily_item_products.n + excluded.n,
        sum_a = daily_item_products.sum_a + excluded.sum_a,
        sum_b = daily_item_products.sum_b + excluded.sum_b,
        sum_ab = daily_item_products.sum_ab + excluded.sum_ab
)"""


def products_ctes(summaries: str) -> str:
    """The CTEs adding (``:sign`` 1) or taking back (−1) the kept responses ``summaries`` selects."""
    return _PRODUCTS_CTES.format(filter=summaries)


async def rebuild_products(executor: Executor) -> None:
    """Recompute both tables from the (just rebuilt) summaries and raw answers."""
    await executor.execute(text(f"TRUNCATE {', '.join(TABLES)}"))
    # A data-modifying CTE runs whether or not the main query reads it.
    await executor.execute(text(f"WITH {products_ctes('TRUE')} SELECT"), {"sign": 1})

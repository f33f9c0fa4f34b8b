"""Pair aggregates kept as responses complete (issue 15): SERVQUAL gaps and Kano answer pairs.

Both figures pair two answers of one response (an expectation with its perception item; a Kano
functional with its dysfunctional question), which the per-question histograms cannot. Which
questions pair up comes from the survey definition, kept as ids in ``question_pairs`` (written when
a version is stored, and again by the rebuild): a small table, so the upkeep plans in little time.
- ``daily_servqual_counts``: per day × version × context × repeats × perception item's dimension,
  how many kept responses had P − E summing to ``gap_sum`` over ``pair_count`` pairs, plus Σ P and
  Σ E over them: the dimension gap (the mean over responses of each one's mean gap) is exact.
- ``daily_kano_counts``: per day × … × (functional, dysfunctional question) × their two codes: n.
Kept means what the answer histograms keep: not straight-lined, not a speeder, under the same
repeat bits. Called from :mod:`storage.aggregates` (upkeep and rebuild), like the histograms.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Executor = AsyncSession | AsyncConnection

_KEY: Final = "day, survey_version_id, channel, branch, staff, service_type, repeats"
_S_KEY: Final = "s.day, s.survey_version_id, s.channel, s.branch, s.staff, s.service_type, s.repeats"
_KEPT: Final = "NOT s.straightline AND NOT s.speeder"

# {filter} selects summaries: "s.response_id = ANY(...)" (upkeep) or "TRUE" (rebuild). :sign adds
# (1) or takes back (−1). ORDER BY: rows are locked in key order, so completions cannot deadlock.
_SERVQUAL_SQL: Final = f"""
INSERT INTO daily_servqual_counts (
    {_KEY}, dimension, gap_sum, pair_count, n, perception_sum, expectation_sum)
SELECT {_KEY}, dimension, gap_sum, pair_count, :sign * count(*), :sign * sum(p_sum), :sign * sum(e_sum)
FROM (
    SELECT {_S_KEY}, s.response_id, pr.dimension,
           sum(p.score - e.score) AS gap_sum, count(*) AS pair_count,
           sum(p.score) AS p_sum, sum(e.score) AS e_sum
    FROM response_summaries s
    JOIN question_pairs pr ON pr.survey_version_id = s.survey_version_id AND pr.role = 'expectation'
    JOIN answers e ON e.response_id = s.response_id AND e.question_id = pr.question_id
    JOIN answers p ON p.response_id = s.response_id AND p.question_id = pr.partner_id
    WHERE {{filter}} AND {_KEPT} AND e.score IS NOT NULL AND p.score IS NOT NULL
          AND pr.dimension IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
) per_response
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
ON CONFLICT ({_KEY}, dimension, gap_sum, pair_count) DO UPDATE SET
    n = daily_servqual_counts.n + excluded.n,
    perception_sum = daily_servqual_counts.perception_sum + excluded.perception_sum,
    expectation_sum = daily_servqual_counts.expectation_sum + excluded.expectation_sum
"""

# question_pairs holds kano_dysf → its functional question: the functional one is the partner.
_KANO_SQL: Final = f"""
INSERT INTO daily_kano_counts (
    {_KEY}, functional_id, dysfunctional_id, functional_score, dysfunctional_score, n)
SELECT {_S_KEY}, pr.partner_id, pr.question_id, f.score, d.score, :sign * count(*)
FROM response_summaries s
JOIN question_pairs pr ON pr.survey_version_id = s.survey_version_id AND pr.role = 'kano_dysf'
JOIN answers d ON d.response_id = s.response_id AND d.question_id = pr.question_id
JOIN answers f ON f.response_id = s.response_id AND f.question_id = pr.partner_id
WHERE {{filter}} AND {_KEPT} AND d.score IS NOT NULL AND f.score IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
ON CONFLICT ({_KEY}, functional_id, dysfunctional_id, functional_score, dysfunctional_score)
DO UPDATE SET n = daily_kano_counts.n + excluded.n
"""


def pairs_ctes(summaries: str) -> str:
    """Both pair inserts as CTEs for the summaries the filter selects (in storage.aggregates' upkeep)."""
    return (
        f"servqual_added AS ({_SERVQUAL_SQL.format(filter=summaries)}),"
        f" kano_added AS ({_KANO_SQL.format(filter=summaries)})"
    )


# The pairs the definitions name, as question ids ({filter}: one version, or all).
_PAIRS_SQL: Final = """
INSERT INTO question_pairs (survey_version_id, question_id, partner_id, role, dimension)
SELECT v.id, own.id, partner.id, own.role, partner.dimension_key
FROM survey_versions v
CROSS JOIN LATERAL jsonb_array_elements(v.definition->'questions') AS q(value)
JOIN questions own ON own.survey_version_id = v.id AND own.key = q.value->>'key'
JOIN questions partner ON partner.survey_version_id = v.id AND partner.key = q.value->>'pairs_with'
WHERE {filter} AND own.role IN ('expectation', 'kano_dysf')
ON CONFLICT DO NOTHING
"""


async def store_pairs(executor: Executor, version_id: int) -> None:
    """Record which questions of a just-stored survey version pair up."""
    await executor.execute(text(_PAIRS_SQL.format(filter="v.id = :id")), {"id": version_id})


async def rebuild_pairs(executor: Executor) -> None:
    """Recompute the pairs and both pair tables from the definitions, summaries and answers
    (inside the caller's rebuild)."""
    await executor.execute(text("TRUNCATE question_pairs, daily_servqual_counts, daily_kano_counts"))
    await executor.execute(text(_PAIRS_SQL.format(filter="TRUE")))
    for sql in (_SERVQUAL_SQL, _KANO_SQL):
        await executor.execute(text(sql.format(filter="TRUE")), {"sign": 1})

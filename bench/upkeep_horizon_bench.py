"""Aggregate upkeep per answer as completions pile up, with and without an old snapshot held open
(issue 15: 0.12–0.18 ms/answer at 1–4M answers, 2.09 ms once at 16M).

Usage: .venv/bin/python bench/upkeep_horizon_bench.py [--millions 0.1] [--completions 300] [--batch 50]

Writes a demo history (as bench/scaling_bench.py does, same seed and end), then completes
``--completions`` copied responses through ResponseRepository.complete, one transaction each, twice:
- free: nothing else open on the database;
- held: another connection holds a REPEATABLE READ snapshot taken before the first completion (as a
  long report query, a pg_dump or an autovacuum ANALYZE of a large table does), so no row version
  the completions replace can be removed while they run.
Every completion of one day moves the same histogram rows (the copies carry no branch or staff), so
each one leaves a dead version of each row it updates. Printed per batch of ``--batch`` completions:
the PostgreSQL backend's CPU per answer (from /proc) and the wall time, then the EXPLAIN (ANALYZE,
BUFFERS) of the three upkeep statements for one more completion (custom and generic plans).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.scaling_bench import _COPY_RESPONSES, _backend_cpu, write
from storage.aggregates import _ONE, _ONE_CUSTOMER, _SOME
from storage.database import create_engine, session_factory
from storage.unit_of_work import UnitOfWork
from tests.support.database import create_database, drop_database, server_url

_COPY_ANSWERS = (
    "INSERT INTO answers (response_id, question_id, score, text, answered_at)"
    " SELECT m.new_id, a.question_id, a.score, a.text, now() - interval '30 minutes'"
    " FROM unnest(CAST(:new AS int[]), CAST(:old AS int[])) AS m(new_id, old_id)"
    " JOIN answers a ON a.response_id = m.old_id"
)


async def started_copies(engine: AsyncEngine, n: int) -> tuple[list[int], int]:
    """``n`` started responses carrying the answers of old completed ones; their ids and answers."""
    async with engine.begin() as connection:
        ids = list((await connection.execute(text(_COPY_RESPONSES), {"n": n})).scalars())
        sources = list(
            (
                await connection.execute(
                    text("SELECT id FROM responses WHERE status = 'completed' ORDER BY id LIMIT :n"),
                    {"n": n},
                )
            ).scalars()
        )
        await connection.execute(text(_COPY_ANSWERS), {"new": ids, "old": sources})
        answers = await connection.scalar(
            text("SELECT count(*) FROM answers WHERE response_id = ANY(:ids)"), {"ids": ids}
        )
    return ids, int(answers or 0)


async def complete_in_batches(
    engine: AsyncEngine, ids: list[int], answers: int, batch: int
) -> list[dict[str, float]]:
    """Complete ``ids`` one transaction each; per batch: server CPU ms per answer, wall ms per completion."""
    per_response = answers / len(ids)
    rows: list[dict[str, float]] = []
    async with session_factory(engine)() as session:
        pid = int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        await session.commit()
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            server0, wall0 = _backend_cpu(pid), time.perf_counter()
            for response_id in chunk:
                await UnitOfWork(session).responses.complete(response_id)
                await session.commit()
            server, wall = _backend_cpu(pid) - server0, time.perf_counter() - wall0
            rows.append(
                {
                    "completed_before": start,
                    "server_ms_per_answer": server * 1000 / (len(chunk) * per_response),
                    "wall_ms_per_completion": wall * 1000 / len(chunk),
                }
            )
    return rows


async def run(url: str, completions: int, batch: int, held: bool, settings: dict[str, str]) -> dict[str, Any]:
    """One series of completions (with an old snapshot held open when ``held``; ``settings`` are
    PostgreSQL settings of the completing connection)."""
    engine = create_async_engine(url, connect_args={"server_settings": settings})
    holder = create_engine(url)
    try:
        ids, answers = await started_copies(engine, completions)
        async with holder.connect() as old:
            if held:
                await old.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ"))
                await old.execute(text("SELECT count(*) FROM analytics_settings"))  # takes the snapshot
            rows = await complete_in_batches(engine, ids, answers, batch)
            if held:
                await old.execute(text("ROLLBACK"))
        return {
            "held": held,
            "settings": settings,
            "answers": answers,
            "batches": rows,
        }
    finally:
        await engine.dispose()
        await holder.dispose()


async def explain_upkeep(url: str, settings: dict[str, str] | None = None) -> None:
    """Print the plans of the three upkeep statements for one copied completion (rolled back), with
    custom and with generic plans, and the planner's statistics they rest on."""
    engine = create_async_engine(url, connect_args={"server_settings": settings or {}})
    try:
        async with engine.connect() as connection:
            stats = await connection.execute(
                text(
                    "SELECT tablename, attname, n_distinct, (SELECT reltuples FROM pg_class WHERE relname ="
                    " tablename) FROM pg_stats WHERE (tablename, attname) IN (('answers', 'response_id'),"
                    " ('response_summaries', 'respondent_id'), ('response_summaries', 'response_id'))"
                )
            )
            for row in stats:
                print("stats:", *row)
            await connection.rollback()
            for mode in ("auto", "force_generic_plan"):
                transaction = await connection.begin()
                await connection.execute(text(f"SET LOCAL plan_cache_mode = {mode}"))
                ids = list((await connection.execute(text(_COPY_RESPONSES), {"n": 1})).scalars())
                old = await connection.execute(
                    text("SELECT min(id) FROM responses WHERE status = 'completed'")
                )
                await connection.execute(text(_COPY_ANSWERS), {"new": ids, "old": [old.scalar_one()]})
                await connection.execute(
                    text("UPDATE responses SET status = 'completed', completed_at = now() WHERE id = :id"),
                    {"id": ids[0]},
                )
                for index, (name, statement, args) in enumerate(
                    (
                        ("summary (_ONE)", _ONE, {"response_id": ids[0]}),
                        ("repeats (_ONE_CUSTOMER)", _ONE_CUSTOMER, {"response_id": ids[0], "added": ids}),
                        ("histograms (_SOME)", _SOME, {"ids": ids, "sign": 1}),
                    )
                ):
                    # A server-side PREPARE, so plan_cache_mode decides (protocol-level parameters of
                    # an EXPLAIN are planned as known values).
                    names = list(args)
                    sql = re.sub(
                        r"(?<!:):(\w+)\b", lambda m, names=names: f"${names.index(m[1]) + 1}", statement.text
                    )
                    await connection.exec_driver_sql(f"PREPARE upkeep_{index} AS {sql}")
                    values = ", ".join(
                        f"ARRAY{v}::int[]" if isinstance(v, list) else str(v) for v in args.values()
                    )
                    plan = await connection.exec_driver_sql(
                        f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE upkeep_{index}({values})"
                    )
                    print(f"--- {mode}: {name}")
                    print("\n".join(str(row[0]) for row in plan))
                    await connection.exec_driver_sql(f"DEALLOCATE upkeep_{index}")
                await transaction.rollback()
    finally:
        await engine.dispose()


async def drop_statistics(url: str) -> None:
    """Delete the planner's column statistics of the two tables the upkeep reads most."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "DELETE FROM pg_statistic WHERE starelid IN"
                    " ('answers'::regclass, 'response_summaries'::regclass)"
                )
            )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--millions", type=float, default=0.1, help="millions of answers of history")
    parser.add_argument("--completions", type=int, default=300)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--explain", metavar="URL", help="only print the upkeep plans on this database")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="also run the completions with these PostgreSQL settings (e.g. parallel_setup_cost=0)",
    )
    parser.add_argument("--no-held", action="store_true", help="skip the series with a held snapshot")
    parser.add_argument(
        "--no-statistics",
        action="store_true",
        help="drop the column statistics of answers and response_summaries after writing (as an "
        "uncommitted ANALYZE left them): the planner falls back to default estimates",
    )
    args = parser.parse_args()
    if args.explain:
        asyncio.run(explain_upkeep(args.explain))
        return
    variants: list[tuple[bool, dict[str, str]]] = [(False, {})]
    if not args.no_held:
        variants.append((True, {}))
    if args.set:
        variants.append((False, dict(item.split("=", 1) for item in args.set)))
    with server_url() as server:
        url = asyncio.run(create_database(server, prefix="tingjian_upkeep"))
        try:
            written = asyncio.run(write(url, args.millions))
            print(json.dumps({k: v for k, v in written.items() if k != "aggregate_rows"}), flush=True)
            if args.no_statistics:
                asyncio.run(drop_statistics(url))
            for held, settings in variants:
                result = asyncio.run(run(url, args.completions, args.batch, held, settings))
                print(json.dumps(result), flush=True)
                asyncio.run(explain_upkeep(url, settings))
        finally:
            asyncio.run(drop_database(server, url))


if __name__ == "__main__":
    main()

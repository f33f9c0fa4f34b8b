"""Aggregate upkeep per answer on one written database (issue 15), for before/after comparisons.

Usage: .venv/bin/python bench/upkeep_bench.py write [--millions 1]   → prints the database URL
       .venv/bin/python bench/upkeep_bench.py run URL VERSION_ID [--completions 300] [--rounds 3]
       .venv/bin/python bench/upkeep_bench.py drop URL

``write`` keeps the database (scaling_bench drops its own) so several code versions can be timed
against it in one session: ``run`` repeats scaling_bench's upkeep measurement ``--rounds`` times
(each after a VACUUM) with this checkout's code, or another's (``TINGJIAN_ROOT``, e.g. the code
before a change).
Each round completes fresh copies of existing responses, so rounds and runs share no rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

import asyncpg

ROOT = Path(os.environ.get("TINGJIAN_ROOT", Path(__file__).resolve().parent.parent))
# That checkout's scaling_bench, which puts its own checkout first on sys.path.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scaling_bench import upkeep, write  # noqa: E402 (after the path is set)

from tests.support.database import create_database, drop_database  # noqa: E402

SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
# What a completion updates. Each round's 300 completions fall on one day and context, so they
# update the same aggregate rows hundreds of times; vacuumed before each round, every round (and
# every checkout) starts alike even where autovacuum is off (as on the test server).
UPDATED = (
    "responses, response_summaries, daily_response_counts, daily_answer_counts,"
    " daily_dimension_counts, daily_item_products, daily_pattern_dimensions,"
    " daily_servqual_counts, daily_kano_counts"
)


async def vacuum(url: str) -> None:
    """VACUUM ANALYZE the tables a completion updates (outside a transaction, as VACUUM must be)."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await connection.execute(f"VACUUM ANALYZE {UPDATED}")
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    writing = commands.add_parser("write")
    writing.add_argument("--millions", type=float, default=1.0)
    running = commands.add_parser("run")
    running.add_argument("url")
    running.add_argument("version_id", type=int)
    running.add_argument("--completions", type=int, default=300)
    running.add_argument("--rounds", type=int, default=3)
    dropping = commands.add_parser("drop")
    dropping.add_argument("url")
    args = parser.parse_args()
    if args.command == "write":
        url = asyncio.run(create_database(SERVER, prefix="tingjian_upkeep"))
        print(json.dumps({"url": url, **asyncio.run(write(url, args.millions))}), flush=True)
    elif args.command == "run":
        for _ in range(args.rounds):
            asyncio.run(vacuum(args.url))
            print(json.dumps(asyncio.run(upkeep(args.url, args.version_id, args.completions))), flush=True)
    else:
        asyncio.run(drop_database(SERVER, args.url))


if __name__ == "__main__":
    main()

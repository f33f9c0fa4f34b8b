"""Report scaling with the aggregates (issue 15): 1M / 4M / 16M answers, raw path against aggregates.

Usage: .venv/bin/python bench/scaling_bench.py [--sizes 1,4,16] [--period month] [--runs 2]
       [--completions 300] [--skip-raw]

For each size (millions of answers, 8 weeks of history, every row inside the report's window) it
writes a fresh database with storage.demo_data (COPY, then the aggregates rebuilt), then times the
whole command an operator runs, ``tingjian report --period <period> --at 2025-05-31`` (text to a
file), under ``/usr/bin/time -v`` (wall clock and the process's maximum resident set size):
- aggregates: the default (load_report_inputs → build_report_from_aggregates → to_text);
- raw: the same command with ``--raw`` (load_frames → build_report, the path before issue 15).
The command's stderr says when a report fell back to raw answers; that is recorded (``fallback``).
Then the upkeep: ``--completions`` responses with copied answers are completed one transaction
each, once with a bare status update and once through ResponseRepository.complete (status update +
aggregate upkeep); CPU is the PostgreSQL backend's (from /proc, same machine) plus this process's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.periods import Freq
from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.aggregates import rebuild
from storage.database import create_engine, session_factory
from storage.demo_data import DemoConfig, write_demo_data
from storage.migrate import upgrade_async
from storage.surveys import SurveyRepository
from storage.unit_of_work import UnitOfWork
from tests.support.database import create_database, drop_database, server_url

END = pd.Timestamp("2025-06-02T00:00:00+08:00").tz_convert("UTC")  # a Monday 00:00 in Shanghai
TZ = "Asia/Shanghai"
WEEKS = 8
ANSWERS_PER_RESPONSE = 15.4  # the demo survey's average (1,000,548 answers / 64,800 responses)


async def write(url: str, millions: float) -> dict[str, Any]:
    """Migrate, store the survey, write the demo history (with its rebuild); time a second rebuild."""
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            survey = await SurveyRepository(session).store(load_survey_file(default_survey_path()))
        per_week = round(millions * 1_000_000 / ANSWERS_PER_RESPONSE / WEEKS)
        config = DemoConfig(
            customers=100_000,
            weeks=WEEKS,
            seed=1,
            complaints_per_week=1000,
            responses_per_week=per_week,
            end=END,
        )
        summary = await write_demo_data(engine, survey.version_id, config)
        began = time.perf_counter()
        await rebuild(engine, TZ)
        rebuild_s = time.perf_counter() - began
        async with engine.begin() as connection:  # committed: a rolled-back ANALYZE keeps no statistics
            await connection.execute(text("ANALYZE"))
        async with engine.connect() as connection:
            rows = {
                table: int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
                for table in (
                    "response_summaries",
                    "daily_response_counts",
                    "daily_answer_counts",
                    "daily_dimension_counts",
                )
            }
        return {
            "answers": summary.answers,
            "responses": summary.responses,
            "write_s": summary.seconds,
            "rebuild_s": rebuild_s,
            "aggregate_rows": rows,
            "version_id": survey.version_id,
        }
    finally:
        await engine.dispose()


AT = "2025-05-31"  # May in Shanghai: the last whole month of the history (it ends 2025-06-02)


def command(url: str, period: Freq, raw: bool) -> dict[str, Any]:
    """Wall time and peak RSS of one ``tingjian report`` run (its own process, under /usr/bin/time -v)."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.txt"
        args = [
            "report",
            "--period",
            period,
            "--at",
            AT,
            "--output",
            str(output),
            *(["--raw"] if raw else []),
        ]
        env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "ADMIN_IDS"}}
        env.update(DATABASE_URL=url, TIMEZONE=TZ)
        done = subprocess.run(
            ["/usr/bin/time", "-v", sys.executable, "-m", "bot", *args],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"tingjian report failed: {done.stderr[-2000:]}")
        lines = done.stderr.splitlines()
        stats = dict(line.strip().split(": ", 1) for line in lines if line.startswith("\t") and ": " in line)
        fallback = [line for line in lines if line.startswith("report built from raw answers")]
        return {
            "wall_s": _seconds(stats["Elapsed (wall clock) time (h:mm:ss or m:ss)"]),
            "peak_rss_mb": int(stats["Maximum resident set size (kbytes)"]) / 1024,
            "user_s": float(stats["User time (seconds)"]),
            "fallback": fallback[0] if fallback else None,
            "report_bytes": output.stat().st_size,
        }


def _seconds(clock: str) -> float:
    """/usr/bin/time's h:mm:ss or m:ss.ss as seconds."""
    total = 0.0
    for part in clock.split(":"):
        total = total * 60 + float(part)
    return total


_COPY_RESPONSES = """
    INSERT INTO responses (respondent_id, survey_version_id, status, channel, started_at)
    SELECT respondent_id, survey_version_id, 'started', channel, now() - interval '1 hour'
    FROM responses WHERE status = 'completed' ORDER BY id LIMIT :n RETURNING id
"""
_BARE_COMPLETE = "UPDATE responses SET status = 'completed', completed_at = now() WHERE id = :id"


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a PostgreSQL backend on this machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def upkeep(url: str, version_id: int, completions: int) -> dict[str, Any]:
    """CPU per answer of completing responses, without and with the aggregate upkeep."""
    engine = create_engine(url)
    try:
        result: dict[str, Any] = {}
        for mode in ("bare", "upkeep"):
            async with engine.begin() as connection:
                # Fresh started responses, each with the answers of an existing completed response.
                ids = (
                    (
                        await connection.execute(
                            text(_COPY_RESPONSES),
                            {"n": completions},
                        )
                    )
                    .scalars()
                    .all()
                )
                sources = (
                    (
                        await connection.execute(
                            text("SELECT id FROM responses WHERE status = 'completed' ORDER BY id LIMIT :n"),
                            {"n": completions},
                        )
                    )
                    .scalars()
                    .all()
                )
                await connection.execute(
                    text(
                        "INSERT INTO answers (response_id, question_id, score, text, answered_at)"
                        " SELECT m.new_id, a.question_id, a.score, a.text, now() - interval '30 minutes'"
                        " FROM unnest(CAST(:new AS int[]), CAST(:old AS int[])) AS m(new_id, old_id)"
                        " JOIN answers a ON a.response_id = m.old_id"
                    ),
                    {"new": list(ids), "old": list(sources)},
                )
                answers = int(
                    (
                        await connection.execute(
                            text("SELECT count(*) FROM answers WHERE response_id = ANY(:ids)"),
                            {"ids": list(ids)},
                        )
                    ).scalar_one()
                )
            async with session_factory(engine)() as session:
                pid = int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())
                await session.commit()
                server0, client0, wall0 = _backend_cpu(pid), time.process_time(), time.perf_counter()
                for response_id in ids:
                    if mode == "bare":
                        await session.execute(
                            text(_BARE_COMPLETE),
                            {"id": response_id},
                        )
                    else:
                        await UnitOfWork(session).responses.complete(response_id)
                    await session.commit()
                server, client = _backend_cpu(pid) - server0, time.process_time() - client0
                wall = time.perf_counter() - wall0
            result[mode] = {
                "responses": len(ids),
                "answers": answers,
                "server_cpu_s": server,
                "client_cpu_s": client,
                "wall_s": wall,
            }
        bare, kept = result["bare"], result["upkeep"]
        extra = (kept["server_cpu_s"] + kept["client_cpu_s"]) - (bare["server_cpu_s"] + bare["client_cpu_s"])
        result["upkeep_cpu_ms_per_answer"] = extra * 1000 / kept["answers"]
        result["upkeep_wall_ms_per_answer"] = (kept["wall_s"] - bare["wall_s"]) * 1000 / kept["answers"]
        return result
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4,16", help="millions of answers, comma-separated")
    parser.add_argument("--period", choices=("week", "month"), default="month")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--completions", type=int, default=300)
    parser.add_argument(
        "--skip-raw", action="store_true", help="only the aggregate path (for the largest size)"
    )
    args = parser.parse_args()
    with server_url() as server:
        for size in [float(s) for s in args.sizes.split(",")]:
            url = asyncio.run(create_database(server, prefix="tingjian_scaling"))
            try:
                written = asyncio.run(write(url, size))
                line: dict[str, Any] = {"size_m": size, **written}
                line["aggregate"] = [command(url, args.period, raw=False) for _ in range(args.runs)]
                if not args.skip_raw:
                    line["raw"] = [command(url, args.period, raw=True) for _ in range(args.runs)]
                line["upkeep"] = asyncio.run(upkeep(url, written["version_id"], args.completions))
                print(json.dumps(line), flush=True)
            finally:
                asyncio.run(drop_database(server, url))


if __name__ == "__main__":
    main()

"""Weekly report at scale: ~1,000,000 answers and 100,000 complaints, then load + compute + render.

Usage: .venv/bin/python bench/report_bench.py [--weeks 8] [--responses-per-week 8100]
       [--complaints-per-week 12500] [--runs 3] [--keep]

Writes into a fresh database on TEST_DATABASE_URL's server (else an embedded PostgreSQL), then
runs the report in a separate process so its peak memory (ru_maxrss) is the report's alone.
With the default 8 weeks every row lies inside the report's 8-period trend window: the report
loads all of it (the worst case for loading).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.report import ReportSettings, build_report, render_charts, report_window
from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.analytics import load_frames
from storage.database import create_engine, session_factory
from storage.demo_data import DemoConfig, write_demo_data
from storage.migrate import upgrade_async
from storage.surveys import SurveyRepository
from tests.support.database import create_database, drop_database, server_url

END = pd.Timestamp("2025-06-02T00:00:00+08:00").tz_convert("UTC")  # a Monday 00:00 in Shanghai


async def write(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Migrate, store the default survey and write the demo history; returns counts and seconds."""
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            survey = await SurveyRepository(session).store(load_survey_file(default_survey_path()))
        config = DemoConfig(
            customers=100_000,
            weeks=args.weeks,
            seed=1,
            complaints_per_week=args.complaints_per_week,
            responses_per_week=args.responses_per_week,
            end=END,
        )
        summary = await write_demo_data(engine, survey.version_id, config)
        async with engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            await raw.execute("ANALYZE")
            version = await raw.fetchval("SHOW server_version")
        return {
            "answers": summary.answers,
            "responses": summary.responses,
            "complaints": summary.complaints,
            "ticket_events": summary.ticket_events,
            "respondents": summary.respondents,
            "write_seconds": summary.seconds,
            "postgresql": version,
        }
    finally:
        await engine.dispose()


async def report_once(url: str) -> dict[str, float | int]:
    """One weekly report as the CLI makes it: load, build (no charts), render text; then charts."""
    now = END - pd.Timedelta(microseconds=1)
    settings = ReportSettings(charts=False)
    engine = create_engine(url)
    try:
        began = time.perf_counter()
        start, end = report_window(now, "week", settings.trend_periods, settings.tz)
        frames = await load_frames(engine, start, end)
        loaded = time.perf_counter()
        report = build_report(frames.answers, frames.responses, frames.complaints, now, "week", settings)
        built = time.perf_counter()
        text = report.to_text()
        rendered = time.perf_counter()
        charts = render_charts(report)
        charted = time.perf_counter()
    finally:
        await engine.dispose()
    return {
        "rows_answers": len(frames.answers),
        "rows_responses": len(frames.responses),
        "rows_complaints": len(frames.complaints),
        "load_s": loaded - began,
        "compute_s": built - loaded,
        "render_text_s": rendered - built,
        "total_s": rendered - began,
        "charts_s": charted - rendered,
        "text_chars": len(text),
        "chart_bytes": sum(len(png) for png in charts.values()),
    }


async def sql_aggregate(url: str) -> dict[str, float]:
    """The alternative: let PostgreSQL aggregate (per response × dimension item means)."""
    engine = create_engine(url)
    query = """
        SELECT a.response_id, q.dimension_key, avg(a.score)
        FROM answers a JOIN responses r ON r.id = a.response_id JOIN questions q ON q.id = a.question_id
        WHERE r.started_at >= $1 AND r.started_at < $2 AND q.role = 'item' AND r.status = 'completed'
        GROUP BY 1, 2
    """
    start, end = report_window(END - pd.Timedelta(microseconds=1), "week", 8)
    try:
        async with engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            began = time.perf_counter()
            rows = await raw.fetch(query, start.to_pydatetime(), end.to_pydatetime())
            return {"sql_response_dimension_means_s": time.perf_counter() - began, "rows": len(rows)}
    finally:
        await engine.dispose()


def measure_report(url: str, runs: int) -> None:
    """Child process: time the report ``runs`` times and print JSON with this process's peak memory."""
    results = [asyncio.run(report_once(url)) for _ in range(runs)]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sql = asyncio.run(sql_aggregate(url))
    print(json.dumps({"runs": results, "peak_rss_mb": peak_mb, **sql}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--responses-per-week", type=int, default=8100)
    parser.add_argument("--complaints-per-week", type=int, default=12500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--report-only", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report_only:
        measure_report(args.report_only, args.runs)
        return
    with server_url() as server:
        url = asyncio.run(create_database(server, prefix="tingjian_bench"))
        try:
            written = asyncio.run(write(url, args))
            print(json.dumps(written))
            child = subprocess.run(
                [sys.executable, __file__, "--report-only", url, "--runs", str(args.runs)],
                capture_output=True, text=True, check=True, env=os.environ.copy(),
            )  # fmt: skip
            measured = json.loads(child.stdout.strip().splitlines()[-1])
            _print_summary(written, measured)
        finally:
            if args.keep:
                print(f"kept: {url}")
            else:
                asyncio.run(drop_database(server, url))


def _print_summary(written: dict[str, Any], measured: dict[str, Any]) -> None:
    print(
        f"PostgreSQL {written['postgresql']}; wrote {written['answers']:,} answers, "
        f"{written['responses']:,} responses, {written['complaints']:,} complaints, "
        f"{written['ticket_events']:,} ticket events in {written['write_seconds']:.1f} s"
    )
    for i, run in enumerate(measured["runs"], start=1):
        print(
            f"run {i}: load {run['load_s']:.2f} s ({run['rows_answers']:,} answers, "
            f"{run['rows_complaints']:,} complaints) + compute {run['compute_s']:.2f} s + text "
            f"{run['render_text_s']:.2f} s = {run['total_s']:.2f} s; charts {run['charts_s']:.2f} s"
        )
    print(f"peak RSS of the report process: {measured['peak_rss_mb']:.0f} MB")
    print(f"SQL-side per-response dimension means alone: {measured['sql_response_dimension_means_s']:.2f} s")


if __name__ == "__main__":
    main()

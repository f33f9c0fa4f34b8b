"""Replies while a digest is built (issue 15): bot p50/p99 at a paced load, with and without an admin's
digests being built by the worker process at the same time.

Usage (from the project root; PostgreSQL at 127.0.0.1:5432, user postgres, trust)::

    .venv/bin/python bench/digest_load_bench.py                        # 4M answers, 2 pairs of 30 s
    .venv/bin/python bench/digest_load_bench.py --answers 1000000 --pairs 3 --json out.json

It writes a demo history of ``--answers`` answers over the last 8 weeks (storage.demo_data, COPY; all
of it inside a weekly digest's 8-week trend window), starts `tingjian run` (bot + its worker child,
with the bench's timing probe in the bot) polling the emulator with one admin configured, warms it
up, then runs alternating paced scenarios at ``--rate`` updates/s for ``--duration`` s each:
- plain: simulated customers only;
- digest: the same load while the admin sends /digest week (and, with ``--export``, alternately
  /export csv week), the next one as soon as the previous one is delivered, so a digest is under way
  throughout the window (the first one is claimed by the worker before the window opens).
Each scenario waits for the previous one's jobs to be delivered first. Reported per kind: the medians
over the pairs of reply p50/p99 (customer-side, inject → reply seen), the jobs built, and the ratio
p99(digest)/p99(plain), the issue's target being ≤ 1.2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the harness lives in the bench package

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bench.harness.customers import Record, SurveyCustomer, closed_loop, paced  # noqa: E402
from bench.harness.database import SERVER_URL, create_database, engine_for  # noqa: E402
from bench.harness.fleet import Fleet  # noqa: E402
from bench.harness.measure import (  # noqa: E402
    CpuMeter,
    HandlerTimes,
    machine_info,
    machine_line,
    ms_percentiles,
    stall_cpu,
    stall_stacks,
)
from bench.harness.processes import copy_logs, cpu_seconds  # noqa: E402
from bot.runner import load_default_survey  # noqa: E402
from emulator.emulator import BotAPIEmulator  # noqa: E402
from storage.demo_data import DemoConfig, write_demo_data  # noqa: E402
from tests.support.database import drop_database  # noqa: E402

ADMIN_ID = 9_000_001
WEEKS = 8
ANSWERS_PER_RESPONSE = 15.4  # the demo survey's average (as in bench/scaling_bench.py)
PATIENCE = 30.0
WARM_UP_CUSTOMERS = 20


async def write_history(engine: AsyncEngine, answers: int) -> dict[str, Any]:
    """The default survey and ``answers`` answers of demo history ending now (aggregates rebuilt)."""
    loaded = await load_default_survey(engine)
    per_week = round(answers / ANSWERS_PER_RESPONSE / WEEKS)
    config = DemoConfig(
        customers=100_000, weeks=WEEKS, seed=1, complaints_per_week=1000, responses_per_week=per_week
    )
    summary = await write_demo_data(engine, loaded.version_id, config)
    async with engine.begin() as connection:  # committed: an ANALYZE rolled back keeps no statistics
        await connection.execute(text("ANALYZE"))
    return {"answers": summary.answers, "responses": summary.responses, "write_s": summary.seconds}


def worker_pid(bot_pid: int) -> int | None:
    """The `tingjian worker` child of the bot process (from /proc), if any."""
    try:
        children = Path(f"/proc/{bot_pid}/task/{bot_pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


async def worker_settled(bot_pid: int, limit: float = 0.05, timeout: float = 120.0) -> None:  # noqa: ASYNC109
    """Until the worker child has finished starting (uses at most ``limit`` cores over 2 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = worker_pid(bot_pid)
        before = cpu_seconds(pid) if pid else 0.0
        await asyncio.sleep(2.0)
        if pid and (cpu_seconds(pid) - before) / 2.0 <= limit:
            return


async def _jobs_idle(engine: AsyncEngine) -> None:
    """Until every job is done and delivered (nothing of an earlier scenario still runs)."""
    while True:
        async with engine.connect() as connection:
            busy = await connection.scalar(text("SELECT count(*) FROM jobs WHERE delivered_at IS NULL"))
        if not busy:
            return
        await asyncio.sleep(0.5)


async def admin_loop(
    emulator: BotAPIEmulator,
    engine: AsyncEngine,
    commands: list[str],
    stop: asyncio.Event,
    first_claimed: asyncio.Event,
    built: list[dict[str, Any]],
) -> None:
    """Send the commands in turn, each as soon as the previous job is delivered, until ``stop``."""
    index = 0
    while not stop.is_set():
        async with engine.connect() as connection:
            before = int(await connection.scalar(text("SELECT coalesce(max(id), 0) FROM jobs")) or 0)
        command = commands[index % len(commands)]
        emulator.inject_text(ADMIN_ID, command)
        while True:
            await asyncio.sleep(0.2)
            async with engine.connect() as connection:
                row = (
                    await connection.execute(
                        text(
                            "SELECT kind, status, claimed_at IS NOT NULL AS claimed, "
                            "delivered_at IS NOT NULL AS delivered, "
                            "extract(epoch FROM finished_at - claimed_at) AS seconds "
                            "FROM jobs WHERE id > :before ORDER BY id LIMIT 1"
                        ),
                        {"before": before},
                    )
                ).first()
            if row is not None and row.claimed:
                first_claimed.set()
            if row is not None and row.delivered:
                break
        built.append(
            {
                "kind": row.kind,
                "status": row.status,
                "seconds": None if row.seconds is None else float(row.seconds),
                "in_window": not stop.is_set(),
            }
        )
        index += 1


async def run_scenario(
    kind: str,
    emulator: BotAPIEmulator,
    engine: AsyncEngine,
    fleet: Fleet,
    first_user: int,
    options: argparse.Namespace,
) -> dict[str, Any]:
    """One paced window, plain or while the admin's jobs are built; its figures."""
    await _jobs_idle(engine)
    await fleet.collect()  # drop the samples from before this window
    bot = fleet.bots[0]
    worker = worker_pid(bot.pid)
    stop, claimed = asyncio.Event(), asyncio.Event()
    built: list[dict[str, Any]] = []
    admin: asyncio.Task[None] | None = None
    if kind == "digest":
        commands = ["/digest week", "/export csv week"] if options.export else ["/digest week"]
        admin = asyncio.create_task(admin_loop(emulator, engine, commands, stop, claimed, built))
        await asyncio.wait_for(claimed.wait(), 60)
    meter = CpuMeter({"bot": bot.pid, **({"worker": worker} if worker else {})})
    await meter.start(engine)
    record = Record()
    customers = [SurveyCustomer(emulator, first_user + i, record, PATIENCE) for i in range(options.customers)]
    seconds = await paced(customers, options.rate, options.duration)
    stop.set()
    cpu = await meter.stop(engine, seconds)
    dumps = await fleet.collect()
    handler = HandlerTimes.of(dumps)
    if admin is not None:
        await admin  # the job under way at the end is delivered (and not counted as in the window)
    p50, p99 = ms_percentiles(record.latencies, 50, 99)
    jobs = Counter(f"{job['kind']}:{job['status']}" for job in built if job["in_window"])
    return {
        "scenario": kind,
        "updates": record.updates,
        "updates_per_s": record.updates / seconds,
        "lost_replies": record.stalls,
        "reply_p50_ms": p50,
        "reply_p99_ms": p99,
        "handler": asdict(handler),
        "cpu_cores": cpu,
        "bot_cores": cpu["bot"],
        "worker_cores": cpu.get("worker", 0.0),
        "postgres_cores": cpu["postgres"],
        "bench_cores": cpu["bench"],
        "others_cores": cpu["machine"] - sum(v for k, v in cpu.items() if k not in ("machine", "stolen")),
        "jobs_in_window": dict(jobs),
        "digests_in_window": sum(n for key, n in jobs.items() if key.startswith("digest:")),
        "job_seconds": [job["seconds"] for job in built],
        "stall_cpu": stall_cpu(dumps),
        "stall_stacks": stall_stacks(dumps),
    }


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the pairs, and the ratio the issue sets a target for."""
    out: dict[str, Any] = {}
    for kind in ("plain", "digest"):
        runs = [r for r in results if r["scenario"] == kind]
        out[kind] = {
            "reply_p50_ms": statistics.median(r["reply_p50_ms"] for r in runs),
            "reply_p99_ms": statistics.median(r["reply_p99_ms"] for r in runs),
            "handler_p99_ms": statistics.median(r["handler"]["p99_ms"] for r in runs),
            "updates_per_s": statistics.median(r["updates_per_s"] for r in runs),
            "bot_cores": statistics.median(r["bot_cores"] for r in runs),
            "worker_cores": statistics.median(r["worker_cores"] for r in runs),
            "postgres_cores": statistics.median(r["postgres_cores"] for r in runs),
            "bench_cores": statistics.median(r["bench_cores"] for r in runs),
            "others_cores": statistics.median(r["others_cores"] for r in runs),
            "digests_in_window": sum(r["digests_in_window"] for r in runs),
            "lost_replies": sum(r["lost_replies"] for r in runs),
        }
    pairs = zip(
        (r for r in results if r["scenario"] == "plain"),
        (r for r in results if r["scenario"] == "digest"),
        strict=True,
    )
    out["p99_ratio_per_pair"] = [d["reply_p99_ms"] / p["reply_p99_ms"] for p, d in pairs]
    out["p99_ratio"] = out["digest"]["reply_p99_ms"] / out["plain"]["reply_p99_ms"]
    return out


def markdown(results: list[dict[str, Any]], total: dict[str, Any], machine: dict[str, str]) -> str:
    """The table for BENCHMARKS.md."""
    lines = [
        machine_line(machine),
        "",
        "| scenario | achieved updates/s | reply p50 / p99 ms | handler p99 ms "
        "| CPU cores: bot, worker, PostgreSQL, emulator+customers, others "
        "| digests built in window | lost replies |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for index, r in enumerate(results):
        lines.append(
            f"| {index // 2 + 1}. {r['scenario']} | {r['updates_per_s']:.0f} "
            f"| {r['reply_p50_ms']:.0f} / {r['reply_p99_ms']:.0f} | {r['handler']['p99_ms']:.0f} "
            f"| {_cores(r)} | {r['digests_in_window']} "
            f"({', '.join(f'{k} {n}' for k, n in r['jobs_in_window'].items()) or '—'}) "
            f"| {r['lost_replies']} |"
        )
    for kind in ("plain", "digest"):
        s = total[kind]
        lines.append(
            f"| **median {kind}** | {s['updates_per_s']:.0f} "
            f"| {s['reply_p50_ms']:.0f} / {s['reply_p99_ms']:.0f} "
            f"| {s['handler_p99_ms']:.0f} | {_cores(s)} "
            f"| {s['digests_in_window']} | {s['lost_replies']} |"
        )
    per_pair = ", ".join(f"{x:.2f}" for x in total["p99_ratio_per_pair"])
    lines += [
        "",
        f"p99(digest) / p99(plain): **{total['p99_ratio']:.2f}** (median p99s; per pair: {per_pair})",
    ]
    return "\n".join(lines)


def _cores(figures: dict[str, Any]) -> str:
    names = ("bot", "worker", "postgres", "bench", "others")
    return ", ".join(f"{figures[f'{name}_cores']:.2f}" for name in names)


async def main(options: argparse.Namespace) -> int:
    """Write the history, start Tingjian once, run the alternating scenarios; print Markdown."""
    url = await create_database(options.server)
    engine = engine_for(url)
    results: list[dict[str, Any]] = []
    os.environ["ADMIN_IDS"] = str(ADMIN_ID)  # the bot process inherits the environment
    os.environ["PROBE_STALL_STACKS"] = "1"  # where the bot's event loop stands still (bench/harness/probe.py)
    try:
        machine = await machine_info(engine)
        print(f"writing {options.answers} answers …", file=sys.stderr, flush=True)
        history = await write_history(engine, options.answers)
        print(json.dumps(history), file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="tingjian-digest-load-") as folder:
            async with BotAPIEmulator(log_limit=10_000) as emulator:
                emulator.user(ADMIN_ID, first_name="管理员", language_code="zh-hans")
                fleet = await Fleet.start(emulator, "tingjian", 1, Path(folder), url, webhook=False)
                try:
                    warm = Record()
                    await closed_loop(
                        [
                            SurveyCustomer(emulator, 10_000_000 + i, warm, PATIENCE)
                            for i in range(WARM_UP_CUSTOMERS)
                        ],
                        1,
                    )
                    await worker_settled(fleet.bots[0].pid)
                    for index in range(options.pairs * 2):
                        kind = ("plain", "digest")[index % 2]
                        print(f"running {index // 2 + 1}. {kind} …", file=sys.stderr, flush=True)
                        began = time.perf_counter()
                        result = await run_scenario(
                            kind, emulator, engine, fleet, 10_100_000 + index * 10_000, options
                        )
                        result["wall_s"] = time.perf_counter() - began
                        print(json.dumps(result), file=sys.stderr, flush=True)
                        results.append(result)
                finally:
                    await fleet.stop()
            if options.logs:
                copy_logs(Path(folder), options.logs)
    finally:
        await engine.dispose()
        await drop_database(options.server, url)
    total = summary(results)
    print(
        f"History: {history['answers']:,} answers, {history['responses']:,} responses (written in "
        f"{history['write_s']:.0f} s)\n"
    )
    print(markdown(results, total, machine))
    if options.json:
        options.json.write_text(
            json.dumps(
                {"machine": machine, "history": history, "results": results, "summary": total}, indent=1
            )
        )
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL server (a database is created)")
    parser.add_argument("--answers", type=int, default=4_000_000, help="answers of history to write")
    parser.add_argument("--rate", type=float, default=100.0, help="offered updates/s")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of each paced window")
    parser.add_argument("--pairs", type=int, default=2, help="plain/digest pairs (alternating)")
    parser.add_argument("--customers", type=int, default=300, help="simulated customers in each window")
    parser.add_argument("--export", action="store_true", help="alternate /digest with /export csv week")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--logs", type=Path, help="copy the processes' logs here")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))

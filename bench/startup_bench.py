"""Start-up bench: time to the first getUpdates and resident memory of `tingjian run` beside a bare
aiogram bot (bench/harness/bare_bot.py), in alternating runs of one session.

Usage (from the project root; PostgreSQL at 127.0.0.1:5432, user postgres, trust)::

    .venv/bin/python bench/startup_bench.py            # 5 runs of each, Markdown to stdout
    .venv/bin/python bench/startup_bench.py --runs 3 --json startup.json

Each run starts a fresh Bot API emulator and one process (`python -m bot run` with RUN_WORKER=true,
or the bare bot), times from the exec to the emulator's first getUpdates, reads the resident memory
(VmRSS) then; a customer files one complaint (`tingjian run` classifies it, so the classifier is
loaded; the bare bot answers the same messages with "ok"), and the memory is read again `--settle`
seconds after the bot's last reply, the worker child's apart; then stops the process with SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the harness lives in the bench package

from bench.harness.database import SERVER_URL, create_database, engine_for  # noqa: E402
from bench.harness.measure import machine_info, machine_line  # noqa: E402
from bench.harness.processes import free_port  # noqa: E402
from emulator.emulator import DEFAULT_TOKEN, BotAPIEmulator  # noqa: E402
from tests.support.database import drop_database  # noqa: E402

CUSTOMER = 4601
COMPLAINT = "昨天在人民路营业厅排了一个多小时的队，窗口只开了一个，工作人员态度冷淡。"


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Child process ids (Linux /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


async def one_run(kind: str, database_url: str, folder: Path, settle: float) -> dict[str, float]:
    """Start one process, time its first getUpdates, read its memory; stop it."""
    async with BotAPIEmulator() as emulator:
        env = {
            **os.environ,
            "BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE": emulator.base_url,
            "WEB_PORT": str(free_port()),
            "WEB_HOST": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
            "PROBE_FILE": str(folder / "probe.json"),  # the bare bot's probe wants one (unused here)
        }
        if kind == "tingjian":
            env.update(
                DATABASE_URL=database_url, DATA_DIR=str(folder / "data"), RUN_WORKER="true", ADMIN_IDS=""
            )
            command = [sys.executable, "-m", "bot", "run"]
        else:
            command = [sys.executable, "-m", "bench.harness.bare_bot"]
        with (folder / f"{kind}.log").open("ab") as log:
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                *command, env=env, cwd=ROOT, stdout=log, stderr=asyncio.subprocess.STDOUT
            )
        try:
            while not emulator.calls("getUpdates"):
                if process.returncode is not None:
                    raise RuntimeError(f"{kind} exited with {process.returncode}; see {folder}/{kind}.log")
                await asyncio.sleep(0.005)
            first = time.perf_counter() - started
            figures = {"start_s": first, "rss_first_mb": rss_mb(process.pid)}
            await file_a_complaint(emulator, kind)
            await asyncio.sleep(settle)
            figures["rss_settled_mb"] = rss_mb(process.pid)
            workers = children(process.pid)
            figures["worker_rss_mb"] = sum(rss_mb(pid) for pid in workers)
            return figures
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(process.wait(), 40)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def file_a_complaint(emulator: BotAPIEmulator, kind: str) -> None:
    """A customer files one complaint: the steady state to measure is after one was classified."""
    customer = emulator.customer(CUSTOMER)
    customer.timeout = 120  # the complaint waits for the classifier's load on a busy machine
    await customer.send("/start")
    await customer.wait_for(lambda: bool(customer.messages), what="the first reply")
    await customer.send("/complain")
    if kind == "tingjian":
        await customer.wait_for(lambda: "请告诉我们发生了什么" in customer.last_text, what="complaint prompt")
    await customer.send(COMPLAINT)
    if kind == "tingjian":
        await customer.wait_for(lambda: "收到" in customer.last_text, what="the complaint taken")
    else:
        await customer.wait_for(lambda: len(customer.messages) == 3, what="three replies")


def median(runs: list[dict[str, float]], key: str) -> float:
    """The median of one figure over runs."""
    return statistics.median(run[key] for run in runs)


async def main() -> int:
    """Alternate the two bots, print the medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--settle", type=float, default=8.0, help="seconds after the complaint to read RSS again"
    )
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    database_url = await create_database(SERVER_URL)
    engine = engine_for(database_url)
    try:
        machine = await machine_info(engine)
        results: dict[str, list[dict[str, float]]] = {"bare": [], "tingjian": []}
        with tempfile.TemporaryDirectory(prefix="tingjian-startup-") as folder:
            for index in range(options.runs):
                order = ("bare", "tingjian") if index % 2 == 0 else ("tingjian", "bare")
                for kind in order:
                    # A database of its own per run: Tingjian handles an update id once per database,
                    # and every emulator numbers its updates from 1.
                    run_database = await create_database(SERVER_URL)
                    try:
                        figures = await one_run(kind, run_database, Path(folder), options.settle)
                    finally:
                        await drop_database(SERVER_URL, run_database)
                    results[kind].append(figures)
                    print(f"run {index + 1} {kind}: {figures}", file=sys.stderr)
    finally:
        await engine.dispose()
        await drop_database(SERVER_URL, database_url)
    bare, tingjian = results["bare"], results["tingjian"]
    rows: list[tuple[str, str, str, str]] = [
        (
            "time to first getUpdates (s)",
            f"{median(bare, 'start_s'):.2f}",
            f"{median(tingjian, 'start_s'):.2f}",
            f"{median(tingjian, 'start_s') / median(bare, 'start_s'):.2f}×",
        ),
        (
            "RSS at first getUpdates (MB)",
            f"{median(bare, 'rss_first_mb'):.0f}",
            f"{median(tingjian, 'rss_first_mb'):.0f}",
            f"{median(tingjian, 'rss_first_mb') / median(bare, 'rss_first_mb'):.2f}×",
        ),
        (
            f"RSS {options.settle:g} s after one complaint (MB; classified)",
            f"{median(bare, 'rss_settled_mb'):.0f}",
            f"{median(tingjian, 'rss_settled_mb'):.0f}",
            f"{median(tingjian, 'rss_settled_mb') / median(bare, 'rss_settled_mb'):.2f}×",
        ),
        ("worker child RSS (MB; idle)", "—", f"{median(tingjian, 'worker_rss_mb'):.0f}", "—"),
    ]
    print(machine_line(machine))
    print(f"\n{options.runs} alternating runs of each, medians.\n")
    print("| figure | bare aiogram bot | tingjian run (bot process) | ratio |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if options.json:
        summary: dict[str, Any] = {"machine": machine, "runs": results}
        options.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

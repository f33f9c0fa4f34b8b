"""Fault benchmark: customers complete surveys while something breaks; then the rows are counted.

Usage (from the project root, as root: a private PostgreSQL 15 cluster is created with initdb as the
`postgres` user, so restarting it disturbs nobody else's server)::

    .venv/bin/python bench/fault_bench.py                  # every fault, Markdown to stdout
    .venv/bin/python bench/fault_bench.py --only restart   # faults whose name contains a word

Faults: PostgreSQL restarted (fast and immediate) in the middle of the load; PostgreSQL down for
20 s (polling only); a bot process killed
with SIGKILL and started again; every fifth update delivered twice, the copy late (so out of order);
the Bot API answering 429 and 5xx. Polling with one process and the webhook with two processes
behind the distributor. "Nothing lost" is checked by counting rows against what the customers did:
every customer finishes every survey (resuming, as a person would, after a reply that never came),
every answer a customer saw acknowledged is stored once with the score the customer chose, and
every completed response has all 16 answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the harness lives in the bench package

from bench.harness.customers import QUESTIONS, Record, SurveyCustomer, closed_loop  # noqa: E402
from bench.harness.database import PrivateCluster, check_rows, create_database, engine_for, reset  # noqa: E402
from bench.harness.fleet import Fleet  # noqa: E402
from bench.harness.measure import machine_info, machine_line  # noqa: E402
from bench.harness.processes import add_common_options, copy_logs, free_port  # noqa: E402
from emulator.emulator import BotAPIEmulator  # noqa: E402

FAULT_AFTER = 3.0  # seconds into the load
PATIENCE = 10.0  # a customer waits this long for a reply, then resumes the survey


class DuplicatingEmulator(BotAPIEmulator):
    """Delivers every fifth update a second time, 50–500 ms later (after newer ones: out of order)."""

    def __init__(self) -> None:
        super().__init__(log_limit=10_000, webhook_retries=5)
        self.duplicating = False
        self.duplicates = 0
        self._random = random.Random(6)

    def dispatch(self, update: dict[str, Any]) -> int:
        """Deliver, and maybe plan the duplicate."""
        update_id = super().dispatch(update)
        if self.duplicating and self._random.random() < 0.2:
            self.duplicates += 1
            asyncio.get_running_loop().call_later(self._random.uniform(0.05, 0.5), self.redeliver, update_id)
        return update_id


@dataclass
class Context:
    """What a fault can act on."""

    emulator: DuplicatingEmulator
    fleet: Fleet
    cluster: PrivateCluster
    events: list[str]


async def restart_postgres(context: Context, mode: str) -> None:
    """`pg_ctl restart -m fast|immediate` under load."""
    started = asyncio.get_running_loop().time()
    await context.cluster.restart(mode)
    took = asyncio.get_running_loop().time() - started
    context.events.append(f"PostgreSQL ({mode}) down and up again in {took:.1f} s")


async def postgres_outage(context: Context, seconds: float) -> None:
    """PostgreSQL stopped for ``seconds`` under load, then started again."""
    started = asyncio.get_running_loop().time()
    await context.cluster.outage(seconds)
    took = asyncio.get_running_loop().time() - started
    context.events.append(f"PostgreSQL down for {took:.1f} s")


async def kill_a_bot(context: Context) -> None:
    """SIGKILL the first bot process, then start it again."""
    context.fleet.bots[0].kill()
    started = asyncio.get_running_loop().time()
    await context.fleet.replace(0)
    took = asyncio.get_running_loop().time() - started
    context.events.append(f"a bot process killed; its replacement served {took:.1f} s later")


async def duplicate_updates(context: Context) -> None:
    """From now on, every fifth update arrives twice."""
    context.emulator.duplicating = True


async def bot_api_errors(context: Context) -> None:
    """For ten seconds, every 0.5 s: the next 3 calls get 429 (retry after 1 s), the next 2 get 502."""
    for _ in range(20):
        context.emulator.fail_next(None, status=429, retry_after=1, times=3)
        context.emulator.fail_next(None, status=502, times=2)
        await asyncio.sleep(0.5)


Action = Callable[[Context], Awaitable[None]]
FAULTS: dict[str, Action] = {
    "postgres-restart-fast": lambda c: restart_postgres(c, "fast"),
    "postgres-restart-immediate": lambda c: restart_postgres(c, "immediate"),
    "postgres-down-20s": lambda c: postgres_outage(c, 20.0),
    "bot-sigkill": kill_a_bot,
    "duplicates-out-of-order": duplicate_updates,
    "bot-api-429-5xx": bot_api_errors,
}
CONFIGURATIONS = ((False, 1), (True, 2))  # (webhook, processes)
# Polling is where an outage longer than the unit of work's retries used to lose updates (the
# webhook's are redelivered by Telegram); only that mode is run for it.
POLLING_ONLY = frozenset({"postgres-down-20s"})


@dataclass(frozen=True)
class Run:
    """One fault in one configuration."""

    fault: str
    webhook: bool
    processes: int

    @property
    def mode(self) -> str:
        """E.g. "webhook x2"."""
        return f"{'webhook' if self.webhook else 'polling'} x{self.processes}"


async def run_fault(
    run: Run,
    cluster: PrivateCluster,
    database_url: str,
    folder: Path,
    first_user: int,
    options: argparse.Namespace,
) -> dict[str, Any]:
    """Start a fleet, load it, break it at FAULT_AFTER seconds, wait for every survey, count."""
    engine = engine_for(database_url)
    await reset(engine)
    async with DuplicatingEmulator() as emulator:
        fleet = await Fleet.start(
            emulator, "tingjian", run.processes, folder, database_url, webhook=run.webhook
        )
        context = Context(emulator, fleet, cluster, [])
        record = Record()
        customers = [
            SurveyCustomer(emulator, first_user + i, record, PATIENCE) for i in range(options.customers)
        ]
        emulator.queue.drain()
        try:
            load = asyncio.create_task(closed_loop(customers, options.surveys))
            await asyncio.sleep(FAULT_AFTER)
            await FAULTS[run.fault](context)
            seconds = await asyncio.wait_for(load, options.timeout)
        finally:
            await fleet.stop()
        failed_calls = sum(1 for call in emulator.calls() if call.status in (429, 500, 502))
        updates = len(emulator.updates)
    await engine.dispose()  # a restarted server dropped the pooled connections (and there is no pre-ping)
    rows = await check_rows(engine)
    await engine.dispose()
    expected_surveys = options.customers * options.surveys
    return {
        "fault": run.fault,
        "mode": run.mode,
        "events": context.events,
        "seconds": seconds,
        "updates_sent": updates,
        "duplicates": emulator.duplicates,
        "bot_api_errors_answered": failed_calls,
        "customers_resumed": record.stalls,
        "surveys_expected": expected_surveys,
        "surveys_finished": record.surveys_done,
        "completed_responses": rows.responses["completed"],
        "responses": dict(rows.responses),
        "answers_stored": rows.answers,
        "answers_acknowledged": record.answers_acknowledged,
        "consistent": rows.consistent,
        "nothing_lost": rows.consistent
        and record.surveys_done == expected_surveys
        and rows.answers >= record.answers_acknowledged
        and rows.responses["completed"] * QUESTIONS <= rows.answers,
    }


def markdown(results: list[dict[str, Any]], machine: dict[str, str]) -> str:
    """The table for BENCHMARKS.md."""
    lines = [
        machine_line(machine),
        "",
        "| fault | mode | what happened | updates | resumed by the customer | surveys finished "
        "| answers stored / acknowledged | nothing lost |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        happened = "; ".join(r["events"]) or "—"
        if r["duplicates"]:
            happened = f"{r['duplicates']} updates delivered twice"
        if r["bot_api_errors_answered"]:
            happened = f"{r['bot_api_errors_answered']} Bot API calls answered 429/5xx"
        lines.append(
            f"| {r['fault']} | {r['mode']} | {happened} | {r['updates_sent']} | {r['customers_resumed']} "
            f"| {r['surveys_finished']}/{r['surveys_expected']} "
            f"| {r['answers_stored']}/{r['answers_acknowledged']} | {'yes' if r['nothing_lost'] else 'NO'} |"
        )
    return "\n".join(lines)


async def main(options: argparse.Namespace) -> int:
    """Every chosen fault in both configurations, on a private PostgreSQL cluster."""
    cluster = PrivateCluster(free_port())
    await cluster.start()
    results: list[dict[str, Any]] = []
    try:
        url = await create_database(cluster.server_url)
        engine = engine_for(url)
        machine = await machine_info(engine)
        await engine.dispose()
        with tempfile.TemporaryDirectory(prefix="tingjian-faults-") as folder:
            runs = [
                Run(fault, webhook, processes)
                for fault in FAULTS
                if all(word in fault for word in options.only)
                for webhook, processes in CONFIGURATIONS
                if not (webhook and fault in POLLING_ONLY)
            ]
            for index, run in enumerate(runs):
                print(f"running {run.fault} ({run.mode}) …", file=sys.stderr, flush=True)
                first_user = 20_000_000 + index * 10_000
                result = await run_fault(run, cluster, url, Path(folder) / str(index), first_user, options)
                print(json.dumps(result), file=sys.stderr, flush=True)
                results.append(result)
            if options.logs:
                copy_logs(Path(folder), options.logs)
    finally:
        await cluster.stop()
    print(markdown(results, machine))
    if options.json:
        options.json.write_text(json.dumps({"machine": machine, "results": results}, indent=1))
    return 0 if all(r["nothing_lost"] for r in results) else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=30, help="customers at once")
    parser.add_argument("--surveys", type=int, default=3, help="surveys each customer completes")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up on a run after this long")
    add_common_options(parser, "fault")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))

"""Load benchmark: simulated customers complete the default survey through the Bot API emulator.

Usage (from the project root; PostgreSQL at 127.0.0.1:5432, user postgres, trust)::

    .venv/bin/python bench/load_bench.py                  # every configuration, Markdown to stdout
    .venv/bin/python bench/load_bench.py --only webhook   # configurations whose name contains a word
    .venv/bin/python bench/load_bench.py --json results.json

Each configuration starts real processes — Tingjian (`tingjian run`, with a timing probe) or the
bare aiogram bot — polling the emulator or, for several processes, behind a round-robin webhook
distributor; warms them up with 20 surveys, then measures either the most it can do (every
customer goes as fast as the replies come: throughput) or a fixed offered load (500 and 100 updates/s:
latency). Each Tingjian run ends by counting the rows: every answer a customer saw acknowledged
must be stored, exactly once, with the score the customer chose.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the harness lives in the bench package

from bench.harness.customers import (  # noqa: E402
    BareCustomer,
    Customer,
    Record,
    SurveyCustomer,
    closed_loop,
    paced,
)
from bench.harness.database import SERVER_URL, check_rows, create_database, engine_for, reset  # noqa: E402
from bench.harness.fleet import Fleet  # noqa: E402
from bench.harness.measure import (  # noqa: E402
    CpuMeter,
    HandlerTimes,
    machine_info,
    machine_line,
    ms_percentiles,
    wait_for_quiet,
)
from bench.harness.processes import add_common_options, copy_logs  # noqa: E402
from emulator.emulator import BotAPIEmulator  # noqa: E402
from tests.support.database import drop_database  # noqa: E402

WARM_UP_CUSTOMERS = 20
PATIENCE = 30.0  # seconds a customer waits for a reply before counting it as lost


@dataclass(frozen=True)
class Scenario:
    """One configuration: which bot, how it gets updates, how many processes, what load."""

    kind: str  # tingjian | bare | floor | floor1 (bench/harness/bare_bot.py)
    webhook: bool
    processes: int
    rate: float | None = None  # None: closed loop (throughput); else updates/s offered

    @property
    def name(self) -> str:
        """E.g. tingjian-webhook-x2-paced500."""
        mode = "webhook" if self.webhook else "polling"
        load = f"paced{self.rate:.0f}" if self.rate else "max"
        return f"{self.kind}-{mode}-x{self.processes}-{load}"


def scenarios(rates: list[float]) -> list[Scenario]:
    """Throughput of the three bots in every configuration, then Tingjian at each offered rate (and
    the bare and floor bots, one process polling and behind the webhook, at the first)."""
    configurations = [(False, 1), (True, 1), (True, 2), (True, 4)]
    kinds = ("tingjian", "bare", "floor", "floor1")
    chosen = [Scenario(kind, hook, n) for hook, n in configurations for kind in kinds]
    chosen += [Scenario("tingjian", hook, n, rate) for rate in rates for hook, n in configurations]
    ceilings = [Scenario(kind, hook, 1, rates[0]) for hook in (False, True) for kind in ("bare", "floor")]
    return [*chosen, *ceilings]


async def run_scenario(
    scenario: Scenario,
    emulator: BotAPIEmulator,
    database_url: str,
    folder: Path,
    first_user: int,
    options: argparse.Namespace,
) -> dict[str, Any]:
    """Start the fleet, warm it up, measure, stop it, count the rows."""
    engine = engine_for(database_url)
    kind: type[Customer] = SurveyCustomer if scenario.kind == "tingjian" else BareCustomer
    await reset(engine)
    busy_before = await wait_for_quiet(options.quiet) if options.quiet else float("nan")
    fleet = await Fleet.start(
        emulator,
        scenario.kind,
        scenario.processes,
        folder / scenario.name,
        database_url,
        webhook=scenario.webhook,
    )
    try:
        warm = Record()
        warm_customers = [kind(emulator, first_user + i, warm, PATIENCE) for i in range(WARM_UP_CUSTOMERS)]
        await closed_loop(warm_customers, 1)
        await fleet.collect()  # the warm-up's samples are dropped
        record = Record()
        count = options.customers if scenario.rate is None else options.paced_customers
        customers = [kind(emulator, first_user + 1000 + i, record, PATIENCE) for i in range(count)]
        meter = CpuMeter({child.name: child.pid for child in fleet.children()})
        await meter.start(engine)
        if scenario.rate is None:
            seconds = await closed_loop(customers, options.surveys)
        else:
            seconds = await paced(customers, scenario.rate, options.duration)
        cpu = await meter.stop(engine, seconds)
        handler = HandlerTimes.of(await fleet.collect())
    finally:
        await fleet.stop()
    e2e50, e2e99 = ms_percentiles(record.latencies, 50, 99)
    result: dict[str, Any] = {
        "scenario": scenario.name,
        "updates": record.updates,
        "seconds": seconds,
        "updates_per_s": record.updates / seconds,
        "surveys": record.surveys_done,
        "lost_replies": record.stalls,
        "late_sends_p99_ms": ms_percentiles(record.lateness, 99)[0] if record.lateness else None,
        "reply_p50_ms": e2e50,
        "reply_p99_ms": e2e99,
        "handler": asdict(handler),
        "cpu_cores": cpu,
        "others_cores": cpu["machine"] - sum(v for k, v in cpu.items() if k not in ("machine", "stolen")),
        "machine_busy_before": busy_before,
        "cpu_ms_per_update": {name: cores * seconds / record.updates * 1000 for name, cores in cpu.items()},
    }
    if scenario.kind == "tingjian":
        rows = await check_rows(engine)
        acknowledged = warm.answers_acknowledged + record.answers_acknowledged
        result["rows"] = {
            "answers": rows.answers,
            "answers_acknowledged": acknowledged,
            "completed_responses": rows.responses["completed"],
            "surveys_finished": warm.surveys_done + record.surveys_done,
            "consistent": rows.consistent,
            "every_answer_committed": rows.answers == acknowledged and rows.consistent,
        }
    await engine.dispose()
    return result


def markdown(results: list[dict[str, Any]], machine: dict[str, str]) -> str:
    """The tables for BENCHMARKS.md."""
    by_name = {r["scenario"]: r for r in results}
    lines = [machine_line(machine), ""]
    lines += [
        "| configuration | Tingjian updates/s | bare updates/s | ratio | floor updates/s (ratio) "
        "| floor, one reply (ratio) "
        "| Tingjian CPU ms/update: bots, emulator+customers, PostgreSQL | Tingjian handler p50 / p99 ms "
        "| DB share | others' cores | rows |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        name = result["scenario"]
        if not name.startswith("tingjian") or not name.endswith("-max"):
            continue
        bare = by_name.get(name.replace("tingjian", "bare", 1), {})
        bare_rate = bare.get("updates_per_s", math.nan)
        floor_rate = by_name.get(name.replace("tingjian", "floor", 1), {}).get("updates_per_s", math.nan)
        floor1_rate = by_name.get(name.replace("tingjian", "floor1", 1), {}).get("updates_per_s", math.nan)
        per_update = result["cpu_ms_per_update"]
        handler = result["handler"]
        lines.append(
            f"| {name.removeprefix('tingjian-').removesuffix('-max')} | {result['updates_per_s']:.0f} "
            f"| {bare_rate:.0f} | {result['updates_per_s'] / bare_rate:.2f} "
            f"| {floor_rate:.0f} ({floor_rate / bare_rate:.2f}) "
            f"| {floor1_rate:.0f} ({floor1_rate / bare_rate:.2f}) "
            f"| {_bots(per_update):.1f}, {per_update['bench']:.1f}, {per_update['postgres']:.1f} "
            f"| {handler['p50_ms']:.0f} / {handler['p99_ms']:.0f} | {handler['db_share']:.0%} "
            f"| {result['others_cores']:.2f} / {bare.get('others_cores', math.nan):.2f} | {_rows(result)} |"
        )
    lines += [
        "",
        "| configuration (offered rate) | achieved updates/s | handler p50 / p99 / max ms | DB share: all, "
        "slowest 1 % | reply p50 / p99 ms | loop stalls > 50 ms | CPU cores: bots, emulator+customers, "
        "distributor, PostgreSQL, others | rows |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        if "-paced" not in result["scenario"]:
            continue
        handler, cpu = result["handler"], result["cpu_cores"]
        lines.append(
            f"| {result['scenario']} | {result['updates_per_s']:.0f} "
            f"| {handler['p50_ms']:.1f} / {handler['p99_ms']:.0f} / {handler['max_ms']:.0f} "
            f"| {handler['db_share']:.0%}, {handler['slow_db_share']:.0%} "
            f"| {result['reply_p50_ms']:.0f} / {result['reply_p99_ms']:.0f} | {handler['loop_stalls']} "
            f"| {_bots(cpu):.2f}, {cpu['bench']:.2f}, {cpu.get('distributor', 0.0):.2f}, "
            f"{cpu['postgres']:.2f}, {result['others_cores']:.2f} | {_rows(result)} |"
        )
    return "\n".join(lines)


def _bots(values: dict[str, float]) -> float:
    return sum(v for k, v in values.items() if k.startswith(("tingjian-", "bare-", "floor-", "floor1-")))


def _rows(result: dict[str, Any]) -> str:
    rows = result.get("rows")
    if rows is None:
        return "—"
    verdict = "all committed" if rows["every_answer_committed"] else "MISMATCH"
    return f"{rows['answers']}/{rows['answers_acknowledged']} {verdict}"


async def main(options: argparse.Namespace) -> int:
    """Run the chosen configurations on a fresh database; print Markdown, optionally write JSON."""
    chosen = [s for s in scenarios(options.rates) if all(word in s.name for word in options.only)]
    url = await create_database(options.server)
    engine = engine_for(url)
    results: list[dict[str, Any]] = []
    try:
        machine = await machine_info(engine)
        with tempfile.TemporaryDirectory(prefix="tingjian-load-") as folder:
            async with BotAPIEmulator(log_limit=10_000) as emulator:
                for index, scenario in enumerate(chosen):
                    print(f"running {scenario.name} …", file=sys.stderr, flush=True)
                    result = await run_scenario(
                        scenario, emulator, url, Path(folder), 10_000_000 + index * 100_000, options
                    )
                    print(json.dumps(result), file=sys.stderr, flush=True)
                    results.append(result)
            if options.logs:
                copy_logs(Path(folder), options.logs)
    finally:
        await engine.dispose()
        await drop_database(options.server, url)
    print(markdown(results, machine))
    if options.json:
        options.json.write_text(json.dumps({"machine": machine, "results": results}, indent=1))
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL server (a database is created)")
    parser.add_argument("--customers", type=int, default=100, help="customers at once in throughput runs")
    parser.add_argument("--surveys", type=int, default=2, help="surveys each customer completes (throughput)")
    parser.add_argument(
        "--rates", type=float, nargs="+", default=[500.0, 100.0], help="offered updates/s of paced runs"
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of a paced run")
    parser.add_argument("--paced-customers", type=int, default=300, help="customers in paced runs")
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.3,
        help="before each run, wait (up to 15 min) until the machine's other work uses at most this "
        "many cores (0: do not wait)",
    )
    add_common_options(parser, "configuration")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))

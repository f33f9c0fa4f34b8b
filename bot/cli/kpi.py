"""`tingjian kpi import FILE.csv`, `tingjian campaign load FILE.yaml`, `tingjian campaign plan` and
`tingjian api new-key`."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from bot.config import Settings

T = TypeVar("T")
BATCH = 1000
KPI_COLUMNS = ("kpi", "value", "measured_at", "branch", "source")


def add_distribution_commands(commands: Any) -> None:
    """Add the kpi, campaign and api commands to the `tingjian` parser's sub-commands."""
    kpi = commands.add_parser("kpi", help="performance indicator readings").add_subparsers(
        title="kpi commands"
    )
    kpi_import = kpi.add_parser(
        "import", help="store readings from a CSV file (kpi,value,measured_at[,branch][,source])"
    )
    kpi_import.add_argument("file", type=Path)
    kpi_import.set_defaults(handler=_kpi_import)

    campaign = commands.add_parser("campaign", help="survey campaigns").add_subparsers(
        title="campaign commands"
    )
    campaign_load = campaign.add_parser("load", help="validate a campaign YAML file and store (or update) it")
    campaign_load.add_argument("file", type=Path)
    campaign_load.set_defaults(handler=_campaign_load)
    plan = campaign.add_parser(
        "plan",
        help="responses and invitations a target margin of error needs (default: the SAMPLE_* settings)",
    )
    plan.add_argument("--margin", type=float, help="target margin of error of a proportion, e.g. 0.05")
    plan.add_argument("--response-rate", type=float, help="expected share of invitations answered, e.g. 0.2")
    plan.add_argument("--population", type=int, help="customers the survey speaks for (default: large)")
    plan.add_argument("--confidence", type=float, help="confidence level, e.g. 0.95")
    plan.set_defaults(handler=_campaign_plan)

    api = commands.add_parser("api", help="the HTTP API").add_subparsers(title="api commands")
    api.add_parser(
        "new-key", help="print a new API key and the API_KEYS entry that stores only its hash"
    ).set_defaults(handler=_new_key)


def _campaign_plan(settings: Settings, args: argparse.Namespace) -> int:
    from analysis.sampling import plan_campaign, required_sample_size

    margin = args.margin if args.margin is not None else settings.sample_margin
    rate = args.response_rate if args.response_rate is not None else settings.expected_response_rate
    population = args.population if args.population is not None else settings.sample_population
    confidence = args.confidence if args.confidence is not None else settings.sample_confidence
    try:
        needed = required_sample_size(margin, confidence, 0.5, population)
        plan = plan_campaign(margin, rate, confidence, 0.5, population) if rate is not None else None
    except ValueError as error:
        print(f"no plan: {error}", file=sys.stderr)
        return 2
    of = f" of {population:,} customers" if population is not None else ""
    print(f"±{margin * 100:g}% at {confidence * 100:g}% confidence{of}: {needed:,} completed responses")
    if plan is None:
        print("give --response-rate (or EXPECTED_RESPONSE_RATE) for the invitations to send")
    elif plan.reachable:
        print(f"at a {plan.response_rate * 100:g}% response rate: send {plan.invitations:,} invitations")
    else:
        print(
            f"at a {plan.response_rate * 100:g}% response rate {plan.invitations:,} invitations are needed, "
            f"more than the {plan.population or 0:,} customers: the margin cannot be reached this way"
        )
    return 0


def _kpi_import(settings: Settings, args: argparse.Namespace) -> int:
    try:
        readings = read_kpi_csv(args.file, settings)
    except ValueError as error:
        print(f"readings refused; nothing was stored:\n{error}", file=sys.stderr)
        return 1

    async def store(uow: Any) -> tuple[int, int]:
        inserted = updated = 0
        for start in range(0, len(readings), BATCH):
            result = await uow.kpis.store(readings[start : start + BATCH])
            inserted, updated = inserted + result.inserted, updated + result.updated
        return inserted, updated

    inserted, updated = asyncio.run(_with_database(settings, store))
    print(f"stored {len(readings)} readings from {args.file.name}: {inserted} new, {updated} updated")
    return 0


def read_kpi_csv(path: Path, settings: Settings) -> list[Any]:
    """Every row of a KPI CSV file as a reading; ValueError listing each bad row as file:line: problem."""
    from bot.api.schemas import KpiReadingIn
    from dialogs.campaign import zone
    from dialogs.kpis import load_kpis
    from storage.kpis import NewReading

    catalog = load_kpis(settings.kpi_file)
    tz = zone(settings.timezone)
    readings, problems = [], []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"kpi", "value", "measured_at"} - set(reader.fieldnames or ())
            if missing:
                raise ValueError(f"{path}:1: (header): missing columns {', '.join(sorted(missing))}")
            for row in reader:
                line = reader.line_num
                values = {k: (row.get(k) or "").strip() for k in KPI_COLUMNS if row.get(k) not in (None, "")}
                try:
                    reading = KpiReadingIn.model_validate(values)
                except ValidationError as error:
                    for e in error.errors():
                        field = ".".join(str(p) for p in e["loc"]) or "(row)"
                        problems.append(f"{path}:{line}: {field}: {e['msg']}")
                    continue
                if reading.kpi not in catalog:
                    problems.append(f"{path}:{line}: kpi: unknown KPI {reading.kpi!r}")
                    continue
                measured = reading.measured_at
                measured = measured if measured.tzinfo else measured.replace(tzinfo=tz)
                readings.append(
                    NewReading(reading.kpi, reading.value, measured, reading.branch, reading.source)
                )
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: {error}") from error
    if problems:
        raise ValueError("\n".join(problems))
    if not readings:
        raise ValueError(f"{path}: no readings")
    return readings


def _campaign_load(settings: Settings, args: argparse.Namespace) -> int:
    from dialogs.campaign_loader import CampaignFileError, load_campaign_file

    try:
        spec = load_campaign_file(args.file)
    except CampaignFileError as error:
        print(f"campaign refused; nothing was stored:\n{error}", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    try:
        spec = spec.resolve(now, settings.timezone)
    except ValueError as error:
        print(f"campaign refused; nothing was stored:\n{args.file}: {error}", file=sys.stderr)
        return 1

    async def store(uow: Any) -> tuple[bool, str]:
        if await uow.surveys.latest(spec.survey) is None:
            return False, f"survey '{spec.survey}' is not loaded; run `tingjian survey load FILE` first"
        size = await uow.campaigns.audience_size(spec, now) if spec.planned else 0
        _, created = await uow.campaigns.save(spec)
        what = "stored" if created else "updated"
        audience = (
            f"{size} customers in its audience now" if spec.planned else "invitations come through the API"
        )
        return True, f"campaign '{spec.name}' {what}: {audience}; the running bot sends it"

    stored, outcome = asyncio.run(_with_database(settings, store))
    if not stored:
        print(f"campaign refused; nothing was stored:\n{outcome}", file=sys.stderr)
        return 1
    print(outcome)
    return 0


def _new_key(settings: Settings, args: argparse.Namespace) -> int:
    from bot.api.keys import new_key

    key, entry = new_key()
    print(f"API key (give it to the operator's system; it is not stored anywhere): {key}")
    print(f"add to API_KEYS (comma-separated): {entry}")
    return 0


async def _with_database(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    from bot.database import open_database
    from storage.database import session_factory
    from storage.unit_of_work import UnitOfWork

    engine = await open_database(settings)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await work(UnitOfWork(session))
    finally:
        await engine.dispose()

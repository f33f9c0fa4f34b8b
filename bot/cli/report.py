"""`tingjian report` and `tingjian demo-data`: the analysis pipeline from the command line.

Heavy imports (pandas, matplotlib, the analysis package) happen inside the command functions,
so the other commands start as fast as before.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Settings

if TYPE_CHECKING:
    import pandas as pd

    from analysis.periods import Freq
    from analysis.report import Report, ReportSettings
    from bot.jobs.reports import PeriodReport
    from storage.demo_data import DemoConfig, DemoSummary

FORMATS = {"text": "txt", "md": "md", "html": "html", "json": "json"}


def add_report_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Register `report` and `demo-data` on the `tingjian` command's subparsers."""
    report = commands.add_parser("report", help="service-quality report for a day, week or month")
    report.add_argument("--period", choices=("day", "week", "month"), default="week")
    report.add_argument(
        "--at",
        type=dt.date.fromisoformat,
        help="a date inside the period, YYYY-MM-DD in the operator's time zone (default: today)",
    )
    report.add_argument("--format", choices=tuple(FORMATS), default="text")
    report.add_argument(
        "--output",
        type=Path,
        help="file to write (default: text goes to the terminal, other formats to report-<period>.<ext>)",
    )
    report.add_argument("--lang", choices=("zh", "en"), help="default: DEFAULT_LANGUAGE")
    report.add_argument(
        "--keep-insignificant-drivers",
        action="store_true",
        help="give drivers whose regression coefficient is not significant (p ≥ 0.05) data-driven weight too",
    )
    report.add_argument(
        "--raw",
        action="store_true",
        help="build it from raw answers instead of the aggregates (slower; the reference)",
    )
    report.set_defaults(handler=_report)

    demo = commands.add_parser("demo-data", help="write a realistic demo history into the database")
    demo.add_argument("--customers", type=_positive, default=2000)
    demo.add_argument("--weeks", type=_positive, default=8)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--complaints-per-week", type=_non_negative, default=30)
    demo.add_argument("--responses-per-week", type=_positive, help="default: a quarter of the customers")
    demo.set_defaults(handler=_demo_data)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return number


def report_now(at: dt.date | None, period: str, tz: str) -> pd.Timestamp:
    """The instant the report is 'as of': now, or the end of the period holding ``at`` if that is earlier."""
    import pandas as pd

    from analysis import periods

    now = pd.Timestamp.now(tz="UTC")
    if at is None:
        return now
    local = pd.Timestamp(at).tz_localize(tz)
    bounds = periods.period_of(local, period, tz)  # type: ignore[arg-type]
    return min(bounds.end - pd.Timedelta(microseconds=1), now)


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.jobs.reports import report_settings

    tz = settings.timezone
    now = report_now(args.at, args.period, tz)
    # The digests' settings (time zone, the operator's SLA hours); charts only where they are shown.
    digest_config = report_settings(settings, args.lang or settings.default_language)
    config = replace(
        digest_config,
        charts=args.format == "html",
        keep_insignificant_drivers=args.keep_insignificant_drivers,
    )
    built = asyncio.run(_build(settings, config, args.period, now, args.raw))
    if built.raw_because is not None and not args.raw:
        print(f"report built from raw answers: {built.raw_because}", file=sys.stderr)
    report = built.report
    rendered = _render(report, args.format)
    if args.format == "text" and args.output is None:
        print(rendered, end="")
        return 0
    path = args.output or Path(f"report-{args.period}.{FORMATS[args.format]}")
    path.write_text(rendered, encoding="utf-8")
    print(f"report {report.meta.current.label} written to {path}")
    return 0


def _render(report: Report, fmt: str) -> str:
    renderers = {
        "text": report.to_text,
        "md": report.to_markdown,
        "html": report.to_html,
        "json": report.to_json,
    }
    return renderers[fmt]()


async def _build(
    settings: Settings, config: ReportSettings, period: Freq, now: pd.Timestamp, raw: bool
) -> PeriodReport:
    """The report as the digests build it (from the aggregates unless ``raw``), with the survey design
    (paired questions) and the questions' wording."""
    from bot.database import open_database
    from bot.jobs.reports import load_survey_design, period_report
    from storage.analytics import question_texts

    engine = await open_database(settings)
    try:
        design, texts = await load_survey_design(engine), await question_texts(engine)
        config = replace(config, design=design, question_texts=texts)
        return await period_report(engine, config, period, now, raw=raw)
    finally:
        await engine.dispose()


def _demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from storage.demo_data import DemoConfig

    config = DemoConfig(
        customers=args.customers,
        weeks=args.weeks,
        seed=args.seed,
        complaints_per_week=args.complaints_per_week,
        responses_per_week=args.responses_per_week,
        tz=settings.timezone,
    )
    began = time.perf_counter()
    summary = asyncio.run(_write_demo(settings, config))
    tz = settings.timezone
    print(
        f"demo data written: {summary.respondents} customers, {summary.responses} responses, "
        f"{summary.answers} answers, {summary.complaints} complaints ({summary.ticket_events} ticket "
        f"events, {summary.follow_up_cases} follow-up cases, {summary.reasons} reasons picked), "
        f"{summary.start.tz_convert(tz):%Y-%m-%d} – {summary.end.tz_convert(tz):%Y-%m-%d}, "
        f"in {time.perf_counter() - began:.1f} s"
    )
    return 0


async def _write_demo(settings: Settings, config: DemoConfig) -> DemoSummary:
    from bot.database import open_database
    from bot.runner import load_default_survey
    from storage.demo_data import write_demo_data

    engine = await open_database(settings)
    try:
        survey = await load_default_survey(engine)
        return await write_demo_data(engine, survey.version_id, config)
    finally:
        await engine.dispose()

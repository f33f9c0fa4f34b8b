"""`tingjian analytics rebuild`: recompute the report aggregates from raw rows (docs/AGGREGATES.md)."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from bot.config import Settings


def add_analytics_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Register `analytics rebuild` on the `tingjian` command's subparsers."""
    analytics = commands.add_parser("analytics", help="report aggregates").add_subparsers(
        title="analytics commands"
    )
    rebuild = analytics.add_parser(
        "rebuild", help="recompute the report aggregates from the raw answers (after a TIMEZONE change)"
    )
    rebuild.set_defaults(handler=_rebuild)


def _rebuild(settings: Settings, args: argparse.Namespace) -> int:
    began = time.perf_counter()
    count = asyncio.run(_run_rebuild(settings))
    print(
        f"report aggregates rebuilt: {count} completed responses, days in {settings.timezone}, "
        f"in {time.perf_counter() - began:.1f} s"
    )
    return 0


async def _run_rebuild(settings: Settings) -> int:
    from bot.database import open_database
    from storage.aggregates import rebuild

    engine = await open_database(settings)
    try:
        return await rebuild(engine, settings.timezone)
    finally:
        await engine.dispose()

"""--demo: fill the playground's database with weeks of generated answers and Chinese complaints once,
so that /digest and `tingjian report` show real-looking figures at once."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

NOT_AVAILABLE = (
    "--demo: generated history is not available yet (storage.demo_data is missing); "
    "starting the playground without it"
)
WEEKS = 8
CUSTOMERS = 2000
COMPLAINTS_PER_WEEK = 30
# Demo customers are numbered from 1 and nearly all of the first few answer at least once, so finding
# any of them means this database already holds the generated history (a second run would double it).
PROBE_CUSTOMERS = range(1, 31)


async def seed_demo(settings: Settings) -> None:
    """Write the generated history into the playground's database unless it is there already."""
    try:
        from storage.demo_data import DemoConfig, write_demo_data
    except ImportError:
        print(NOT_AVAILABLE, flush=True)
        return
    from bot.database import open_database
    from bot.runner import load_default_survey

    engine = await open_database(settings)
    try:
        if await _already_seeded(engine):
            print("--demo: this database already holds the generated history; nothing added", flush=True)
            return
        survey = await load_default_survey(engine)
        config = DemoConfig(
            customers=CUSTOMERS, weeks=WEEKS, complaints_per_week=COMPLAINTS_PER_WEEK, tz=settings.timezone
        )
        summary = await write_demo_data(engine, survey.version_id, config)
    finally:
        await engine.dispose()
    report = "tingjian report" if settings.database_url else f"DATA_DIR={settings.data_dir} tingjian report"
    print(
        f"--demo: generated {WEEKS} weeks of history: {summary.responses} survey responses from "
        f"{summary.respondents} customers, {summary.complaints} complaints, {summary.follow_up_cases} "
        f"follow-up cases after low ratings ({summary.seconds:.1f} s); "
        f"try /digest in the admin view, or `{report}`",
        flush=True,
    )


async def _already_seeded(engine: AsyncEngine) -> bool:
    from storage.database import session_factory
    from storage.demo_data import DEMO_TELEGRAM_BASE
    from storage.respondents import RespondentRepository

    async with session_factory(engine)() as session:
        respondents = RespondentRepository(session)
        for number in PROBE_CUSTOMERS:
            if await respondents.by_telegram_id(DEMO_TELEGRAM_BASE + number) is not None:
                return True
    return False

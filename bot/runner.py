"""Start-up: database (configured or embedded), schema check, default survey, then polling."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_bot, build_dispatcher, set_commands
from bot.config import Settings
from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.database import create_engine, session_factory
from storage.embedded import embedded_database_url
from storage.migrate import ensure_current, upgrade_async
from storage.surveys import LoadResult, SurveyRepository

logger = logging.getLogger(__name__)


def database_url(settings: Settings) -> tuple[str, bool]:
    """The configured DATABASE_URL, else the embedded server's; the flag says which."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value(), False
    return embedded_database_url(settings.data_dir), True


async def open_database(settings: Settings) -> AsyncEngine:
    """Connect and verify the schema; the embedded database is ours, so it is migrated automatically."""
    url, embedded = database_url(settings)
    if embedded:
        await upgrade_async(url)
    engine = create_engine(url)
    await ensure_current(engine)
    return engine


async def load_default_survey(engine: AsyncEngine) -> LoadResult:
    """Make sure the shipped questionnaire is stored (a changed file becomes a new version)."""
    survey = load_survey_file(default_survey_path())
    async with session_factory(engine)() as session, session.begin():
        return await SurveyRepository(session).store(survey, source=str(default_survey_path().name))


async def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until interrupted."""
    bot = build_bot(settings)
    engine = await open_database(settings)
    try:
        result = await load_default_survey(engine)
        logger.info("default survey %s v%s ready", result.key, result.version)
        dispatcher = build_dispatcher(settings, engine)
        await set_commands(bot)
        # start_polling never removes a webhook, and Telegram refuses getUpdates while one is set.
        await bot.delete_webhook(drop_pending_updates=False)
        me = await bot.get_me()
        logger.info("polling as @%s", me.username)
        await dispatcher.start_polling(bot)
    finally:
        await bot.session.close()
        await engine.dispose()

"""Opening the configured database: without the bot's application, so commands that only read or
write data (`tingjian report`, `analytics`, `kpi`, the worker) do not load aiogram and the handlers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from storage.database import create_engine
from storage.embedded import embedded_database_url
from storage.migrate import ensure_current, upgrade_async


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
    try:
        await ensure_current(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine

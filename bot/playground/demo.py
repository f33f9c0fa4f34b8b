"""--demo: fill the playground's database with generated weeks of answers and complaints."""

from __future__ import annotations

import logging

from bot.config import Settings

logger = logging.getLogger(__name__)

NOT_AVAILABLE = (
    "--demo: generated history is not available yet (storage.demo_data is missing); "
    "starting the playground without it"
)


async def seed_demo(settings: Settings) -> None:
    """Seed generated history into the playground's database, or say why it cannot."""
    try:
        import storage.demo_data  # noqa: F401 (lazy: written separately, absent in older trees)
    except ImportError:
        print(NOT_AVAILABLE, flush=True)
        return
    raise NotImplementedError

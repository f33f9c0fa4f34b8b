"""The worker child's environment carries the settings the bot was given in code (the playground)."""

from __future__ import annotations

from bot.playground.runner import playground_settings
from bot.worker_child import child_env
from emulator.emulator import BotAPIEmulator
from tests.support.botapp import ADMIN_ID, bot_settings


async def test_the_playground_worker_gets_the_emulator_its_admin_and_no_pacing() -> None:
    async with BotAPIEmulator() as emulator:
        operator = bot_settings(emulator, telegram_pacing=True, timezone="Europe/Berlin")
        settings = playground_settings(operator, emulator)
        env = child_env(settings, "postgresql://postgres@127.0.0.1:5432/x")
    assert env["TELEGRAM_API_BASE"] == emulator.base_url
    assert str(ADMIN_ID) in env["ADMIN_IDS"].split(",")
    assert env["TELEGRAM_PACING"] == "false"  # the emulator has no flood limits
    assert env["TIMEZONE"] == "Europe/Berlin"
    assert env["DATABASE_URL"].endswith("/x")

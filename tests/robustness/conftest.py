"""Robustness fixtures: the Bot API emulator (the bot is started by each test, as its story needs)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulator.emulator import BotAPIEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator

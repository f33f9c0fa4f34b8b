"""End-to-end fixtures: the Bot API emulator and the bot running against it on the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import BotAPIEmulator
from tests.support.botapp import RunningBot, running_bot


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


@pytest.fixture
async def tingjian(db: AsyncEngine, emulator: BotAPIEmulator) -> AsyncIterator[RunningBot]:
    async with running_bot(db, emulator) as running:
        yield running

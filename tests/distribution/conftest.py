"""Fixtures of the distribution tests: the Bot API emulator (the database comes from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulator.emulator import BotAPIEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator

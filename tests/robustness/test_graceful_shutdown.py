"""Stopping a webhook process while updates are in flight: they finish, and nothing is half-written.

Two kinds of update are caught in flight: two whose answers are committed and whose survey card is
being turned to the next question (the emulator holds editMessageText), and two still waiting for
their chat's database lock (the test holds it), so nothing of theirs is written yet. Then the
process gets its stop signal.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import BotAPIEmulator
from emulator.params import Params
from tests.robustness.bot_process import bot_process, wait_for_lock_waiters
from tests.support.survey_steps import option_button, start_survey, stored_answers, wait_for_question

HELD_AT_REPLY = (4501, 4502)
HELD_AT_LOCK = (4503, 4504)


class GatedEmulator(BotAPIEmulator):
    """The emulator, able to hold calls of chosen Bot API methods until ``release()``."""

    def __init__(self) -> None:
        super().__init__(webhook_retries=0)  # a failed delivery shows as failed, not retried away
        self.held: set[str] = set()
        self.waiting = 0
        self._gate = asyncio.Event()
        self._gate.set()

    def hold(self, *methods: str) -> None:
        """From now on, calls of these methods wait."""
        self.held = {m.lower() for m in methods}
        self._gate.clear()

    def release(self) -> None:
        """Let every held call (and later ones) through."""
        self._gate.set()

    async def call(self, method: str, params: Params, token: str | None = None) -> tuple[int, dict[str, Any]]:
        if method.lower() in self.held and not self._gate.is_set():
            self.waiting += 1
            self.signal.pulse()
            try:
                await self._gate.wait()
            finally:
                self.waiting -= 1
        return await super().call(method, params, token)


@pytest.fixture
async def emulator() -> AsyncIterator[GatedEmulator]:
    async with GatedEmulator() as emulator:
        yield emulator


@pytest.mark.parametrize(
    "stop_signal",
    [
        pytest.param(signal.SIGINT),
        pytest.param(signal.SIGTERM),
    ],
    ids=["SIGINT", "SIGTERM"],
)
async def test_webhook_updates_in_flight_finish_when_the_process_is_stopped(
    db: AsyncEngine, database_url: str, emulator: GatedEmulator, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    presses = await _stop_with_updates_in_flight(
        db, database_url, emulator, tmp_path, stop_signal, webhook=True
    )
    delivered = {d.update_id for d in emulator.webhook_deliveries if d.ok}
    assert set(presses) <= delivered  # every in-flight update was acknowledged only once handled
    await _assert_every_answer_whole_and_shown(db, emulator)


async def test_polling_updates_in_flight_finish_when_the_process_is_stopped(
    db: AsyncEngine, database_url: str, emulator: GatedEmulator, tmp_path: Path
) -> None:
    await _stop_with_updates_in_flight(db, database_url, emulator, tmp_path, signal.SIGTERM, webhook=False)
    await _assert_every_answer_whole_and_shown(db, emulator)


async def _stop_with_updates_in_flight(
    db: AsyncEngine,
    database_url: str,
    emulator: GatedEmulator,
    folder: Path,
    stop_signal: signal.Signals,
    *,
    webhook: bool,
) -> list[int | None]:
    """Catch four presses in flight, signal the process, let them go; the presses' update ids."""
    customers = {user: emulator.customer(user, timeout=15) for user in HELD_AT_REPLY + HELD_AT_LOCK}
    async with bot_process(emulator, database_url, folder, webhook=webhook) as process:
        for customer in customers.values():
            await start_survey(customer)
        async with db.connect() as locks:
            for user in HELD_AT_LOCK:
                await locks.execute(text("SELECT pg_advisory_lock(:key)"), {"key": user})
            emulator.hold("editMessageText")
            presses = [emulator.press(user, option_button(c, 4)).update_id for user, c in customers.items()]
            await customers[HELD_AT_REPLY[0]].wait_for(
                lambda: emulator.waiting == len(HELD_AT_REPLY), what="the replies to be held"
            )
            await wait_for_lock_waiters(db, len(HELD_AT_LOCK))

            process.process.send_signal(stop_signal)
            await _wait_until_not_accepting(process.web_url)
            emulator.release()
            await locks.execute(text("SELECT pg_advisory_unlock_all()"))
        exit_code = await process.exited(timeout=60)
        assert exit_code >= 0, f"killed by signal {-exit_code}\n{process.log_tail()}"
    return presses


async def _assert_every_answer_whole_and_shown(db: AsyncEngine, emulator: GatedEmulator) -> None:
    for user in HELD_AT_REPLY + HELD_AT_LOCK:
        assert await stored_answers(db, user) == {"func_needs": 4.0}, user
        await wait_for_question(emulator.customer(user, timeout=15), "第 2/16 题")


async def _wait_until_not_accepting(web_url: str) -> None:
    """Until the process refuses new connections (it is shutting down, or gone)."""
    # A fresh connection each time: a kept-alive one could still be served during the shutdown.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        for _ in range(600):
            try:
                async with http.get(f"{web_url}/healthz", timeout=aiohttp.ClientTimeout(total=1)):
                    pass
            except (aiohttp.ClientConnectionError, TimeoutError):
                return
            await asyncio.sleep(0.05)  # polling a condition
    raise AssertionError("the process kept accepting connections after its stop signal")

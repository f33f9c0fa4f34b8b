"""Waking async waiters when the (synchronous) state changes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class ChangeSignal:
    """A broadcast pulse: every ``pulse()`` wakes all current waiters.

    An Event swapped on each pulse rather than an asyncio.Condition because the state calls us
    synchronously and a Condition needs its lock (an await) to notify.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def pulse(self) -> None:
        """Wake everyone waiting right now."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:  # noqa: ASYNC109 (a deadline per call is the API)
        """Wait for the next pulse; False if ``timeout`` seconds passed first."""
        if timeout <= 0:
            return False
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109 (a deadline per call is the API)
        """Wait until ``predicate()`` holds (checked after each pulse); False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if not await self.wait(deadline - loop.time()) and not predicate():
                return False
        return True

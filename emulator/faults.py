"""Injected failures: the next N calls of a method answer with 429 / 5xx / any error."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BotAPIError, server_error, too_many_requests

# Polling runs all the time in the background; a "fail whatever comes next" fault must not be
# swallowed by it, so getUpdates only fails when named explicitly.
_NEEDS_EXPLICIT_NAME = frozenset({"getupdates"})


@dataclass
class Fault:
    """One planned failure, consumed ``times`` times."""

    method: str | None
    status: int
    retry_after: int
    times: int
    description: str | None = None

    def matches(self, method: str) -> bool:
        """Whether a call of ``method`` should fail because of this fault."""
        if self.method is None:
            return method.lower() not in _NEEDS_EXPLICIT_NAME
        return self.method.lower() == method.lower()

    def error(self) -> BotAPIError:
        """The error reply for this fault."""
        if self.status == 429:
            return too_many_requests(self.retry_after)
        if self.description is not None:
            return BotAPIError(self.status, self.description)
        return server_error(self.status) if self.status >= 500 else BotAPIError(self.status, "Bad Request")


class FaultPlan:
    """Faults waiting for matching calls, first planned first used."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Plan a fault."""
        self._faults.append(fault)

    def clear(self) -> None:
        """Forget all planned faults."""
        self._faults.clear()

    def take(self, method: str) -> BotAPIError | None:
        """Consume one use of the first matching fault and return its error (None if no fault)."""
        for fault in self._faults:
            if fault.matches(method):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault.error()
        return None

    def __len__(self) -> int:
        return len(self._faults)

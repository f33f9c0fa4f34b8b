"""Telegram's flood control, modelled: sends and edits beyond the limits answer 429 with retry_after.

Telegram does not publish exact numbers; these are the ones it states:
- Bot FAQ ("My bot is hitting limits"): in a single chat, avoid more than one message per second
  (short bursts are allowed); in a group, no more than 20 messages per minute; bulk notifications,
  about 30 messages per second across chats.
- tdlib/td#2592 (a Telegram developer): a bot can edit messages about 20 times per minute in a
  chat, and edits share that limit with sends.

Each limit is a leaky bucket (the model aiogram users know from aiolimiter). aiolimiter itself only
waits for capacity; the emulator must refuse at once and say how long to wait, with a clock a unit
test can turn, so the few lines of bucket arithmetic live here. Off unless a test switches it on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .errors import BotAPIError, too_many_requests

Clock = Callable[[], float]


@dataclass(frozen=True)
class Limit:
    """A leaky bucket: ``burst`` units fit at once, and ``per_second`` of them drain away each second."""

    per_second: float
    burst: float


@dataclass(frozen=True)
class FloodLimits:
    """The limits one bot is held to (Telegram's stated numbers by default)."""

    private_chat: Limit = Limit(per_second=1.0, burst=3)  # ~1 a second in a chat, short bursts
    per_chat_minute: Limit = Limit(per_second=20 / 60, burst=20)  # ~20 sends + edits a minute per chat
    bulk: Limit = Limit(per_second=30.0, burst=30)  # ~30 a second across all chats

    def scaled(self, time_factor: float) -> FloodLimits:
        """The same limits with time running ``time_factor`` times faster (rates multiplied)."""

        def scale(limit: Limit) -> Limit:
            return replace(limit, per_second=limit.per_second * time_factor)

        return FloodLimits(scale(self.private_chat), scale(self.per_chat_minute), scale(self.bulk))


@dataclass
class Bucket:
    """One leaky bucket's level, as of ``checked``."""

    limit: Limit
    level: float = 0.0
    checked: float = 0.0

    def _drain(self, now: float) -> None:
        self.level = max(0.0, self.level - (now - self.checked) * self.limit.per_second)
        self.checked = now

    def wait_for_room(self, now: float) -> float:
        """Seconds until one more unit fits (0 when it fits now)."""
        self._drain(now)
        overflow = self.level + 1 - self.limit.burst
        return overflow / self.limit.per_second if overflow > 1e-9 else 0.0

    def take(self, now: float) -> None:
        """Put one unit in (call after ``wait_for_room`` said 0)."""
        self._drain(now)
        self.level += 1


def is_limited(method: str) -> bool:
    """Whether ``method`` posts or changes a message in a chat (what flood control counts).

    Chat actions, callback answers, reads and deletions are not counted.
    """
    name = method.lower()
    if name == "sendchataction":
        return False
    return name.startswith(("send", "editmessage", "copymessage", "forwardmessage"))


@dataclass
class FloodControl:
    """The limits in force and every bucket's level; ``check`` refuses or counts one call."""

    limits: FloodLimits = field(default_factory=FloodLimits)
    clock: Clock = time.monotonic
    refused: int = 0
    _bulk: Bucket | None = None
    _chats: dict[int, list[Bucket]] = field(default_factory=dict)

    def _buckets(self, chat_id: int | None, now: float) -> list[Bucket]:
        if self._bulk is None:
            self._bulk = Bucket(self.limits.bulk, checked=now)
        if chat_id is None:
            return [self._bulk]
        if chat_id not in self._chats:
            # Private chats have positive ids, groups and channels negative ones.
            chat_limits = [self.limits.per_chat_minute]
            if chat_id > 0:
                chat_limits.append(self.limits.private_chat)
            self._chats[chat_id] = [Bucket(limit, checked=now) for limit in chat_limits]
        return [self._bulk, *self._chats[chat_id]]

    def check(self, method: str, chat_id: int | None) -> BotAPIError | None:
        """The 429 for this call if it is over a limit (nothing counted), else None (counted)."""
        if not is_limited(method):
            return None
        now = self.clock()
        buckets = self._buckets(chat_id, now)
        wait = max(bucket.wait_for_room(now) for bucket in buckets)
        if wait > 0:
            self.refused += 1
            # Telegram's retry_after is whole seconds, at least one.
            return too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take(now)
        return None


def chat_id_of(raw: object) -> int | None:
    """The numeric chat id of a call's ``chat_id`` parameter (None for @usernames or none given)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw)
        except ValueError:
            return None
    return None

"""Pacing every send and edit to stay within Telegram's flood limits, per chat and bot-wide.

Telegram answers 429 beyond about one message a second in a chat (short bursts allowed), about 20
sends and edits a minute per chat (edits share the limit: tdlib/td#2592) and about 30 messages a
second across chats (Bot FAQ). Waiting out the 429s (bot/telegram_retry.py) loses nothing, but a
bot that keeps running into them is served ever longer waits, and a burst of alerts to one admin
or a digest to many admins would hit them every time. So a session middleware waits its turn
instead, a little under each limit (Telegram's figures are approximate and requests are not seen
in the order they leave):
- per chat: PRIVATE_CHAT_SENDS_PER_SECOND (bursts of two) in private chats, CHAT_SENDS_PER_MINUTE
  in every chat (bursts of as many);
- bot-wide: BOT_SENDS_PER_SECOND, evenly spaced, shared by every Bot of the same token in the
  process (replies, alerts, digests and the campaign sender's own Bot alike);
- a 429 Telegram still sends pauses that chat only, for its retry_after.
aiolimiter provides the leaky buckets. Chat actions, callback answers and reads are not paced.
One chat's updates are handled one at a time (bot/middlewares/chat_queue.py) and a card is
edited before the next press is read, so edits of one message never queue up behind each other
and there is nothing to coalesce.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiolimiter import AsyncLimiter

if TYPE_CHECKING:
    from aiogram import Bot

# Chats whose buckets are kept; beyond this the longest idle ones are forgotten (a bucket idle for
# a minute is empty anyway).
MAX_CHATS = 20_000
IDLE_FORGET = 60.0


@dataclass(frozen=True)
class PacingLimits:
    """How fast the bot sends: per private chat a second, per chat a minute, bot-wide a second."""

    private_per_second: float = 1.0
    chat_per_minute: float = 18.0
    bot_per_second: float = 28.0


def is_paced(api_method: str) -> bool:
    """Whether a Bot API method posts or changes a message in a chat (what flood control counts)."""
    name = api_method.lower()
    if name == "sendchataction":
        return False
    return name.startswith(("send", "editmessage", "copymessage", "forwardmessage"))


@dataclass
class _Chat:
    per_minute: AsyncLimiter
    per_second: AsyncLimiter | None
    resume_at: float = 0.0  # loop time a 429 told this chat to wait until
    used: float = field(default_factory=time.monotonic)


class _Pacer:
    """The buckets of one bot token in one event loop."""

    def __init__(self, limits: PacingLimits) -> None:
        self.limits = limits
        # Capacity one, refilled evenly: no burst across chats.
        self.bulk = AsyncLimiter(1, 1 / limits.bot_per_second)
        self.chats: OrderedDict[int, _Chat] = OrderedDict()

    def chat(self, chat_id: int) -> _Chat:
        pace = self.chats.get(chat_id)
        if pace is None:
            per_second = None
            if chat_id > 0:  # private chats have positive ids, groups and channels negative ones
                per_second = AsyncLimiter(2, 2 / self.limits.private_per_second)
            pace = self.chats[chat_id] = _Chat(AsyncLimiter(self.limits.chat_per_minute, 60), per_second)
            self._forget_idle()
        else:
            self.chats.move_to_end(chat_id)
        pace.used = time.monotonic()
        return pace

    def _forget_idle(self) -> None:
        now = time.monotonic()
        while len(self.chats) > MAX_CHATS:
            oldest_id, oldest = next(iter(self.chats.items()))
            if now - oldest.used < IDLE_FORGET:
                return
            del self.chats[oldest_id]


# One pacer per event loop and token: aiolimiter's buckets belong to the loop they were used in.
_PACERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Pacer]] = weakref.WeakKeyDictionary()


def _pacer(token: str, limits: PacingLimits) -> _Pacer:
    per_token = _PACERS.setdefault(asyncio.get_running_loop(), {})
    if token not in per_token:
        per_token[token] = _Pacer(limits)
    return per_token[token]


def _chat_id(method: TelegramMethod[Any]) -> int | None:
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None


class PacingMiddleware(BaseRequestMiddleware):
    """Wait for room in the chat's and the bot's buckets before each send or edit."""

    def __init__(self, limits: PacingLimits | None = None) -> None:
        self.limits = limits or PacingLimits()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        if not is_paced(method.__api_method__):
            return await make_request(bot, method)
        pacer = _pacer(bot.token, self.limits)
        chat_id = _chat_id(method)
        pace = None if chat_id is None else pacer.chat(chat_id)
        loop = asyncio.get_running_loop()
        if pace is not None:
            while (pause := pace.resume_at - loop.time()) > 0:  # noqa: ASYNC110 (a 429 may extend it)
                await asyncio.sleep(pause)
            if pace.per_second is not None:
                await pace.per_second.acquire()
            await pace.per_minute.acquire()
        await pacer.bulk.acquire()
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as error:
            if pace is not None:
                pace.resume_at = max(pace.resume_at, loop.time() + error.retry_after)
            raise

"""One chat's updates run one at a time, and a flooding chat cannot hold up the others.

Each chat gets an in-process lock (its updates in order, without holding a database connection
while they wait; the PostgreSQL chat lock in the unit of work covers other processes) and a bound
on how many of its updates may wait for it. Beyond the bound an update is dropped — answered with
one "please slow down" per burst — so a customer sending hundreds of messages takes at most a few
slots of the process's concurrency, never all of them. Dropped updates are not processed at all,
so nothing is processed twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import Chat, TelegramObject, Update, User

from dialogs.i18n import language_from_code, t

logger = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
# How many updates of one chat may be handled or waiting at once; a person tapping and typing fast
# stays well within it, a script or a stuck key does not.
MAX_QUEUED_PER_CHAT: Final = 16
# A chat is asked to slow down at most once in this many seconds, however its flood is batched.
WARN_EVERY_SECONDS: Final = 30.0


@dataclass
class _ChatQueue:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0


class ChatQueueMiddleware(BaseMiddleware):
    """Serialises each chat's updates and drops what one chat queues beyond ``limit``."""

    def __init__(self, limit: int = MAX_QUEUED_PER_CHAT) -> None:
        self.limit = limit
        self.chats: dict[int, _ChatQueue] = {}
        self.warned_at: dict[int, float] = {}
        self.dropped = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Run the update after the chat's earlier ones, or drop it when the chat has too many waiting."""
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        key = chat.id if chat is not None else user.id if user is not None else None
        if key is None:
            return await handler(event, data)
        queue = self.chats.setdefault(key, _ChatQueue())
        if queue.queued >= self.limit:
            self.dropped += 1
            assert isinstance(event, Update)
            logger.info("update %s dropped: chat has %s updates waiting", event.update_id, queue.queued)
            if self._should_warn(key):
                await self._slow_down(data["bot"], key, user)
            return UNHANDLED
        queue.queued += 1
        try:
            async with queue.lock:
                return await handler(event, data)
        finally:
            queue.queued -= 1
            if queue.queued == 0:
                del self.chats[key]

    def _should_warn(self, chat_id: int) -> bool:
        now = time.monotonic()
        if now - self.warned_at.get(chat_id, -WARN_EVERY_SECONDS) < WARN_EVERY_SECONDS:
            return False
        if len(self.warned_at) > 10_000:  # forget chats warned long ago
            self.warned_at = {k: v for k, v in self.warned_at.items() if now - v < WARN_EVERY_SECONDS}
        self.warned_at[chat_id] = now
        return True

    async def _slow_down(self, bot: Bot, chat_id: int, user: User | None) -> None:
        language = language_from_code(user.language_code if user else None)
        try:
            await bot.send_message(chat_id, t(language, "slow_down"))
        except Exception as error:  # the warning is a courtesy; failing to send it changes nothing
            logger.warning("could not ask chat to slow down: %s", type(error).__name__)

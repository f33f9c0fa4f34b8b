"""Waiting out Telegram's flood control and brief server errors; aiogram retries neither.

A request middleware on the Bot's session sleeps the `retry_after` Telegram asks for (429), or a
short back-off after a 5xx, and sends the same request again, so every caller (replies, alerts,
digests, invitations) keeps its message. Handlers commit before they send, so a reply that fails
for good is lost for good: a redelivered update is recognised as processed and skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)
# A 5xx from Telegram's front servers is usually over within a second or two; after these pauses the
# error stands. (A 5xx may, rarely, follow a request that was carried out: a duplicate message is
# the price of never losing one.)
SERVER_ERROR_DELAYS = (0.5, 1.0, 2.0)


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Retry after a 429's wait (up to `attempts` tries in all) and after 5xx (once per back-off)."""

    def __init__(
        self,
        attempts: int = 5,
        longest_wait: float = 60.0,
        server_error_delays: Sequence[float] = SERVER_ERROR_DELAYS,
    ) -> None:
        self.attempts = attempts
        self.longest_wait = longest_wait
        self.server_error_delays = tuple(server_error_delays)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        flood_waits = 0
        server_delays = iter(self.server_error_delays)
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                flood_waits += 1
                if flood_waits >= self.attempts or error.retry_after > self.longest_wait:
                    raise
                wait: float = error.retry_after
                reason = "flood control"
            except TelegramServerError as error:
                next_delay = next(server_delays, None)
                if next_delay is None:
                    raise
                wait, reason = next_delay, f"server error ({error.message})"
            logger.warning("%s: %s, retrying in %ss", type(method).__name__, reason, wait)
            await asyncio.sleep(wait)

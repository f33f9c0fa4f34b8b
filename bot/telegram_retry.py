"""Waiting out Telegram's flood control: aiogram raises TelegramRetryAfter on 429 and never retries.

A request middleware on the Bot's session sleeps the `retry_after` Telegram asks for and sends the
same request again, so every caller (replies, alerts, digests, invitations) keeps its message.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Retry a request after the wait Telegram names, up to `attempts` times (then the error stands)."""

    def __init__(self, attempts: int = 5, longest_wait: float = 60.0) -> None:
        self.attempts = attempts
        self.longest_wait = longest_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == self.attempts or error.retry_after > self.longest_wait:
                    raise
                logger.warning(
                    "%s: flood control, waiting %ss (attempt %s)",
                    type(method).__name__,
                    error.retry_after,
                    attempt,
                )
                await asyncio.sleep(error.retry_after)
        raise AssertionError("unreachable")  # the loop returns or raises

"""Waiting out Telegram's flood control and brief server errors; aiogram retries neither.

A request middleware on the Bot's session sleeps the `retry_after` Telegram asks for (429), or a
short back-off after a 5xx, and sends the same request again, so every caller (replies, alerts,
digests, invitations) keeps its message. Handlers commit before they send, so a reply that fails
for good is lost for good: a redelivered update is recognised as processed and skipped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)
# How long one request may wait in all to be retried (flood control and server errors together)
# before its error stands. An update waits holding its chat's lock and a database connection, so this
# is bounded; it covers Telegram's usual flood waits and a front server's bad spell. (A 5xx may,
# rarely, follow a request that was carried out: a duplicate message is the price of never losing one.)
WAIT_BUDGET = 30.0
# After a 5xx: 0.5 s, doubling, at most 4 s between tries. Three fixed pauses (3.5 s in all) gave up
# under a burst of errors: the fault bench lost 13 replies in 10 s of 502s.
FIRST_SERVER_ERROR_DELAY = 0.5
LONGEST_SERVER_ERROR_DELAY = 4.0


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Retry after a 429's wait and after a 5xx's back-off, while the waits fit in ``budget`` seconds."""

    def __init__(
        self,
        budget: float = WAIT_BUDGET,
        first_server_error_delay: float = FIRST_SERVER_ERROR_DELAY,
        longest_server_error_delay: float = LONGEST_SERVER_ERROR_DELAY,
    ) -> None:
        self.budget = budget
        self.first_server_error_delay = first_server_error_delay
        self.longest_server_error_delay = longest_server_error_delay

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        waited = 0.0
        server_delay = self.first_server_error_delay
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                failure: Exception = error
                wait, reason = float(error.retry_after), "flood control"
            except TelegramServerError as error:
                failure = error
                wait, reason = server_delay, f"server error ({error.message})"
                server_delay = min(2 * server_delay, self.longest_server_error_delay)
            if waited + wait > self.budget:
                raise failure
            waited += wait
            logger.warning("%s: %s, retrying in %ss", type(method).__name__, reason, wait)
            await asyncio.sleep(wait)

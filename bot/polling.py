"""Long polling that confirms an update to Telegram only once it has been handled.

aiogram's polling confirms each update (by asking for the next offset) as soon as it has read it,
so an update whose handling failed because the database was down longer than the unit of work's
retries was lost. Here a batch is confirmed only when every update in it is done: handled, skipped
as a duplicate, or failed for a reason other than the database being unavailable (those would fail
again and would block every later update). While the database is down an update keeps waiting for
it, and stays in Telegram (which keeps updates for 24 hours) if the process stops meanwhile; the
deduplication table makes the redelivery after a restart harmless.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Final

from aiogram import Bot
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.middlewares.unit_of_work import database_unavailable

if TYPE_CHECKING:
    from aiogram import Dispatcher

logger = logging.getLogger(__name__)
# How long an update waits between attempts while the database is unavailable (doubling to the cap).
RETRY_FIRST_SECONDS: Final = 1.0
RETRY_MAX_SECONDS: Final = 15.0


async def poll(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    polling_timeout: int,
    backoff_config: BackoffConfig,
    allowed_updates: list[str] | None,
    concurrency: int | None,
    tasks: set[asyncio.Task[Any]],
    data: dict[str, Any],
) -> None:
    """Read, handle and then confirm batches of updates until cancelled."""
    backoff = Backoff(config=backoff_config)
    semaphore = asyncio.Semaphore(concurrency) if concurrency else None
    offset: int | None = None
    request_timeout = int(bot.session.timeout + polling_timeout) if bot.session.timeout else None
    while True:
        method = GetUpdates(offset=offset, timeout=polling_timeout, allowed_updates=allowed_updates)
        try:
            updates = await bot(method, request_timeout=request_timeout)
        except Exception as error:
            logger.warning(
                "getUpdates failed (%s); retrying in %.1f s", type(error).__name__, backoff.next_delay
            )
            await backoff.asleep()
            continue
        backoff.reset()
        if not updates:
            continue
        batch = [asyncio.create_task(_handle(dispatcher, bot, update, semaphore, data)) for update in updates]
        tasks.update(batch)
        for task in batch:
            task.add_done_callback(tasks.discard)
        # Shielded: stopping the polling must not cancel updates being handled (the runner drains
        # them); the batch then stays unconfirmed and Telegram delivers it again after a restart.
        await asyncio.shield(asyncio.gather(*batch))
        offset = updates[-1].update_id + 1


async def _handle(
    dispatcher: Dispatcher,
    bot: Bot,
    update: Update,
    semaphore: asyncio.Semaphore | None,
    data: dict[str, Any],
) -> None:
    if semaphore is None:
        await _handle_until_done(dispatcher, bot, update, data)
        return
    async with semaphore:
        await _handle_until_done(dispatcher, bot, update, data)


async def _handle_until_done(dispatcher: Dispatcher, bot: Bot, update: Update, data: dict[str, Any]) -> None:
    delay = RETRY_FIRST_SECONDS
    while True:
        try:
            response = await dispatcher.feed_update(bot, update, **data)
            if isinstance(response, TelegramMethod):
                await dispatcher.silent_call_request(bot=bot, result=response)
            return
        except Exception as error:
            if not database_unavailable(error):
                logger.exception("update %s failed; skipped", update.update_id)
                return
            logger.warning(
                "update %s waits for the database (%s); next try in %.0f s",
                update.update_id,
                type(error).__name__,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)

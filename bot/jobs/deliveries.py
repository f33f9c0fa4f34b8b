"""The bot process's side of the jobs queue: queue an admin's request, send finished jobs' results
(or a failure notice) to the chat that asked. Light on purpose: this runs in the chat process, so
no pandas here."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile, Message
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.i18n import Language, language_of, t
from storage.jobs import FinishedJob, JobQueue, Part

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5  # how soon a finished job reaches the chat (one indexed query per poll)


async def enqueue_for(
    message: Message, engine: AsyncEngine, kind: str, payload: dict[str, object], language: Language
) -> None:
    """Queue a job for the worker; its result is delivered to this chat. The key is the message, so
    a redelivered update queues nothing new."""
    await JobQueue(engine).enqueue(
        kind,
        {**payload, "at": datetime.now(UTC).isoformat()},
        language=language,
        chat_id=message.chat.id,
        key=f"{kind}:{message.chat.id}:{message.message_id}",
    )


async def send_parts(bot: Bot, chat_id: int, parts: list[Part]) -> None:
    """Send a job's parts in order (texts without parse mode: they are plain)."""
    for part in parts:
        if part.kind == "photo":
            await bot.send_photo(chat_id, BufferedInputFile(part.file, part.filename), caption=part.text)
        elif part.kind == "document":
            await bot.send_document(chat_id, BufferedInputFile(part.file, part.filename), caption=part.text)
        else:
            await bot.send_message(chat_id, part.text, parse_mode=None)


async def _send(bot: Bot, job: FinishedJob) -> None:
    if job.status == "done":
        await send_parts(bot, job.chat_id, job.parts)
    else:
        language = language_of(job.language, "zh")
        await bot.send_message(job.chat_id, escape(t(language, "admin_job_failed", attempts=job.attempts)))


@dataclass
class JobDelivery:
    """Delivers finished jobs, each once (its row stays locked while it is sent)."""

    bot: Bot
    engine: AsyncEngine
    poll_seconds: float = POLL_SECONDS

    async def deliver_once(self) -> bool:
        """Deliver the oldest finished job; False when there was none."""
        queue = JobQueue(self.engine)
        async with queue.next_delivery() as found:
            if found is None:
                return False
            job, session = found
            try:
                await _send(self.bot, job)
            except (TelegramForbiddenError, TelegramBadRequest):
                # The admin blocked the bot or the chat is gone: sending again would fail the same way.
                logger.warning("job %s (%s) could not be delivered to its chat; dropped", job.id, job.kind)
            await queue.delivered(session, job.id)
            return True

    async def run_forever(self) -> None:
        """Deliver until cancelled; a failed pass (database, network) is retried on the next poll."""
        while True:
            try:
                while await self.deliver_once():
                    pass
            except Exception:
                logger.exception("delivering finished jobs failed; retrying")
            await asyncio.sleep(self.poll_seconds)

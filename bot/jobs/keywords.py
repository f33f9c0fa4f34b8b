"""Hot-spot keywords of a complaint, extracted by the worker once its ticket opened.

Keyword extraction needs jieba's IDF table and its part-of-speech dictionary (about 95 MB that
the chat process would otherwise hold for good); nobody waits for the keywords (they feed the
reports' hot spots and the exports), so the chat process queues this job in the transaction that
opens the ticket (`ComplaintRepository.queue_keywords`) and a worker fills them in.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from dialogs.i18n import Language
from storage.database import session_factory
from storage.jobs import Part
from storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bot.jobs.worker import JobContext

logger = logging.getLogger(__name__)


async def keywords_job(ctx: JobContext, payload: dict[str, Any], language: Language) -> list[Part]:
    """Extract and store one complaint's keywords; nothing to deliver."""
    from analysis.complaints import keywords

    complaint_id = int(payload["complaint_id"])
    async with session_factory(ctx.engine)() as session:
        complaint = await UnitOfWork(session).complaints.get(complaint_id)
        description = complaint.description if complaint is not None else ""
    if not description:
        return []  # gone or erased since it was queued: nothing to extract
    found = await asyncio.to_thread(keywords, description)
    async with session_factory(ctx.engine)() as session, session.begin():
        if not await UnitOfWork(session).complaints.set_keywords(complaint_id, description, found):
            logger.info("complaint %s changed before its keywords were stored; dropped", complaint_id)
    return []

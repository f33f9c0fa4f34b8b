"""A complaint's hot-spot keywords are extracted by a worker, queued in the transaction that stores it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.complaints import keywords
from bot.jobs.worker import JobContext, Worker
from dialogs.complaint_io import NewComplaint
from emulator.emulator import BotAPIEmulator
from storage.complaints import KEYWORDS_JOB
from storage.database import session_factory
from storage.models import Complaint, Job
from storage.unit_of_work import UnitOfWork
from tests.support.botapp import bot_settings

TEXT = "昨天在人民路营业厅排了一个多小时的队，窗口只开了一个，工作人员态度冷淡。"


def complaint(text: str) -> NewComplaint:
    return NewComplaint(text, "resources", 0.9, "resources", None, None, "medium", False, None)


async def open_and_queue(db: AsyncEngine, text: str, *, commit: bool = True) -> int:
    async with session_factory(db)() as session:
        uow = UnitOfWork(session)
        customer = await uow.respondents.touch(8101, "zh", None)
        opened = await uow.complaints.open_ticket(customer.id, "zh", complaint(text))
        await uow.complaints.queue_keywords(opened)
        if commit:
            await uow.commit()
        else:
            await session.rollback()
        return opened.id


async def stored(db: AsyncEngine) -> tuple[list[list[str]], list[tuple[str, str]]]:
    async with session_factory(db)() as session:
        found = list((await session.scalars(select(Complaint.keywords).order_by(Complaint.id))).all())
        jobs = (await session.execute(select(Job.kind, Job.status).order_by(Job.id))).all()
    return found, [(kind, status) for kind, status in jobs]


async def test_the_worker_stores_the_keywords_of_a_new_complaint(db: AsyncEngine) -> None:
    async with BotAPIEmulator() as emulator:
        worker = Worker(JobContext(db, db, bot_settings(emulator)))
        await open_and_queue(db, TEXT)
        assert await stored(db) == ([[]], [(KEYWORDS_JOB, "queued")])  # nobody waited for them
        await worker.run_once()
    found, jobs = await stored(db)
    assert found == [keywords(TEXT)] and "营业厅" in found[0]
    assert jobs == [(KEYWORDS_JOB, "done")]


async def test_no_job_without_a_text_or_without_the_complaint(db: AsyncEngine) -> None:
    await open_and_queue(db, "")
    await open_and_queue(db, TEXT, commit=False)  # the ticket's transaction rolled back: its job too
    assert await stored(db) == ([[]], [])


async def test_an_erased_complaint_gets_no_keywords(db: AsyncEngine) -> None:
    async with BotAPIEmulator() as emulator:
        worker = Worker(JobContext(db, db, bot_settings(emulator)))
        await open_and_queue(db, TEXT)
        async with session_factory(db)() as session:
            uow = UnitOfWork(session)
            customer = await uow.respondents.by_telegram_id(8101)
            assert customer is not None
            await uow.privacy.forget(customer.id)
            await uow.commit()
        await worker.run_once()
    assert await stored(db) == ([[]], [(KEYWORDS_JOB, "done")])

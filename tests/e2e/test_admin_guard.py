"""A customer who forges an admin button (callback data sent by a modified client) is refused by the
admin router's own filter and changes nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.callbacks import CampaignCb, SubscribeCb, TicketCb, TicketPageCb, WizardCb
from dialogs.complaint_io import NewComplaint
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import Complaint, TicketEvent
from storage.unit_of_work import UnitOfWork
from tests.support.botapp import RunningBot

CUSTOMER = 4101


async def test_forged_admin_buttons_are_refused_and_change_nothing(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    async with session_factory(db)() as session, session.begin():
        uow = UnitOfWork(session)
        someone = await uow.respondents.touch(5101, "zh", None)
        complaint = await uow.complaints.open_ticket(
            someone.id,
            "zh",
            NewComplaint("柜台态度很差", "personnel", 0.9, "personnel", None, None, "high", False, None),
        )
        ticket_id = complaint.id
    customer = emulator.customer(CUSTOMER)
    await customer.send("/start")
    message_id = customer.messages[-1].message_id
    forged = [
        TicketCb(action="close", id=ticket_id),
        TicketCb(action="assign_to", id=ticket_id, to=CUSTOMER),
        TicketCb(action="category_to", id=ticket_id, to=1),
        TicketPageCb(status="all", category="", overdue=False, page=1),
        SubscribeCb(frequency="daily"),
        WizardCb(v="all"),
        CampaignCb(action="paused", id=1),
    ]
    for data in forged:
        record = emulator.inject_callback(CUSTOMER, message_id, data.pack())
        await customer.wait_for(lambda r=record: r.answered, what=f"an answer to {data.pack()}")
        assert record.show_alert and "仅限管理员" in (record.answer_text or ""), data.pack()
    async with session_factory(db)() as session:
        stored = await session.get(Complaint, ticket_id)
        assert stored is not None
        assert (stored.status, stored.category, stored.assigned_to) == ("received", "personnel", None)
        actions = (
            await session.scalars(select(TicketEvent.action).where(TicketEvent.complaint_id == ticket_id))
        ).all()
        assert list(actions) == ["open"]

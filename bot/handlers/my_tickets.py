"""The customer's tickets: /mytickets, rating a resolution, reopening within the window."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CustomerTicketCb, MenuCb
from bot.config import Settings
from bot.tickets import category_name, change_status, local_time, status_name, tell_admins
from dialogs.follow_up import rerate_refusal
from dialogs.i18n import Language, t
from dialogs.tickets import TransitionError, ticket_number
from storage.customers import Customer
from storage.models import Complaint
from storage.unit_of_work import UnitOfWork


async def my_tickets(bot: Bot, chat_id: int, uow: UnitOfWork, customer: Customer, settings: Settings) -> None:
    """List the customer's newest tickets with their status."""
    language = customer.language
    complaints = await uow.complaints.of_respondent(customer.id)
    await uow.commit()
    if not complaints:
        await bot.send_message(chat_id, escape(t(language, "my_tickets_empty")))
        return
    lines = [t(language, "my_tickets_title")]
    lines += [
        t(
            language,
            "my_ticket_line",
            ticket=ticket_number(c.id),
            status=status_name(c.status, language),
            category=category_name(c.category, language),
            created=local_time(c.created_at, settings.timezone),
        )
        for c in complaints
    ]
    await bot.send_message(chat_id, escape("\n".join(lines)))


async def my_tickets_command(
    message: Message, bot: Bot, uow: UnitOfWork, customer: Customer, settings: Settings
) -> None:
    """/mytickets."""
    await my_tickets(bot, message.chat.id, uow, customer, settings)


async def my_tickets_button(
    query: CallbackQuery, bot: Bot, uow: UnitOfWork, customer: Customer, settings: Settings
) -> None:
    """The menu's 'my tickets' button."""
    await query.answer()
    await my_tickets(bot, query.from_user.id, uow, customer, settings)


async def ticket_feedback(
    query: CallbackQuery,
    callback_data: CustomerTicketCb,
    bot: Bot,
    uow: UnitOfWork,
    customer: Customer,
    language: Language,
    settings: Settings,
) -> None:
    """Rate a resolved ticket (once), re-rate the service after a follow-up case (once), or reopen
    a resolved ticket within the window."""
    complaint = await uow.complaints.get(callback_data.id, for_update=True)
    if complaint is None or complaint.respondent_id != customer.id:
        await query.answer(t(language, "old_button_finished"))
        return
    number = ticket_number(complaint.id)
    if callback_data.action == "rerate":
        await _rerate(query, callback_data.v, bot, uow, complaint, language, settings)
        return
    if callback_data.action == "rate":
        if (
            complaint.status != "resolved"
            or complaint.resolution_rating is not None
            or not 1 <= callback_data.v <= 5
        ):
            await query.answer(t(language, "ticket_already_rated"))
            return
        await uow.complaints.rate(complaint, callback_data.v)
        await uow.commit()
        await query.answer(t(language, "ticket_rated"))
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=None)
        await bot.send_message(query.from_user.id, escape(t(language, "ticket_rated")))
        return
    try:
        await change_status(uow, complaint, "reopen", settings, actor_id=None, admin=False)
    except TransitionError as error:
        await query.answer(t(language, error.key, **error.values), show_alert=True)
        return
    await uow.commit()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await bot.send_message(query.from_user.id, escape(t(language, "ticket_reopened", ticket=number)))
    await tell_admins(bot, uow, settings, "admin_customer_reopened", markup_for=complaint.id, ticket=number)


async def _rerate(
    query: CallbackQuery,
    value: int,
    bot: Bot,
    uow: UnitOfWork,
    case: Complaint,
    language: Language,
    settings: Settings,
) -> None:
    """The customer's one re-rating of the service once the follow-up case is dealt with."""
    refusal = rerate_refusal(case.kind, case.status, case.rerating, value)
    if refusal is not None:
        await query.answer(t(language, refusal), show_alert=True)
        return
    await uow.complaints.rerate(case, value)
    await uow.commit()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    before = str(case.rating_before)
    rating = t(language, f"rerate_option_{value}")
    await bot.send_message(
        query.from_user.id, escape(t(language, "case_rerated", rating=rating, before=before))
    )
    number = ticket_number(case.id)
    await tell_admins(
        bot,
        uow,
        settings,
        "admin_customer_rerated",
        markup_for=case.id,
        ticket=number,
        before=before,
        after=str(value),
    )


def create_router() -> Router:
    """The customer's ticket handlers, as a new Router (one per Dispatcher)."""
    router = Router(name="my_tickets")
    router.message.register(my_tickets_command, Command("mytickets"))
    router.callback_query.register(my_tickets_button, MenuCb.filter(F.action == "tickets"))
    router.callback_query.register(ticket_feedback, CustomerTicketCb.filter())
    return router

"""Admins work tickets: /tickets (filtered, paged), /ticket N, and the buttons under a ticket.

Only users in ADMIN_IDS reach these handlers (the admin parent router in handlers/admin.py).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from html import escape
from typing import cast

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.callbacks import TicketCb, TicketPageCb
from bot.config import Settings
from bot.filters import in_flow
from bot.follow_ups import case_lines
from bot.tickets import (
    category_name,
    change_status,
    customer_of,
    notify_status,
    status_name,
    tell_admin,
    tell_customer,
    ticket_actions,
    ticket_view,
)
from dialogs.conversation import TICKET_REPLY, TICKET_RESOLVE, Conversation
from dialogs.i18n import Language, t
from dialogs.terms import CATEGORIES
from dialogs.tickets import STATUSES, Action, TransitionError, parse_ticket_number, ticket_number
from storage.complaints import TicketFilter
from storage.models import Complaint
from storage.unit_of_work import UnitOfWork

PAGE_SIZE = 8
REPLY_FLOW, RESOLVE_FLOW = TICKET_REPLY, TICKET_RESOLVE
STATUS_ACTIONS = ("acknowledge", "start", "reopen", "close")
KIND_WORDS = {"cases": "follow_up", "followup": "follow_up", "complaints": "complaint"}
# Buttons whose action is completed by the admin's next message.
TEXT_ACTIONS = (REPLY_FLOW.removeprefix("ticket_"), RESOLVE_FLOW.removeprefix("ticket_"))


def parse_filter(args: str | None) -> TicketFilter | None:
    """'/tickets open process overdue' → a filter; None when a word is not understood."""
    status: str | None = "open"
    category: str | None = None
    overdue = False
    kind: str | None = None
    for word in (args or "").lower().split():
        if word in KIND_WORDS:
            kind = KIND_WORDS[word]
        elif word == "all":
            status = None
        elif word == "open" or word in STATUSES:
            status = word
        elif word in CATEGORIES:
            category = word
        elif word == "overdue":
            overdue = True
        else:
            return None
    return TicketFilter(status=status, category=category, overdue_only=overdue, kind=kind)


async def tickets_command(
    message: Message, command: CommandObject, uow: UnitOfWork, language: Language, settings: Settings
) -> None:
    """/tickets [status] [category] [overdue]."""
    wanted = parse_filter(command.args)
    if wanted is None:
        await message.answer(escape(t(language, "admin_tickets_usage")))
        return
    text, markup = await _page(uow, settings, wanted, 0, language)
    await uow.commit()
    await message.answer(text, reply_markup=markup)


async def tickets_page(
    query: CallbackQuery,
    callback_data: TicketPageCb,
    uow: UnitOfWork,
    language: Language,
    settings: Settings,
) -> None:
    """The ◀ ▶ buttons under /tickets."""
    wanted = TicketFilter(
        callback_data.status or None,
        callback_data.category or None,
        callback_data.overdue,
        callback_data.kind or None,
    )
    text, markup = await _page(uow, settings, wanted, callback_data.page, language)
    await uow.commit()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


async def _page(
    uow: UnitOfWork, settings: Settings, wanted: TicketFilter, page: int, language: Language
) -> tuple[str, InlineKeyboardMarkup | None]:
    now = datetime.now(UTC)
    tickets, total = await uow.complaints.page(
        wanted, settings.slas(), now, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    overdue_ids = {c.id for c in await uow.complaints.overdue(settings.slas(), now)}
    label = _filter_label(wanted, language)
    if total == 0:
        return escape(t(language, "admin_tickets_empty", filter=label)), None
    pages = math.ceil(total / PAGE_SIZE)
    lines = [
        t(
            language,
            "admin_tickets_title",
            filter=label,
            total=str(total),
            page=str(page + 1),
            pages=str(pages),
        )
    ]
    lines += [_line(c, c.id in overdue_ids, language) for c in tickets]
    rows = [
        [
            InlineKeyboardButton(
                text=ticket_number(c.id), callback_data=TicketCb(action="view", id=c.id).pack()
            )
        ]
        for c in tickets
    ]
    navigation = []
    for target, key in ((page - 1, "admin_btn_prev"), (page + 1, "admin_btn_next")):
        if 0 <= target < pages:
            data = TicketPageCb(
                status=wanted.status or "",
                category=wanted.category or "",
                overdue=wanted.overdue_only,
                page=target,
                kind=wanted.kind or "",
            )
            navigation.append(InlineKeyboardButton(text=t(language, key), callback_data=data.pack()))
    if navigation:
        rows.append(navigation)
    return escape("\n".join(lines)), InlineKeyboardMarkup(inline_keyboard=rows)


def _line(complaint: Complaint, overdue: bool, language: Language) -> str:
    marks = t(language, "admin_case_mark") if complaint.kind == "follow_up" else ""
    marks += t(language, "admin_overdue_mark") if overdue else ""
    return t(
        language,
        "admin_ticket_line",
        ticket=ticket_number(complaint.id),
        status=status_name(complaint.status, language),
        category=category_name(complaint.category, language),
        severity=t(language, f"complaint_severity_{complaint.severity}"),
        overdue=marks,
    )


def _filter_label(wanted: TicketFilter, language: Language) -> str:
    parts = [
        t(language, "admin_filter_all")
        if wanted.status is None
        else t(language, "admin_filter_open")
        if wanted.status == "open"
        else status_name(wanted.status, language)
    ]
    if wanted.category:
        parts.append(category_name(wanted.category, language))
    if wanted.overdue_only:
        parts.append(t(language, "admin_filter_overdue"))
    if wanted.kind:
        parts.append(t(language, f"admin_filter_{wanted.kind}"))
    return " · ".join(parts)


async def ticket_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    uow: UnitOfWork,
    language: Language,
    settings: Settings,
) -> None:
    """/ticket N: the full thread with action buttons."""
    number = parse_ticket_number(command.args or "")
    if number is None:
        await message.answer(escape(t(language, "admin_ticket_usage")))
        return
    await _show(bot, message.chat.id, uow, number, language, settings)


async def _show(
    bot: Bot, chat_id: int, uow: UnitOfWork, number: int, language: Language, settings: Settings
) -> None:
    complaint = await uow.complaints.get(number)
    if complaint is None:
        await uow.commit()
        await bot.send_message(
            chat_id, escape(t(language, "admin_ticket_not_found", ticket=ticket_number(number)))
        )
        return
    text = await _ticket_text(uow, complaint, language, settings)
    await uow.commit()
    markup = ticket_actions(complaint.id, language, complaint.status)
    await bot.send_message(chat_id, text[:4096], reply_markup=markup)


async def view_button(
    query: CallbackQuery,
    callback_data: TicketCb,
    bot: Bot,
    uow: UnitOfWork,
    language: Language,
    settings: Settings,
) -> None:
    """A ticket number in the /tickets list: show its card."""
    await query.answer()
    await _show(bot, query.from_user.id, uow, callback_data.id, language, settings)


async def _ticket(
    query: CallbackQuery, uow: UnitOfWork, ticket_id: int, language: Language
) -> Complaint | None:
    """The pressed ticket, locked for the change; None (and the admin told) when it is gone."""
    complaint = await uow.complaints.get(ticket_id, for_update=True)
    if complaint is None:
        await query.answer(t(language, "admin_ticket_not_found", ticket=ticket_number(ticket_id)))
    return complaint


async def text_action_button(
    query: CallbackQuery,
    callback_data: TicketCb,
    bot: Bot,
    uow: UnitOfWork,
    language: Language,
    conversation: Conversation,
) -> None:
    """💬 reply / ✅ resolve: ask for the text that the admin's next message carries."""
    complaint = await _ticket(query, uow, callback_data.id, language)
    if complaint is None:
        return
    conversation.ticket_action = complaint.id
    conversation.flow = f"ticket_{callback_data.action}"
    await uow.commit()
    await query.answer()
    prompt = t(language, f"admin_{callback_data.action}_prompt", ticket=ticket_number(complaint.id))
    await bot.send_message(query.from_user.id, escape(prompt))


async def attachments_button(
    query: CallbackQuery, callback_data: TicketCb, bot: Bot, uow: UnitOfWork, language: Language
) -> None:
    """📎: send the complaint's files to the admin."""
    complaint = await _ticket(query, uow, callback_data.id, language)
    if complaint is None:
        return
    files = await uow.complaints.attachments(complaint.id)
    await uow.commit()
    await query.answer()
    for attachment in files:
        await _send_file(bot, query.from_user.id, attachment.kind, attachment.file_id)


async def assign_button(
    query: CallbackQuery,
    callback_data: TicketCb,
    bot: Bot,
    uow: UnitOfWork,
    language: Language,
    settings: Settings,
) -> None:
    """👤 assign: offer the admins to choose from."""
    complaint = await _ticket(query, uow, callback_data.id, language)
    if complaint is None:
        return
    await uow.commit()
    await query.answer()
    await bot.send_message(
        query.from_user.id,
        escape(t(language, "admin_assign_prompt", ticket=ticket_number(complaint.id))),
        reply_markup=await _admin_picker(uow, settings, complaint.id),
    )


async def assign_to_button(
    query: CallbackQuery,
    callback_data: TicketCb,
    bot: Bot,
    uow: UnitOfWork,
    language: Language,
    settings: Settings,
) -> None:
    """An admin picked from the assign list (only a configured admin can be assigned)."""
    if not settings.is_admin(callback_data.to):
        await query.answer()
        return
    complaint = await _ticket(query, uow, callback_data.id, language)
    if complaint is None:
        return
    number = ticket_number(complaint.id)
    await uow.complaints.assign(complaint, callback_data.to, by=query.from_user.id)
    await uow.commit()
    await query.answer(t(language, "admin_assigned", ticket=number, assignee=str(callback_data.to)))
    if callback_data.to != query.from_user.id:
        await tell_admin(
            bot, uow, settings, callback_data.to, "admin_assigned_to_you", complaint.id, ticket=number
        )


async def status_button(
    query: CallbackQuery,
    callback_data: TicketCb,
    bot: Bot,
    uow: UnitOfWork,
    language: Language,
    settings: Settings,
) -> None:
    """受理 / 开始处理 / 重新打开 / 关闭: change the status, turn the card, tell the customer."""
    complaint = await _ticket(query, uow, callback_data.id, language)
    if complaint is None:
        return
    number = ticket_number(complaint.id)
    try:
        action = cast(Action, callback_data.action)  # the router's filter admitted only STATUS_ACTIONS
        await change_status(uow, complaint, action, settings, actor_id=query.from_user.id, admin=True)
    except TransitionError as error:
        await query.answer(t(language, error.key, **error.values), show_alert=True)
        return
    customer = await customer_of(uow, complaint)
    view = await _ticket_text(uow, complaint, language, settings)
    await uow.commit()
    await query.answer(
        t(language, "admin_done", ticket=number, status=status_name(complaint.status, language))
    )
    await _turn_card(bot, query, view, ticket_actions(complaint.id, language, complaint.status))
    if not await notify_status(bot, customer, complaint, None):
        await bot.send_message(
            query.from_user.id, escape(t(language, "admin_customer_unreachable", ticket=number))
        )


async def stale_button(query: CallbackQuery) -> None:
    """A button whose action this version no longer has (an old card): acknowledge, change nothing."""
    await query.answer()


async def _ticket_text(uow: UnitOfWork, complaint: Complaint, language: Language, settings: Settings) -> str:
    """The full ticket (with a follow-up case's rating, reasons and deadlines) as an admin sees it."""
    events = await uow.complaints.events(complaint.id)
    attachments = await uow.complaints.attachments(complaint.id)
    case = await case_lines(uow, complaint, language, settings)
    return ticket_view(complaint, events, len(attachments), language, settings.timezone, case)


async def _turn_card(bot: Bot, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    """Show the ticket as it now is, with the buttons legal now, on the card that was pressed."""
    message = query.message
    if message is None:
        return
    try:
        await bot.edit_message_text(
            text[:4096], chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
        )
    except TelegramBadRequest:  # too old or deleted: the admin gets the card anew
        await bot.send_message(message.chat.id, text[:4096], reply_markup=markup)


async def _admin_picker(uow: UnitOfWork, settings: Settings, complaint_id: int) -> InlineKeyboardMarkup:
    """One button per configured admin, named as Telegram knows them."""
    rows = []
    for admin_id in sorted(settings.admin_ids):
        known = await uow.respondents.by_telegram_id(admin_id)
        label = f"{known.first_name} ({admin_id})" if known and known.first_name else str(admin_id)
        data = TicketCb(action="assign_to", id=complaint_id, to=admin_id).pack()
        rows.append([InlineKeyboardButton(text=label, callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _send_file(bot: Bot, chat_id: int, kind: str, file_id: str) -> None:
    if kind == "photo":
        await bot.send_photo(chat_id, file_id)
    elif kind == "voice":
        await bot.send_voice(chat_id, file_id)
    elif kind == "video":
        await bot.send_video(chat_id, file_id)
    else:
        await bot.send_document(chat_id, file_id)


async def admin_text(
    message: Message,
    bot: Bot,
    uow: UnitOfWork,
    language: Language,
    conversation: Conversation,
    settings: Settings,
) -> None:
    """The reply or resolution note an admin was asked to type."""
    text = (message.text or "").strip()
    if not text:
        await message.answer(escape(t(language, "type_your_answer")))
        return
    flow = conversation.flow
    complaint = await uow.complaints.get(conversation.ticket_action or 0, for_update=True)
    conversation.ticket_action = None
    conversation.leave()
    if complaint is None:
        await uow.commit()
        return
    number = ticket_number(complaint.id)
    customer = await customer_of(uow, complaint)
    if flow == RESOLVE_FLOW:
        note = None if text == "/skip" else text
        try:
            await change_status(
                uow, complaint, "resolve", settings, actor_id=message.chat.id, admin=True, note=note
            )
        except TransitionError as error:
            await uow.commit()
            await message.answer(escape(t(language, error.key, **error.values)))
            return
        await uow.commit()
        delivered = await notify_status(bot, customer, complaint, note)
        await message.answer(
            escape(t(language, "admin_done", ticket=number, status=status_name(complaint.status, language)))
        )
    else:
        await uow.complaints.record(
            complaint, actor_role="admin", actor_id=message.chat.id, action="reply", note=text
        )
        await uow.commit()
        reply = t(customer.language, "ticket_reply_to_customer", ticket=number, text=text)
        delivered = await tell_customer(bot, customer, escape(reply))
        await message.answer(escape(t(language, "admin_reply_sent", ticket=number)))
    if not delivered:
        await message.answer(escape(t(language, "admin_customer_unreachable", ticket=number)))


def create_router() -> Router:
    """Ticket handlers; the admin parent router (handlers/admin.py) admits only ADMIN_IDS."""
    router = Router(name="admin_tickets")
    router.message.register(tickets_command, Command("tickets"))
    router.message.register(ticket_command, Command("ticket"))
    router.callback_query.register(tickets_page, TicketPageCb.filter())
    router.callback_query.register(view_button, TicketCb.filter(F.action == "view"))
    router.callback_query.register(text_action_button, TicketCb.filter(F.action.in_(TEXT_ACTIONS)))
    router.callback_query.register(attachments_button, TicketCb.filter(F.action == "attachments"))
    router.callback_query.register(assign_button, TicketCb.filter(F.action == "assign"))
    router.callback_query.register(assign_to_button, TicketCb.filter(F.action == "assign_to"))
    router.callback_query.register(status_button, TicketCb.filter(F.action.in_(STATUS_ACTIONS)))
    router.callback_query.register(stale_button, TicketCb.filter())
    router.message.register(admin_text, in_flow(REPLY_FLOW))
    router.message.register(admin_text, in_flow(RESOLVE_FLOW))
    return router

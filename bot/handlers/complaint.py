"""The customer's complaint conversation: /complain, the menu button, messages and buttons of a draft."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import ComplaintCb, MenuCb
from bot.complaints import FLOW, advance, begin, draft_of, send_step
from bot.config import Settings
from bot.filters import in_flow, message_kind, not_a_command
from bot.metrics import Metrics
from bot.tickets import category_name, dimension_name, tell_admins
from dialogs.complaint_flow import (
    ATTACHMENT_KINDS,
    Cancel,
    ComplaintFlow,
    ComplaintInput,
    Contact,
    Done,
    Media,
    Press,
    Text,
    excerpt,
)
from dialogs.conversation import Conversation
from dialogs.i18n import Language, t
from dialogs.tickets import promised_hours, ticket_number
from storage.customers import Customer
from storage.models import Complaint
from storage.unit_of_work import UnitOfWork


async def complain_command(
    message: Message,
    bot: Bot,
    uow: UnitOfWork,
    language: Language,
    conversation: Conversation,
    complaint_flow: ComplaintFlow,
) -> None:
    """/complain: start describing what happened."""
    await _start(bot, message.chat.id, uow, language, conversation, complaint_flow, source=None)


async def complain_button(
    query: CallbackQuery,
    bot: Bot,
    uow: UnitOfWork,
    language: Language,
    conversation: Conversation,
    complaint_flow: ComplaintFlow,
) -> None:
    """The menu's complaint button (also offered after a survey with low ratings)."""
    await query.answer()
    source = conversation.survey_response_id
    await _start(bot, query.from_user.id, uow, language, conversation, complaint_flow, source=source)


async def _start(
    bot: Bot,
    chat_id: int,
    uow: UnitOfWork,
    language: Language,
    conversation: Conversation,
    flow: ComplaintFlow,
    source: int | None,
) -> None:
    step = begin(flow, conversation, source)
    await uow.commit()
    await send_step(bot, chat_id, step, language, previous_step=None)


async def complaint_message(
    message: Message,
    bot: Bot,
    uow: UnitOfWork,
    customer: Customer,
    conversation: Conversation,
    complaint_flow: ComplaintFlow,
    settings: Settings,
    metrics: Metrics,
) -> None:
    """Text, photos, voice notes or a shared contact while a complaint draft is open."""
    event = _event_of(message)
    await _advance(
        bot, message.chat.id, uow, customer, conversation, complaint_flow, settings, metrics, event
    )


async def complaint_button(
    query: CallbackQuery,
    callback_data: ComplaintCb,
    bot: Bot,
    uow: UnitOfWork,
    customer: Customer,
    language: Language,
    conversation: Conversation,
    complaint_flow: ComplaintFlow,
    settings: Settings,
    metrics: Metrics,
) -> None:
    """A button of the complaint conversation; buttons of an older draft or step change nothing."""
    draft = draft_of(conversation)
    if draft is None or draft.draft_id != callback_data.d or draft.step != callback_data.s:
        await query.answer(t(language, "complaint_old_button"))
        return
    await query.answer()
    if isinstance(query.message, Message):
        await _keep_the_choice(query.message, _pressed_label(query), language)
    event: ComplaintInput = Press(callback_data.s, callback_data.v)
    if callback_data.v == "done":
        event = Done()
    elif callback_data.v == "cancel":
        event = Cancel()
    await _advance(
        bot, query.from_user.id, uow, customer, conversation, complaint_flow, settings, metrics, event
    )


def _pressed_label(query: CallbackQuery) -> str | None:
    """The text of the button that was pressed, from the message it was on."""
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


async def _keep_the_choice(message: Message, label: str | None, language: Language) -> None:
    """The step's buttons go, and the step keeps a line saying what was chosen."""
    if label is None:
        await message.edit_reply_markup(reply_markup=None)
        return
    chosen = escape(t(language, "complaint_chosen", choice=label))
    await message.edit_text(f"{message.html_text}\n\n<i>{chosen}</i>", reply_markup=None)


async def _advance(
    bot: Bot,
    chat_id: int,
    uow: UnitOfWork,
    customer: Customer,
    conversation: Conversation,
    flow: ComplaintFlow,
    settings: Settings,
    metrics: Metrics,
    event: ComplaintInput,
) -> None:
    language = customer.language
    draft = draft_of(conversation)
    if draft is None:
        return
    step, opened = await advance(flow, uow, customer, draft, event, conversation)
    await uow.commit()
    if opened is None:
        await send_step(bot, chat_id, step, language, previous_step=draft.step)
        return
    metrics.complaints.inc()
    hours = promised_hours(opened.severity, settings.slas())
    number = ticket_number(opened.id)
    await send_step(bot, chat_id, step, language, previous_step=draft.step)
    await bot.send_message(
        chat_id, escape(t(language, "complaint_submitted", ticket=number, hours=str(hours)))
    )
    await _alert_admins(bot, uow, settings, opened)


async def _alert_admins(bot: Bot, uow: UnitOfWork, settings: Settings, complaint: Complaint) -> None:
    """A severe complaint reaches every admin at once; the others wait in /tickets."""
    if complaint.severity != "high":
        return
    language: Language = settings.default_language
    await tell_admins(
        bot,
        uow,
        settings,
        "admin_new_severe",
        markup_for=complaint.id,
        ticket=ticket_number(complaint.id),
        category=category_name(complaint.category, language),
        dimension=dimension_name(complaint.dimension, language),
        excerpt=excerpt(complaint.description, 300),
    )


def _event_of(message: Message) -> ComplaintInput:
    kind = message_kind(message)
    if kind == "text":
        return Text(message.text or "")
    if kind == "contact" and message.contact is not None:
        return Contact(message.contact.phone_number)
    if kind in ATTACHMENT_KINDS:
        return Media(kind, _file_id(message, kind), caption=message.caption or "")
    return Media(kind, "", caption="")  # unsupported kinds get the flow's kind re-prompt


def _file_id(message: Message, kind: str) -> str:
    if kind == "photo" and message.photo:
        return message.photo[-1].file_id
    media = getattr(message, kind, None)
    return str(getattr(media, "file_id", ""))


def create_router() -> Router:
    """The complaint handlers, as a new Router (one per Dispatcher)."""
    router = Router(name="complaint")
    router.message.register(complain_command, Command("complain"))
    router.callback_query.register(complain_button, MenuCb.filter(F.action == "complain"))
    router.callback_query.register(complaint_button, ComplaintCb.filter())
    router.message.register(complaint_message, in_flow(FLOW), not_a_command)
    return router

"""Ticket work shared by the admin and customer handlers: status changes and who is told about them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CustomerTicketCb, TicketCb
from bot.config import Settings
from dialogs.complaint_flow import excerpt
from dialogs.follow_up import RERATE_STATUSES, RERATE_VALUES
from dialogs.i18n import Language, language_of, t
from dialogs.tickets import Action, Status, staff_actions, ticket_number, transition
from storage.customers import Customer
from storage.models import Complaint, TicketEvent
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)
TIME_FORMAT = "%Y-%m-%d %H:%M"


async def change_status(
    uow: UnitOfWork,
    complaint: Complaint,
    action: Action,
    settings: Settings,
    *,
    actor_id: int | None,
    admin: bool,
    note: str | None = None,
) -> Status:
    """Apply `action` if the ticket rules allow it (TransitionError otherwise) and record the event."""
    new = transition(
        complaint.status,  # type: ignore[arg-type]
        action,
        admin,
        datetime.now(UTC),
        complaint.resolved_at,
        timedelta(days=settings.reopen_window_days),
    )
    await uow.complaints.record(
        complaint,
        actor_role="admin" if admin else "customer",
        actor_id=actor_id,
        action=action,
        to_status=new,
        note=note,
    )
    return new


async def customer_of(uow: UnitOfWork, complaint: Complaint) -> Customer:
    """The customer who filed the complaint."""
    return await uow.respondents.customer(complaint.respondent_id)


async def tell_customer(
    bot: Bot, customer: Customer, text: str, markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Message the customer; False when they blocked the bot."""
    try:
        await bot.send_message(customer.telegram_id, text, reply_markup=markup)
    except TelegramForbiddenError:
        logger.info("customer %s blocked the bot", customer.id)
        return False
    return True


async def notify_status(bot: Bot, customer: Customer, complaint: Complaint, note: str | None) -> bool:
    """Tell the customer the new status (with the admin's note); once resolved, ask for a rating of
    the resolution, or, for a follow-up case, offer the one re-rating of the service."""
    language = customer.language
    number = ticket_number(complaint.id)
    text = t(language, "ticket_status_changed", ticket=number, status=status_name(complaint.status, language))
    if note:
        text += t(language, "ticket_note", text=note)
    markup = None
    if complaint.kind == "follow_up":
        if complaint.status in RERATE_STATUSES and complaint.rerating is None:
            text += "\n\n" + t(language, "case_resolved_rerate")
            markup = rerate_keyboard(complaint.id, language, reopen=complaint.status == "resolved")
    elif complaint.status == "resolved":
        text += "\n\n" + t(language, "ticket_rate_prompt")
        markup = rating_keyboard(complaint.id, language)
    return await tell_customer(bot, customer, escape(text), markup)


def rerate_keyboard(case_id: int, language: Language, *, reopen: bool = False) -> InlineKeyboardMarkup:
    """1–5 to rate the service once more, one per row, and (while resolved) the reopen button."""
    rows = [
        [
            InlineKeyboardButton(
                text=t(language, f"rerate_option_{value}"),
                callback_data=CustomerTicketCb(action="rerate", id=case_id, v=value).pack(),
            )
        ]
        for value in RERATE_VALUES
    ]
    if reopen:
        rows.append([_reopen_button(case_id, language)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _reopen_button(complaint_id: int, language: Language) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t(language, "ticket_btn_reopen"),
        callback_data=CustomerTicketCb(action="reopen", id=complaint_id).pack(),
    )


def rating_keyboard(complaint_id: int, language: Language) -> InlineKeyboardMarkup:
    """1–5 stars for the resolution, and a reopen button."""
    stars = [
        InlineKeyboardButton(
            text=f"{value} ⭐", callback_data=CustomerTicketCb(action="rate", id=complaint_id, v=value).pack()
        )
        for value in range(1, 6)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[stars, [_reopen_button(complaint_id, language)]])


async def tell_admin(
    bot: Bot,
    uow: UnitOfWork,
    settings: Settings,
    admin_id: int,
    key: str,
    markup_for: int | None,
    **values: str,
) -> None:
    """Send an admin message to one admin in their language (a failure is logged, not raised)."""
    admin = await uow.respondents.by_telegram_id(admin_id)
    language = language_of(admin.language if admin else None, settings.default_language)
    markup = None
    if markup_for is not None:
        complaint = await uow.complaints.get(markup_for)
        markup = ticket_actions(markup_for, language, complaint.status if complaint else None)
    try:
        await bot.send_message(admin_id, escape(t(language, key, **values)), reply_markup=markup)
    except Exception as error:  # an admin who never opened the bot must not stop the others
        logger.warning("could not notify admin %s: %s", admin_id, type(error).__name__)


async def tell_admins(
    bot: Bot, uow: UnitOfWork, settings: Settings, key: str, markup_for: int | None = None, **values: str
) -> None:
    """Send an admin message to every configured admin, each in their own language."""
    for admin_id in sorted(settings.admin_ids):
        await tell_admin(bot, uow, settings, admin_id, key, markup_for, **values)


def ticket_actions(complaint_id: int, language: Language, status: str | None = None) -> InlineKeyboardMarkup:
    """The admin's buttons under a ticket: only the status changes legal in ``status``."""

    def button(action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=t(language, f"admin_btn_{action}"),
            callback_data=TicketCb(action=action, id=complaint_id).pack(),
        )

    moves = staff_actions(status or "received")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(action) for action in moves],
            [button("assign"), button("reply")],
            [button("attachments"), button("category")],
        ]
    )


def status_name(status: str, language: Language) -> str:
    """A status in words."""
    return t(language, f"ticket_status_{status}")


def category_name(category: str | None, language: Language) -> str:
    """A category in words."""
    return t(language, f"complaint_category_{category or 'other'}")


def dimension_name(dimension: str | None, language: Language) -> str:
    """A dimension in words."""
    return t(language, f"complaint_dimension_{dimension or 'unsure'}")


def ticket_view(
    complaint: Complaint,
    events: Iterable[TicketEvent],
    attachments: int,
    language: Language,
    tz_offset: str,
    case_lines: str | None = None,
) -> str:
    """The full ticket for an admin: header, description, a follow-up case's rating and deadlines
    (`case_lines`), and history (escaped for HTML)."""
    if not complaint.wants_contact:
        contact = t(language, "admin_no_contact")
    else:
        contact = complaint.phone or t(language, "admin_contact_chat")
    text = t(
        language,
        "admin_ticket_header",
        ticket=ticket_number(complaint.id),
        status=status_name(complaint.status, language),
        created=local_time(complaint.created_at, tz_offset),
        category=category_name(complaint.category, language),
        category_auto=category_name(complaint.category_auto, language),
        confidence=f"{complaint.category_confidence:.0%}",
        dimension=dimension_name(complaint.dimension, language),
        dimension_auto=dimension_name(complaint.dimension_auto, language),
        severity=t(language, f"complaint_severity_{complaint.severity}"),
        contact=contact,
        assignee=str(complaint.assigned_to) if complaint.assigned_to else t(language, "admin_nobody"),
        attachments=str(attachments),
        description=excerpt(complaint.description, 1500) or t(language, "complaint_no_text"),
    )
    lines = [text]
    if case_lines:
        lines.append(case_lines)
    if complaint.classifier_version:
        lines.append(classifier_line(complaint, language))
    lines.append(t(language, "admin_ticket_history"))
    for event in events:
        actor = (
            t(language, "admin_actor_admin", id=str(event.actor_id))
            if event.actor_role == "admin"
            else t(language, f"admin_actor_{event.actor_role}")
        )
        change = ""
        if event.to_status and event.to_status != event.from_status:
            before = status_name(event.from_status, language) + " → " if event.from_status else ""
            change = f" ({before}{status_name(event.to_status, language)})"
        note = f" — {excerpt(event.note, 200)}" if event.note else ""
        lines.append(
            t(
                language,
                "admin_event_line",
                at=local_time(event.at, tz_offset),
                actor=actor,
                action=t(language, f"admin_action_{event.action}"),
                change=change,
                note=note,
            )
        )
    return escape("\n".join(lines))


def classifier_line(complaint: Complaint, language: Language) -> str:
    """What the classifier based its category on, a second likely cause, and its version."""
    separator = t(language, "list_separator")
    secondary = complaint.category_secondary
    return t(
        language,
        "admin_ticket_classifier",
        evidence=separator.join(complaint.category_evidence) or "—",
        secondary=category_name(secondary, language) if secondary else "—",
        version=complaint.classifier_version or "—",
    )


def local_time(moment: datetime, timezone: str) -> str:
    """A timestamp in the operator's time zone, to the minute."""
    return moment.astimezone(ZoneInfo(timezone)).strftime(TIME_FORMAT)

"""Admins and the complaint classifier: correcting a ticket's category, and /classifier.

This router comes before admin_tickets, whose ticket-button handler takes every other TicketCb.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.callbacks import TicketCb
from bot.tickets import category_name
from dialogs.i18n import Language, t
from dialogs.terms import CATEGORIES
from dialogs.tickets import ticket_number
from storage.unit_of_work import UnitOfWork

CATEGORY_ACTIONS = frozenset({"category", "category_to"})


async def category_button(
    query: CallbackQuery, callback_data: TicketCb, bot: Bot, uow: UnitOfWork, language: Language
) -> None:
    """🏷 on a ticket: offer the categories; a pick changes the ticket and is kept as a label."""
    complaint = await uow.complaints.get(callback_data.id, for_update=True)
    if complaint is None:
        await uow.commit()
        await query.answer(t(language, "admin_ticket_not_found", ticket=ticket_number(callback_data.id)))
        return
    number = ticket_number(complaint.id)
    if callback_data.action == "category":
        await uow.commit()
        await query.answer()
        await bot.send_message(
            query.from_user.id,
            escape(t(language, "admin_category_prompt", ticket=number)),
            reply_markup=_category_picker(complaint.id, complaint.category, language),
        )
        return
    if not 0 <= callback_data.to < len(CATEGORIES):
        await uow.commit()
        await query.answer()
        return
    chosen = CATEGORIES[callback_data.to]
    if chosen != complaint.category:
        await uow.complaints.recategorise(complaint, chosen, by=query.from_user.id)
    await uow.commit()
    done = t(language, "admin_category_changed", ticket=number, category=category_name(chosen, language))
    await query.answer(done)
    if query.message is not None:
        chat, message_id = query.from_user.id, query.message.message_id
        await bot.edit_message_text(escape(done), chat_id=chat, message_id=message_id)


def _category_picker(complaint_id: int, current: str, language: Language) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=("✓ " if category == current else "") + category_name(category, language),
                callback_data=TicketCb(action="category_to", id=complaint_id, to=index).pack(),
            )
        ]
        for index, category in enumerate(CATEGORIES)
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def classifier_command(message: Message, uow: UnitOfWork, language: Language) -> None:
    """/classifier: the model in use, its measured accuracy, and the labels people gave."""
    from analysis.complaints import active_model  # the shipped model file is read on first use

    now = datetime.now(UTC)
    stats = await uow.classifier.stats(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    await uow.commit()
    model = active_model()
    if stats.active is not None and stats.active.version == model.version:
        measured = t(
            language,
            "admin_classifier_deployment",
            before=f"{stats.active.accuracy_before:.0%}",
            after=f"{stats.active.accuracy_after:.0%}",
            corrections=str(stats.active.corrections),
        )
    else:
        accuracy = model.meta.get("held_out_accuracy")
        measured = t(
            language,
            "admin_classifier_shipped",
            accuracy=f"{accuracy:.0%}" if isinstance(accuracy, float) else "—",
        )
    text = t(
        language,
        "admin_classifier",
        version=model.version,
        measured=measured,
        month=str(stats.labels_since),
        total=str(stats.labels_total),
    )
    await message.answer(escape(text))


def create_router() -> Router:
    """Category corrections and /classifier for admins; /classifier refused to everyone else."""
    router = Router(name="admin_classifier")
    router.callback_query.register(category_button, TicketCb.filter(F.action.in_(CATEGORY_ACTIONS)))
    router.message.register(classifier_command, Command("classifier"))
    return router

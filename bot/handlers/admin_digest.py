"""Admins' reports in chat: /digest now, /subscribe to change their own frequency, /export files."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.callbacks import SubscribeCb
from bot.config import Settings
from bot.jobs.deliveries import enqueue_for
from dialogs.i18n import Language, t
from storage.unit_of_work import UnitOfWork

PERIOD_WORDS = ("day", "week", "month")
CHOICES = ("daily", "weekly", "monthly", "off")


async def digest_command(
    message: Message,
    command: CommandObject,
    language: Language,
    engine: AsyncEngine,
) -> None:
    """/digest [day|week|month]: the report of the current period so far."""
    word = (command.args or "week").strip().lower()
    if word not in PERIOD_WORDS:
        await message.answer(escape(t(language, "admin_digest_usage")))
        return
    await message.answer(escape(t(language, "admin_digest_building")))
    await enqueue_for(message, engine, "digest", {"freq": word}, language)


async def subscribe_command(
    message: Message, uow: UnitOfWork, language: Language, settings: Settings
) -> None:
    """/subscribe: choose daily, weekly, monthly or no digests."""
    current = await uow.digests.frequency(message.chat.id) or settings.digest_frequency
    await uow.commit()
    buttons = [
        [
            InlineKeyboardButton(
                text=("✅ " if choice == current else "") + t(language, f"admin_frequency_{choice}"),
                callback_data=SubscribeCb(frequency=choice).pack(),
            )
        ]
        for choice in CHOICES
    ]
    await message.answer(
        escape(t(language, "admin_subscribe_prompt", current=t(language, f"admin_frequency_{current}"))),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons),
    )


async def subscribe_chosen(
    query: CallbackQuery, callback_data: SubscribeCb, uow: UnitOfWork, language: Language
) -> None:
    """Store the admin's choice."""
    if callback_data.frequency not in CHOICES:
        await query.answer()
        return
    await uow.digests.set_frequency(query.from_user.id, callback_data.frequency)
    await uow.commit()
    done = t(
        language, "admin_subscribe_done", frequency=t(language, f"admin_frequency_{callback_data.frequency}")
    )
    await query.answer(done)
    if isinstance(query.message, Message):
        await query.message.edit_text(escape(done), reply_markup=None)


async def export_command(
    message: Message,
    command: CommandObject,
    language: Language,
    engine: AsyncEngine,
) -> None:
    """/export csv|xlsx [day|week|month]: the current period's data as a file."""
    words = (command.args or "").lower().split()
    kind = words[0] if words else ""
    word = words[1] if len(words) > 1 else "week"
    if kind not in ("csv", "xlsx") or word not in PERIOD_WORDS or len(words) > 2:
        await message.answer(escape(t(language, "admin_export_usage")))
        return
    await message.answer(escape(t(language, "admin_job_preparing")))
    await enqueue_for(message, engine, "export", {"format": kind, "freq": word}, language)


def create_router() -> Router:
    """Digest and export commands for admins (the refusal for others lives in admin_tickets)."""
    router = Router(name="admin_digest")
    router.message.register(digest_command, Command("digest"))
    router.message.register(subscribe_command, Command("subscribe"))
    router.message.register(export_command, Command("export"))
    router.callback_query.register(subscribe_chosen, SubscribeCb.filter())
    return router

"""Admins' reports in chat: /digest now, /subscribe to change their own frequency, /export files."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

import pandas as pd
from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.periods import Freq, period_of
from bot.callbacks import SubscribeCb
from bot.config import Settings
from bot.exports import to_csv_zip, to_xlsx
from bot.jobs.digests import build_period_report, send_report
from dialogs.i18n import Language, t
from storage.analytics import load_frames
from storage.unit_of_work import UnitOfWork

PERIOD_WORDS: dict[str, Freq] = {"day": "day", "week": "week", "month": "month"}
CHOICES = ("daily", "weekly", "monthly", "off")


async def digest_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    language: Language,
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    """/digest [day|week|month]: the report of the current period so far."""
    word = (command.args or "week").strip().lower()
    if word not in PERIOD_WORDS:
        await message.answer(escape(t(language, "admin_digest_usage")))
        return
    await message.answer(escape(t(language, "admin_digest_building")))
    report, _ = await build_period_report(
        engine, settings, PERIOD_WORDS[word], pd.Timestamp(datetime.now(UTC)), language
    )
    await send_report(bot, message.chat.id, report, language)


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
    bot: Bot,
    language: Language,
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    """/export csv|xlsx [day|week|month]: the current period's data as a file."""
    words = (command.args or "").lower().split()
    kind = words[0] if words else ""
    word = words[1] if len(words) > 1 else "week"
    if kind not in ("csv", "xlsx") or word not in PERIOD_WORDS or len(words) > 2:
        await message.answer(escape(t(language, "admin_export_usage")))
        return
    period = period_of(pd.Timestamp(datetime.now(UTC)), PERIOD_WORDS[word], settings.timezone)
    frames = await load_frames(engine, period.start, period.end)
    content = to_xlsx(frames) if kind == "xlsx" else to_csv_zip(frames)
    name = f"tingjian-{period.label}.{'xlsx' if kind == 'xlsx' else 'zip'}"
    await bot.send_document(
        message.chat.id,
        BufferedInputFile(content, name),
        caption=escape(t(language, "admin_export_caption", period=period.label)),
    )


def create_router() -> Router:
    """Digest and export commands for admins (the refusal for others lives in admin_tickets)."""
    router = Router(name="admin_digest")
    router.message.register(digest_command, Command("digest"))
    router.message.register(subscribe_command, Command("subscribe"))
    router.message.register(export_command, Command("export"))
    router.callback_query.register(subscribe_chosen, SubscribeCb.filter())
    return router

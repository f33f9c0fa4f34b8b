"""Whatever no other handler took: a kind reply and the menu, never silence."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot import render
from bot.filters import message_kind
from dialogs.i18n import Language, t


async def unknown_message(message: Message, language: Language) -> None:
    """Text or media outside any conversation."""
    key = "not_understood" if message_kind(message) == "text" else "unsupported_here"
    await message.answer(t(language, key), reply_markup=render.main_menu(language))


async def unknown_button(query: CallbackQuery, language: Language) -> None:
    """A button from a keyboard this version no longer understands."""
    await query.answer(t(language, "old_button_finished"))


def create_router() -> Router:
    """The fallback handlers, as a new Router (one per Dispatcher)."""
    router = Router(name="fallback")
    router.message.register(unknown_message)
    router.callback_query.register(unknown_button)
    return router

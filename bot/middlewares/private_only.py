"""Tingjian serves private chats only: in a group it points to a private chat and does nothing else.

Customers' answers, complaints and data files are personal; in a group everyone would see them
(``/mydata`` once posted a customer's data file to a whole group). Registered as the first outer
middleware, so a group update never reaches the database or a handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.types import Chat, Message, TelegramObject, Update, User

from dialogs.i18n import Language, language_from_code, t

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PrivateChatsOnly(BaseMiddleware):
    """Answers a command or a button press outside a private chat with a pointer; drops the rest."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Pass private-chat updates (and those with no chat) on; answer or drop the others."""
        assert isinstance(event, Update)
        chat, user = _chat_and_user(event)
        if chat is None or chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        bot: Bot = data["bot"]
        language = language_from_code(user.language_code if user else None)
        if event.message is not None and _is_command(event.message):
            await event.message.reply(await _pointer(bot, language))
        elif event.callback_query is not None:
            await event.callback_query.answer(await _pointer(bot, language), show_alert=True)
        return None


def _chat_and_user(update: Update) -> tuple[Chat | None, User | None]:
    if update.message is not None:
        return update.message.chat, update.message.from_user
    if update.edited_message is not None:
        return update.edited_message.chat, update.edited_message.from_user
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat, update.callback_query.from_user
    if update.channel_post is not None:
        return update.channel_post.chat, None
    if update.edited_channel_post is not None:
        return update.edited_channel_post.chat, None
    return None, None


def _is_command(message: Message) -> bool:
    return bool(message.text and message.text.startswith("/"))


async def _pointer(bot: Bot, language: Language) -> str:
    me = await bot.me()
    return t(language, "private_only", link=f"https://t.me/{me.username}")

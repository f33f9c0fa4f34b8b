"""A command at a complaint's phone step takes the share-phone reply keyboard away first.

The phone step shows a reply keyboard (📱 share my number) that stays until it is removed. Leaving
the step by a button removes it (bot/complaints.send_step); a command (/cancel, /survey, /start, …)
is handled by another router that knows nothing of it, so the button would linger under unrelated
messages. This inner message middleware runs only when a handler matched: before it, the customer
is told what became of the number, with ReplyKeyboardRemove.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import Message, ReplyKeyboardRemove, TelegramObject

from bot.complaints import FLOW, draft_of
from dialogs.conversation import Conversation
from dialogs.i18n import Language, t

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PhoneKeyboardOnCommand(BaseMiddleware):
    """Removes the share-phone keyboard before a command is handled at the phone step."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Send the 'no number for now' notice with ReplyKeyboardRemove, then handle the command."""
        if isinstance(event, Message) and at_phone_step(event, data):
            bot: Bot = data["bot"]
            language: Language = data["language"]
            # Nothing is stored by this notice, so it may precede the handler's commit.
            await bot.send_message(
                event.chat.id, escape(t(language, "complaint_phone_left")), reply_markup=ReplyKeyboardRemove()
            )
        return await handler(event, data)


def at_phone_step(message: Message, data: dict[str, Any]) -> bool:
    """A command sent while the customer's complaint draft waits at the phone step."""
    conversation: Conversation | None = data.get("conversation")
    if not (message.text or "").startswith("/") or conversation is None or conversation.flow != FLOW:
        return False
    draft = draft_of(conversation)
    return draft is not None and draft.step == "phone"

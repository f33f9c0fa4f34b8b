"""Async filters (aiogram runs sync filters in a thread, which halves throughput)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from dialogs.conversation import Conversation

MESSAGE_KINDS = (
    "text",
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "document",
    "contact",
    "location",
)


def in_flow(name: str) -> Callable[..., Awaitable[bool]]:
    """Matches when the customer's active conversation flow is `name` (set by the unit-of-work middleware)."""

    async def check(_: object, conversation: Conversation | None = None) -> bool:
        return conversation is not None and conversation.flow == name

    return check


async def is_admin(event: Message | CallbackQuery, settings: Settings) -> bool:
    """Matches updates from a user listed in ADMIN_IDS."""
    return event.from_user is not None and settings.is_admin(event.from_user.id)


def message_kind(message: Message) -> str:
    """What the customer sent: text, sticker, photo, … or 'other'."""
    for kind in MESSAGE_KINDS:
        if getattr(message, kind, None) is not None:
            return kind
    return "other"


# The commands customers see in the menu; each works at every step of a conversation.
CUSTOMER_COMMANDS = (
    "start",
    "survey",
    "complain",
    "mytickets",
    "help",
    "language",
    "mydata",
    "forget",
    "cancel",
)


# What admins find in their own menu and /help, beside the customers' commands.
ADMIN_COMMANDS = (
    "tickets",
    "ticket",
    "digest",
    "subscribe",
    "export",
    "campaign",
    "campaigns",
    "kpis",
    "classifier",
)


async def not_a_command(message: Message) -> bool:
    """Matches anything but one of the customer commands ("/mydata" inside a complaint is a command,
    not more of the complaint; an unknown "/word" stays text)."""
    text = (message.text or "").strip()
    if not text.startswith("/"):
        return True
    name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
    return name not in CUSTOMER_COMMANDS

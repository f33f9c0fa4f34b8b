"""Conversions of state objects to Bot API JSON (what aiogram parses) and to control-API JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .state import Button, CallbackQueryRecord, Chat, ChatMessage, EmulatorState, StoredFile, User


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def user_json(user: User) -> dict[str, Any]:
    """Bot API ``User``."""
    return _without_none(
        {
            "id": user.id,
            "is_bot": user.is_bot,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "username": user.username,
            "language_code": user.language_code,
        }
    )


def me_json(bot: User) -> dict[str, Any]:
    """Bot API ``User`` as returned by getMe (with the bot-only flags)."""
    return {
        **user_json(bot),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def chat_json(chat: Chat) -> dict[str, Any]:
    """Bot API ``Chat`` (short form embedded in messages)."""
    if chat.user is not None:
        return _without_none(
            {
                "id": chat.id,
                "type": chat.type,
                "first_name": chat.user.first_name,
                "last_name": chat.user.last_name,
                "username": chat.user.username,
            }
        )
    return {"id": chat.id, "type": chat.type, "title": chat.title or ""}


def chat_full_json(chat: Chat) -> dict[str, Any]:
    """Bot API ``ChatFullInfo`` as returned by getChat."""
    return {
        **chat_json(chat),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


def file_json(stored: StoredFile) -> dict[str, Any]:
    """Bot API ``File`` as returned by getFile."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


def _media_json(stored: StoredFile, kind: str) -> dict[str, Any] | list[dict[str, Any]]:
    base = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(stored.data)}
    if kind == "photo":
        # Sizes are not decoded from the image bytes; the bot never needs them to be exact.
        return [{**base, "width": 320, "height": 320}]
    if kind == "sticker":
        return {
            **base,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    if kind == "voice":
        return _without_none({**base, "duration": 2, "mime_type": stored.mime_type})
    return _without_none({**base, "file_name": stored.filename, "mime_type": stored.mime_type})


def message_json(state: EmulatorState, message: ChatMessage) -> dict[str, Any]:
    """Bot API ``Message`` for the message's current state."""
    chat = state.chats[message.chat_id]
    sender = state.bot if message.from_bot else state.users[message.sender_id]
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "date": message.date,
        "chat": chat_json(chat),
        "from": user_json(sender),
    }
    if message.text is not None:
        data["text"] = message.plain_text
        if message.entities:
            data["entities"] = message.entities
    if message.file is not None and message.media_kind is not None:
        data[message.media_kind] = _media_json(message.file, message.media_kind)
    if message.caption is not None:
        data["caption"] = message.plain_caption
        if message.caption_entities:
            data["caption_entities"] = message.caption_entities
    if message.contact is not None:
        data["contact"] = message.contact
    if message.raw_reply_markup is not None:
        data["reply_markup"] = message.raw_reply_markup
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    if message.reply_to_message_id is not None and (replied := chat.find(message.reply_to_message_id)):
        data["reply_to_message"] = message_json(state, replied)
    return data


def callback_query_json(state: EmulatorState, record: CallbackQueryRecord) -> dict[str, Any]:
    """Bot API ``CallbackQuery`` for a recorded button press."""
    message = state.chats[record.chat_id].find(record.message_id)
    assert message is not None  # open_callback_query checked it exists
    return {
        "id": record.id,
        "from": user_json(state.users[record.user_id]),
        "message": message_json(state, message),
        "chat_instance": str(record.chat_id),
        "data": record.data,
    }


# --- control API (for a browser page or tools) -------------------------------------------------


def _button_view(button: Button) -> dict[str, Any]:
    return _without_none({"text": button.text, "callback_data": button.callback_data, "url": button.url}) | (
        {"request_contact": True} if button.request_contact else {}
    )


def message_view(message: ChatMessage) -> dict[str, Any]:
    """Control-API view of a message: current text, keyboard, media link, edit/delete flags."""
    view: dict[str, Any] = {
        "message_id": message.message_id,
        "from_bot": message.from_bot,
        "date": message.date,
        "text": message.text,
        "plain_text": message.plain_text,
        "parse_mode": message.parse_mode,
        "caption": message.caption,
        "media_kind": message.media_kind,
        "contact": message.contact,
        "buttons": [[_button_view(b) for b in row] for row in message.reply_markup or []],
        "edited": message.edited,
        "deleted": message.deleted,
    }
    if message.file is not None:
        view["file"] = {
            "file_id": message.file.file_id,
            "filename": message.file.filename,
            "size": len(message.file.data),
            "url": f"/_emulator/files/{message.file.file_id}",
        }
    return view


def chat_view(chat: Chat) -> dict[str, Any]:
    """Control-API summary of a chat."""
    last = next((m for m in reversed(chat.messages) if not m.deleted), None)
    return {
        "chat_id": chat.id,
        "type": chat.type,
        "title": chat.title,
        "user": asdict(chat.user) if chat.user else None,
        "blocked": chat.blocked,
        "message_count": len(chat.messages),
        "last_text": last.shown_text if last else None,
        "reply_keyboard": [[_button_view(b) for b in row] for row in chat.reply_keyboard.rows]
        if chat.reply_keyboard
        else None,
        "version": chat.version,
    }

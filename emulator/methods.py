"""Bot API methods that only read or change the in-memory state (no waiting, no HTTP).

Each handler takes the state and the call's parameters and returns the JSON ``result``; it raises
:class:`BotAPIError` for anything Telegram would refuse. Method names are case-insensitive, as in
Telegram.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any, Literal

from .errors import bad_request
from .params import Params, UploadedFile
from .serialize import chat_full_json, file_json, me_json, message_json
from .state import EmulatorState, MediaKind, StoredFile

Handler = Callable[[EmulatorState, Params], Any]
METHODS: dict[str, Handler] = {}

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under a Bot API method name."""

    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = handler
        return handler

    return register


def _reply_to(p: Params) -> int | None:
    reply = p.get_json("reply_parameters")
    if isinstance(reply, dict) and "message_id" in reply:
        return int(reply["message_id"])
    return p.get_int("reply_to_message_id")


def _target(p: Params) -> tuple[int, int]:
    if p.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the emulator")
    return p.required_int("chat_id"), p.required_int("message_id")


def _input_file(state: EmulatorState, p: Params, name: str, kind: MediaKind) -> StoredFile:
    value = p.get_file(name)
    if isinstance(value, UploadedFile):
        return state.store_file(value.data, kind, filename=value.filename, mime_type=value.content_type)
    if not value:
        raise bad_request(f"there is no {name} in the request")
    if value in state.files:
        return state.files[value]
    if value.startswith(("http://", "https://")):
        # No outside network here: remember the URL as the file name, without content.
        return state.store_file(b"", kind, filename=PurePosixPath(value).name or value)
    raise bad_request("wrong file identifier/HTTP URL specified")


@method("getMe")
def get_me(state: EmulatorState, p: Params) -> Any:
    """The bot's own user."""
    return me_json(state.bot)


@method("sendMessage")
def send_message(state: EmulatorState, p: Params) -> Any:
    """Send a text message."""
    message = state.bot_send(
        p.required_int("chat_id"),
        text=p.get_str("text") or "",
        parse_mode=p.get_str("parse_mode"),
        reply_markup=p.get_json("reply_markup"),
        reply_to_message_id=_reply_to(p),
    )
    return message_json(state, message)


def _send_media(state: EmulatorState, p: Params, kind: MediaKind) -> Any:
    chat_id = p.required_int("chat_id")
    state.chat(chat_id)  # "chat not found" before storing any upload
    message = state.bot_send(
        chat_id,
        caption=p.get_str("caption"),
        parse_mode=p.get_str("parse_mode"),
        media_kind=kind,
        file=_input_file(state, p, kind, kind),
        reply_markup=p.get_json("reply_markup"),
        reply_to_message_id=_reply_to(p),
    )
    return message_json(state, message)


@method("sendPhoto")
def send_photo(state: EmulatorState, p: Params) -> Any:
    """Send a photo (upload, file_id or URL)."""
    return _send_media(state, p, "photo")


@method("sendDocument")
def send_document(state: EmulatorState, p: Params) -> Any:
    """Send a document (upload, file_id or URL)."""
    return _send_media(state, p, "document")


def _edit(state: EmulatorState, p: Params, part: Literal["text", "caption"]) -> Any:
    chat_id, message_id = _target(p)
    value = p.get_str(part)
    message = state.bot_edit(
        chat_id,
        message_id,
        part,
        value,
        parse_mode=p.get_str("parse_mode"),
        reply_markup=p.get_json("reply_markup"),
    )
    return message_json(state, message)


@method("editMessageText")
def edit_message_text(state: EmulatorState, p: Params) -> Any:
    """Edit a message's text (and keyboard)."""
    return _edit(state, p, "text")


@method("editMessageCaption")
def edit_message_caption(state: EmulatorState, p: Params) -> Any:
    """Edit a media message's caption (and keyboard)."""
    return _edit(state, p, "caption")


@method("editMessageReplyMarkup")
def edit_message_reply_markup(state: EmulatorState, p: Params) -> Any:
    """Replace or remove a message's inline keyboard."""
    chat_id, message_id = _target(p)
    message = state.bot_edit_markup(chat_id, message_id, p.get_json("reply_markup"))
    return message_json(state, message)


@method("deleteMessage")
def delete_message(state: EmulatorState, p: Params) -> Any:
    """Delete a message."""
    state.bot_delete(p.required_int("chat_id"), p.required_int("message_id"))
    return True


@method("answerCallbackQuery")
def answer_callback_query(state: EmulatorState, p: Params) -> Any:
    """Answer a button press (toast or alert)."""
    state.answer_callback_query(
        p.get_str("callback_query_id") or "",
        text=p.get_str("text"),
        show_alert=p.get_bool("show_alert"),
        url=p.get_str("url"),
    )
    return True


@method("sendChatAction")
def send_chat_action(state: EmulatorState, p: Params) -> Any:
    """Show 'typing...' and similar."""
    action = p.get_str("action") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    state.bot_chat_action(p.required_int("chat_id"), action)
    return True


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.get_json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.get_str("language_code") or ""


@method("setMyCommands")
def set_my_commands(state: EmulatorState, p: Params) -> Any:
    """Store the command menu for a scope and language."""
    commands = p.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("parameter commands is required")
    for command in commands:
        if not _COMMAND_NAME.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    state.set_commands(
        [{"command": c["command"], "description": c["description"]} for c in commands], *_commands_key(p)
    )
    return True


@method("getMyCommands")
def get_my_commands(state: EmulatorState, p: Params) -> Any:
    """The command menu for a scope and language (empty if unset)."""
    return state.commands.get(_commands_key(p), [])


@method("deleteMyCommands")
def delete_my_commands(state: EmulatorState, p: Params) -> Any:
    """Forget the command menu for a scope and language."""
    state.delete_commands(*_commands_key(p))
    return True


@method("setChatMenuButton")
def set_chat_menu_button(state: EmulatorState, p: Params) -> Any:
    """Set the menu button of one chat or the default one."""
    button = p.get_json("menu_button") or {"type": "default"}
    chat_id = p.get_int("chat_id")
    if chat_id is None:
        state.default_menu_button = button
        state.changed()
    else:
        chat = state.chat(chat_id)
        chat.menu_button = button
        state.changed(chat)
    return True


@method("getChatMenuButton")
def get_chat_menu_button(state: EmulatorState, p: Params) -> Any:
    """The menu button of one chat (falling back to the default) or the default one."""
    chat_id = p.get_int("chat_id")
    if chat_id is None:
        return state.default_menu_button
    return state.chat(chat_id).menu_button or state.default_menu_button


@method("getChat")
def get_chat(state: EmulatorState, p: Params) -> Any:
    """Full info on a chat the bot knows."""
    return chat_full_json(state.chat(p.required_int("chat_id")))


@method("getFile")
def get_file(state: EmulatorState, p: Params) -> Any:
    """File info with the path to download it from /file/bot<token>/<path>."""
    return file_json(state.file(p.get_str("file_id") or ""))


@method("close")
@method("logOut")
def close(state: EmulatorState, p: Params) -> Any:
    """Accepted and ignored (there is no cloud server to leave)."""
    return True

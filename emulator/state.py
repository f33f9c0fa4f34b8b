"""In-memory model of one bot's Telegram world: users, chats, messages, files, callback queries.

Pure and synchronous (no aiohttp, no asyncio): every operation that Telegram would reject raises
:class:`BotAPIError`; every change bumps ``version`` and calls the registered listeners so an async
layer can wake up waiters.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import MESSAGE_NOT_MODIFIED, QUERY_TOO_OLD, BotAPIError, bad_request, forbidden
from .html_text import parse_html

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

MediaKind = Literal["photo", "document", "sticker", "voice"]
EventKind = Literal["send", "edit", "delete", "answer", "action", "user"]
# Events that a person looking at the chat would notice as the bot "reacting".
VISIBLE_EVENTS: frozenset[str] = frozenset({"send", "edit", "delete"})


@dataclass
class User:
    """A Telegram user (customers, admins) or the bot itself."""

    id: int
    first_name: str
    language_code: str | None = "zh-hans"
    username: str | None = None
    last_name: str | None = None
    is_bot: bool = False


@dataclass(frozen=True)
class Button:
    """One keyboard button: inline (callback_data or url) or reply keyboard (text, request_contact)."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    request_contact: bool = False


@dataclass
class StoredFile:
    """File bytes known to the server, addressable by file_id and downloadable by file_path."""

    file_id: str
    file_unique_id: str
    data: bytes
    kind: str
    filename: str | None = None
    mime_type: str | None = None

    @property
    def file_path(self) -> str:
        """Path under /file/bot<token>/ where the bytes are served."""
        suffix = f"_{self.filename}" if self.filename else ""
        return f"{self.kind}s/{self.file_unique_id}{suffix}"


@dataclass
class ChatMessage:
    """A message in a chat, from the bot or the user, in its current (possibly edited) state."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    sender_id: int
    text: str | None = None
    plain_text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    caption: str | None = None
    plain_caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    media_kind: MediaKind | None = None
    file: StoredFile | None = None
    contact: dict[str, Any] | None = None
    raw_reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edited: int = 0
    edit_date: int | None = None
    deleted: bool = False
    update_id: int | None = None

    @property
    def reply_markup(self) -> list[list[Button]] | None:
        """The inline keyboard attached to the message as rows of buttons (None if none)."""
        if not self.raw_reply_markup or "inline_keyboard" not in self.raw_reply_markup:
            return None
        return parse_buttons(self.raw_reply_markup["inline_keyboard"])

    @property
    def buttons(self) -> list[Button]:
        """All inline buttons, row by row."""
        return [button for row in self.reply_markup or [] for button in row]

    @property
    def shown_text(self) -> str:
        """What a person sees as the message's text: plain text, else plain caption, else ''."""
        return self.plain_text or self.plain_caption or ""

    @property
    def photo(self) -> bytes | None:
        """Photo bytes if this is a photo message."""
        return self.file.data if self.file and self.media_kind == "photo" else None

    @property
    def document(self) -> bytes | None:
        """Document bytes if this is a document message."""
        return self.file.data if self.file and self.media_kind == "document" else None

    @property
    def filename(self) -> str | None:
        """File name of the attached file, if any."""
        return self.file.filename if self.file else None


@dataclass
class ReplyKeyboard:
    """A reply keyboard shown under the input field until removed (chat-level, not per message)."""

    rows: list[list[Button]]
    message_id: int
    one_time: bool = False


@dataclass
class ChatEvent:
    """One thing that happened in a chat, in order; the customer driver waits on these."""

    seq: int
    kind: EventKind
    message_id: int | None
    at: float
    query_id: str | None = None


@dataclass
class Chat:
    """A chat with the bot: private (``user`` set) or a group."""

    id: int
    type: str
    user: User | None = None
    title: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    reply_keyboard: ReplyKeyboard | None = None
    menu_button: dict[str, Any] | None = None
    blocked: bool = False
    events: list[ChatEvent] = field(default_factory=list)
    version: int = 0
    next_message_id: int = 1
    last_bot_activity: float | None = None

    @property
    def bot_messages(self) -> list[ChatMessage]:
        """The bot's messages, oldest first, including deleted ones (flagged)."""
        return [m for m in self.messages if m.from_bot]

    @property
    def user_messages(self) -> list[ChatMessage]:
        """The users' messages, oldest first."""
        return [m for m in self.messages if not m.from_bot]

    def find(self, message_id: int) -> ChatMessage | None:
        """Return the message with this id, deleted or not."""
        return next((m for m in self.messages if m.message_id == message_id), None)

    @property
    def last_seq(self) -> int:
        """Sequence number of the latest event (0 if none); actions compare against it."""
        return self.events[-1].seq if self.events else 0

    def events_after(self, seq: int) -> list[ChatEvent]:
        """Events newer than ``seq``, oldest first."""
        newer: list[ChatEvent] = []
        for event in reversed(self.events):
            if event.seq <= seq:
                break
            newer.append(event)
        return newer[::-1]


@dataclass
class CallbackQueryRecord:
    """A button press sent to the bot and how the bot answered it."""

    id: str
    chat_id: int
    user_id: int
    message_id: int
    data: str
    update_id: int | None = None
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False
    answer_url: str | None = None

    @property
    def text(self) -> str | None:
        """The answer's toast/alert text (alias of ``answer_text``)."""
        return self.answer_text


@dataclass
class ApiCall:
    """One Bot API call as the emulator saw it (for debugging and assertions)."""

    seq: int
    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    at: float

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.status == 200


@dataclass
class WebhookConfig:
    """What setWebhook stored."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


def parse_buttons(rows: Iterable[Iterable[dict[str, Any]]]) -> list[list[Button]]:
    """Turn Bot API keyboard JSON rows into Button rows (str buttons allowed in reply keyboards)."""
    return [[_button(raw) for raw in row] for row in rows]


def _button(raw: dict[str, Any] | str) -> Button:
    if isinstance(raw, str):
        return Button(text=raw)
    return Button(
        text=str(raw.get("text", "")),
        callback_data=raw.get("callback_data"),
        url=raw.get("url"),
        request_contact=bool(raw.get("request_contact", False)),
    )


def validate_markup(markup: dict[str, Any] | None) -> None:
    """Reject inline keyboards Telegram would reject (the classic: callback_data over 64 bytes)."""
    if not markup or "inline_keyboard" not in markup:
        return
    for button in (b for row in markup["inline_keyboard"] for b in row):
        if not button.get("text"):
            raise bad_request("text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
        actions = {"callback_data", "url", "web_app", "login_url", "switch_inline_query", "pay"}
        if not actions & button.keys() and not any(k.startswith("switch_inline") for k in button):
            raise bad_request("text buttons are unallowed in the inline keyboard")


def inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The markup if it is a non-empty inline keyboard (the only kind a message keeps), else None."""
    return markup if markup and markup.get("inline_keyboard") else None


def render(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of a text as Telegram would display it."""
    if parse_mode and parse_mode.lower() == "html":
        return parse_html(text)
    return text, []


class EmulatorState:
    """Everything the emulated Telegram server knows about one bot."""

    def __init__(
        self,
        *,
        bot_id: int,
        bot_username: str,
        bot_name: str,
        log_limit: int | None = 200_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = User(
            id=bot_id, first_name=bot_name, username=bot_username, is_bot=True, language_code=None
        )
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.default_menu_button: dict[str, Any] = {"type": "default"}
        self.webhook = WebhookConfig()
        self.allowed_updates: list[str] = []
        self.calls: deque[ApiCall] = deque(maxlen=log_limit)
        self.version = 0
        self._clock = clock
        self._listeners: list[Callable[[Chat | None], None]] = []
        self._seq = itertools.count(1)
        self._file_seq = itertools.count(1)
        self._query_seq = itertools.count(1)

    # --- change notification -------------------------------------------------------------
    def subscribe(self, listener: Callable[[Chat | None], None]) -> None:
        """Call ``listener(chat)`` after every change (chat None for changes outside chats)."""
        self._listeners.append(listener)

    def changed(self, chat: Chat | None = None) -> None:
        """Bump the version (and the chat's) and notify listeners."""
        self.version += 1
        if chat is not None:
            chat.version = self.version
        for listener in self._listeners:
            listener(chat)

    def now(self) -> float:
        """The state's monotonic clock (event times use it)."""
        return self._clock()

    def _event(
        self, chat: Chat, kind: EventKind, message_id: int | None, query_id: str | None = None
    ) -> None:
        event = ChatEvent(next(self._seq), kind, message_id, self._clock(), query_id)
        chat.events.append(event)
        if kind != "user":
            chat.last_bot_activity = event.at
        self.changed(chat)

    # --- users and chats ---------------------------------------------------------------------
    def ensure_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> User:
        """Return the user (creating it and its private chat on first use), updating given fields."""
        user = self.users.get(user_id)
        if user is None:
            user = User(id=user_id, first_name=first_name or f"User{user_id}", username=username)
            if language_code is not None:
                user.language_code = language_code
            self.users[user_id] = user
            self.chats[user_id] = Chat(id=user_id, type="private", user=user)
            self.changed(self.chats[user_id])
            return user
        if first_name is not None:
            user.first_name = first_name
        if language_code is not None:
            user.language_code = language_code
        if username is not None:
            user.username = username
        return user

    def add_group(self, chat_id: int, title: str) -> Chat:
        """Create (or return) a group chat the bot is a member of."""
        chat = self.chats.setdefault(chat_id, Chat(id=chat_id, type="group", title=title))
        self.changed(chat)
        return chat

    def chat(self, chat_id: int) -> Chat:
        """The chat, or 400 'chat not found' like Telegram for chats the bot never saw."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Mark the user as having blocked (or unblocked) the bot."""
        chat = self.chat(user_id)
        chat.blocked = blocked
        self.changed(chat)

    def _writable_chat(self, chat_id: int) -> Chat:
        chat = self.chat(chat_id)
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        return chat

    def _new_message(self, chat: Chat, *, from_bot: bool, sender_id: int) -> ChatMessage:
        message = ChatMessage(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            from_bot=from_bot,
            date=int(time.time()),
            sender_id=sender_id,
        )
        chat.next_message_id += 1
        chat.messages.append(message)
        return message

    # --- files -------------------------------------------------------------------------------
    def store_file(
        self, data: bytes, kind: str, *, filename: str | None = None, mime_type: str | None = None
    ) -> StoredFile:
        """Keep file bytes and give them a file_id, as Telegram does on upload."""
        number = next(self._file_seq)
        stored = StoredFile(
            file_id=f"{kind.upper()}-{number:06d}-emu",
            file_unique_id=f"u{number:06d}",
            data=data,
            kind=kind,
            filename=filename,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def file(self, file_id: str) -> StoredFile:
        """The stored file, or 400 like Telegram for unknown ids."""
        stored = self.files.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        """The stored file served at ``file_path``."""
        return self._files_by_path.get(path)

    # --- bot actions -------------------------------------------------------------------------
    def bot_send(
        self,
        chat_id: int,
        *,
        text: str | None = None,
        parse_mode: str | None = None,
        caption: str | None = None,
        media_kind: MediaKind | None = None,
        file: StoredFile | None = None,
        reply_markup: dict[str, Any] | None = None,
        reply_to_message_id: int | None = None,
    ) -> ChatMessage:
        """Record a message sent by the bot, validating it like Telegram."""
        chat = self._writable_chat(chat_id)
        plain, entities = self._checked_text(text, parse_mode) if media_kind is None else ("", [])
        plain_caption, caption_entities = self._checked_caption(caption, parse_mode)
        validate_markup(reply_markup)
        message = self._new_message(chat, from_bot=True, sender_id=self.bot.id)
        message.parse_mode = parse_mode
        if media_kind is None:
            message.text, message.plain_text, message.entities = text, plain, entities
        message.caption, message.plain_caption, message.caption_entities = (
            caption,
            plain_caption,
            caption_entities,
        )
        message.media_kind, message.file = media_kind, file
        message.reply_to_message_id = reply_to_message_id
        self._apply_markup(chat, message, reply_markup)
        self._event(chat, "send", message.message_id)
        return message

    def _checked_text(self, text: str | None, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
        if not text or not text.strip():
            raise bad_request("message text is empty")
        plain, entities = render(text, parse_mode)
        if len(plain) > MAX_TEXT:
            raise bad_request("message is too long")
        if not plain.strip():
            raise bad_request("message text is empty")
        return plain, entities

    def _checked_caption(
        self, caption: str | None, parse_mode: str | None
    ) -> tuple[str | None, list[dict[str, Any]]]:
        if caption is None:
            return None, []
        plain, entities = render(caption, parse_mode)
        if len(plain) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return plain, entities

    def _apply_markup(self, chat: Chat, message: ChatMessage, markup: dict[str, Any] | None) -> None:
        if markup and "keyboard" in markup:
            rows = parse_buttons(markup["keyboard"])
            chat.reply_keyboard = ReplyKeyboard(
                rows, message.message_id, bool(markup.get("one_time_keyboard"))
            )
        elif markup and markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        message.raw_reply_markup = inline_only(markup)

    def _editable(self, chat_id: int, message_id: int) -> tuple[Chat, ChatMessage]:
        chat = self._writable_chat(chat_id)
        message = chat.find(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise bad_request("message to edit not found")
        return chat, message

    def bot_edit(
        self,
        chat_id: int,
        message_id: int,
        part: Literal["text", "caption"],
        value: str | None,
        *,
        parse_mode: str | None = None,
        reply_markup: dict[str, Any] | None = None,
    ) -> ChatMessage:
        """Edit a bot message's text or caption; like Telegram, omitting reply_markup drops the keyboard."""
        chat, message = self._editable(chat_id, message_id)
        plain: str | None
        if part == "text":
            if message.text is None:
                raise bad_request("there is no text in the message to edit")
            plain, entities = self._checked_text(value, parse_mode)
            current = (message.plain_text, message.entities)
        else:
            if message.media_kind is None:
                raise bad_request("there is no caption in the message to edit")
            plain, entities = self._checked_caption(value, parse_mode)
            current = (message.plain_caption, message.caption_entities)
        validate_markup(reply_markup)
        markup = inline_only(reply_markup)
        if (plain, entities, markup) == (*current, message.raw_reply_markup):
            raise bad_request(MESSAGE_NOT_MODIFIED)
        if part == "text":
            message.text, message.plain_text, message.entities = value, plain, entities
        else:
            message.caption, message.plain_caption, message.caption_entities = value, plain, entities
        message.parse_mode = parse_mode
        message.raw_reply_markup = markup
        return self._edited(chat, message)

    def bot_edit_markup(
        self, chat_id: int, message_id: int, reply_markup: dict[str, Any] | None
    ) -> ChatMessage:
        """Replace (or with None remove) a bot message's inline keyboard."""
        chat, message = self._editable(chat_id, message_id)
        validate_markup(reply_markup)
        markup = inline_only(reply_markup)
        if markup == message.raw_reply_markup:
            raise bad_request(MESSAGE_NOT_MODIFIED)
        message.raw_reply_markup = markup
        return self._edited(chat, message)

    def _edited(self, chat: Chat, message: ChatMessage) -> ChatMessage:
        message.edited += 1
        message.edit_date = int(time.time())
        self._event(chat, "edit", message.message_id)
        return message

    def bot_delete(self, chat_id: int, message_id: int) -> None:
        """Delete a message (bot's own or the user's, as bots may in private chats)."""
        chat = self.chat(chat_id)
        message = chat.find(message_id)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        message.deleted = True
        self._event(chat, "delete", message_id)

    def bot_chat_action(self, chat_id: int, action: str) -> None:
        """Record a chat action (typing...); counts as activity but not as a visible reaction."""
        chat = self._writable_chat(chat_id)
        self._event(chat, "action", None)

    # --- user actions ------------------------------------------------------------------------
    def user_message(
        self,
        user_id: int,
        *,
        chat_id: int | None = None,
        text: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        caption: str | None = None,
        media_kind: MediaKind | None = None,
        file: StoredFile | None = None,
        contact: dict[str, Any] | None = None,
    ) -> ChatMessage:
        """Record a message the user sends to the bot (an update is built from it by the caller)."""
        user = self.ensure_user(user_id)
        chat = self.chat(user_id if chat_id is None else chat_id)
        message = self._new_message(chat, from_bot=False, sender_id=user.id)
        message.text, message.plain_text, message.entities = text, text, list(entities or [])
        message.caption = message.plain_caption = caption
        message.media_kind, message.file, message.contact = media_kind, file, contact
        if chat.reply_keyboard is not None and chat.reply_keyboard.one_time:
            chat.reply_keyboard = None
        self._event(chat, "user", message.message_id)
        return message

    def open_callback_query(
        self, user_id: int, chat_id: int, message_id: int, data: str
    ) -> CallbackQueryRecord:
        """Record a button press on a bot message (the message must still exist)."""
        chat = self.chat(chat_id)
        message = chat.find(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise bad_request(f"no bot message {message_id} to press a button on in chat {chat_id}")
        record = CallbackQueryRecord(
            id=f"{next(self._query_seq)}{user_id % 10_000:04d}",
            chat_id=chat_id,
            user_id=user_id,
            message_id=message_id,
            data=data,
        )
        self.callback_queries[record.id] = record
        self._event(chat, "user", message_id, record.id)
        return record

    def answer_callback_query(
        self, query_id: str, *, text: str | None = None, show_alert: bool = False, url: str | None = None
    ) -> CallbackQueryRecord:
        """Record the bot's answer; a second answer or an unknown id fails like Telegram."""
        record = self.callback_queries.get(query_id)
        if record is None or record.answered:
            raise bad_request(QUERY_TOO_OLD)
        record.answered, record.answer_text, record.show_alert, record.answer_url = (
            True,
            text,
            show_alert,
            url,
        )
        self._event(self.chats[record.chat_id], "answer", record.message_id, query_id)
        return record

    # --- bot settings ------------------------------------------------------------------------
    def set_commands(self, commands: list[dict[str, Any]], scope: str, language_code: str) -> None:
        """Store the command list for a scope and language."""
        self.commands[(scope, language_code)] = commands
        self.changed()

    def delete_commands(self, scope: str, language_code: str) -> None:
        """Forget the command list for a scope and language."""
        self.commands.pop((scope, language_code), None)
        self.changed()

    # --- call log ------------------------------------------------------------------------------
    def record_call(self, method: str, params: dict[str, Any], error: BotAPIError | None) -> ApiCall:
        """Append a call to the event log."""
        call = ApiCall(
            seq=next(self._seq),
            method=method,
            params=params,
            status=error.status if error else 200,
            description=error.description if error else None,
            at=self._clock(),
        )
        self.calls.append(call)
        return call


@dataclass(frozen=True)
class ButtonTarget:
    """A button a user can press: inline (on ``message``) or on the reply keyboard (message None)."""

    button: Button
    message: ChatMessage | None


def match_button(buttons: Iterable[Button], label: str) -> Button | None:
    """The button whose visible text is ``label``, else the one whose callback_data is ``label``."""
    candidates = list(buttons)
    by_text = next((b for b in candidates if b.text == label), None)
    return by_text or next((b for b in candidates if b.callback_data == label), None)


def latest_keyboard_message(chat: Chat) -> ChatMessage | None:
    """The newest bot message (not deleted) that has an inline keyboard."""
    return next((m for m in reversed(chat.messages) if m.from_bot and not m.deleted and m.reply_markup), None)


def resolve_button(chat: Chat, label: str, message_id: int | None = None) -> ButtonTarget:
    """Find the button a user means; newest keyboard first. Raises LookupError listing what exists."""
    if message_id is not None:
        message = chat.find(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise LookupError(f"no bot message {message_id} in chat {chat.id}")
        button = match_button(message.buttons, label)
        if button is None:
            raise LookupError(
                f"no button {label!r} on message {message_id}; it has {_texts(message.buttons)}"
            )
        return ButtonTarget(button, message)
    keyboards: list[tuple[int, list[Button], ChatMessage | None]] = []
    if (inline := latest_keyboard_message(chat)) is not None:
        keyboards.append((inline.message_id, inline.buttons, inline))
    if chat.reply_keyboard is not None:
        reply_buttons = [b for row in chat.reply_keyboard.rows for b in row]
        keyboards.append((chat.reply_keyboard.message_id, reply_buttons, None))
    for _, buttons, message in sorted(keyboards, key=lambda k: -k[0]):
        if (button := match_button(buttons, label)) is not None:
            return ButtonTarget(button, message)
    shown = [_texts(buttons) for _, buttons, _ in keyboards]
    raise LookupError(f"no button {label!r} on the latest keyboards of chat {chat.id}; visible: {shown}")


def _texts(buttons: Iterable[Button]) -> list[str]:
    return [b.text for b in buttons]

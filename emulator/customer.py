"""A scripted customer: sends messages and presses buttons, then waits for the bot's reaction.

Every action returns once the bot visibly reacted in the chat (sent, edited or deleted a message)
or answered the button press, so tests never sleep; if nothing happens within ``timeout`` an
AssertionError shows the end of the conversation and the bot's recent failed calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .state import (
    VISIBLE_EVENTS,
    Button,
    CallbackQueryRecord,
    Chat,
    ChatEvent,
    ChatMessage,
    MediaKind,
    User,
    latest_keyboard_message,
)

if TYPE_CHECKING:
    from .emulator import BotAPIEmulator

# When the bot's first reaction to a press is only answerCallbackQuery, an edit usually follows at
# once; waiting briefly for it (returning as soon as it lands) keeps tests from racing it.
ANSWER_GRACE = 0.25


def transcript(chat: Chat, last: int = 8) -> str:
    """The chat's last messages, one per line, as a person would read them."""
    lines = []
    for message in chat.messages[-last:]:
        who = "bot " if message.from_bot else "user"
        flags = (" [deleted]" if message.deleted else "") + (
            f" [edited x{message.edited}]" if message.edited else ""
        )
        body = message.shown_text or (f"<{message.media_kind}>" if message.media_kind else "<contact>")
        keys = f"  buttons={[b.text for b in message.buttons]}" if message.buttons else ""
        lines.append(f"  #{message.message_id} {who}: {body!r}{flags}{keys}")
    return "\n".join(lines) or "  (no messages)"


class Customer:
    """One user in a private chat with the bot."""

    def __init__(self, emulator: BotAPIEmulator, user_id: int, *, timeout: float = 5.0) -> None:
        self.emulator = emulator
        self.user_id = user_id
        self.timeout = timeout

    # --- what the customer sees ----------------------------------------------------------------
    @property
    def user(self) -> User:
        """The Telegram user behind this customer."""
        return self.emulator.state.users[self.user_id]

    @property
    def chat(self) -> Chat:
        """The private chat with the bot."""
        return self.emulator.state.chat(self.user_id)

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages in this chat that are still there, oldest first."""
        return self.emulator.bot_messages(self.user_id)

    @property
    def last_message(self) -> ChatMessage | None:
        """The bot's latest message still in the chat."""
        messages = self.messages
        return messages[-1] if messages else None

    @property
    def last_text(self) -> str:
        """Plain text (or caption) of the bot's latest message; '' if none."""
        message = self.last_message
        return message.shown_text if message else ""

    @property
    def keyboard_message(self) -> ChatMessage | None:
        """The latest bot message with an inline keyboard."""
        return latest_keyboard_message(self.chat)

    @property
    def button_rows(self) -> list[list[Button]]:
        """Rows of the newest keyboard: the inline one on the latest keyboard message or the reply one."""
        chat = self.chat
        inline = latest_keyboard_message(chat)
        reply = chat.reply_keyboard
        if reply is not None and (inline is None or reply.message_id > inline.message_id):
            return reply.rows
        return inline.reply_markup or [] if inline is not None else []

    @property
    def buttons(self) -> list[str]:
        """Visible texts of the newest keyboard's buttons."""
        return [button.text for row in self.button_rows for button in row]

    @property
    def answers(self) -> list[CallbackQueryRecord]:
        """This customer's button presses with the bot's answers."""
        return [q for q in self.emulator.callback_answers(self.user_id) if q.user_id == self.user_id]

    def transcript(self, last: int = 8) -> str:
        """The end of the conversation, for assertion messages."""
        return transcript(self.chat, last)

    # --- actions -------------------------------------------------------------------------------
    async def send(self, text: str, *, quiet: float | None = None) -> list[ChatMessage]:
        """Send text (commands get entities); return the bot messages sent or edited in reaction."""
        mark = self.chat.last_seq
        self.emulator.inject_text(self.user_id, text)
        return await self._reaction(mark, f"send {text!r}", quiet=quiet)

    async def send_photo(
        self, data: bytes | None = None, *, caption: str | None = None, quiet: float | None = None
    ) -> list[ChatMessage]:
        """Send a photo (a tiny PNG unless ``data``)."""
        return await self._send_media("photo", data, caption=caption, quiet=quiet)

    async def send_sticker(self, *, quiet: float | None = None) -> list[ChatMessage]:
        """Send a sticker."""
        return await self._send_media("sticker", None, quiet=quiet)

    async def send_voice(self, data: bytes | None = None, *, quiet: float | None = None) -> list[ChatMessage]:
        """Send a voice message."""
        return await self._send_media("voice", data, quiet=quiet)

    async def send_document(
        self,
        data: bytes | None = None,
        *,
        filename: str | None = None,
        caption: str | None = None,
        quiet: float | None = None,
    ) -> list[ChatMessage]:
        """Send a document."""
        return await self._send_media("document", data, filename=filename, caption=caption, quiet=quiet)

    async def _send_media(
        self,
        kind: MediaKind,
        data: bytes | None,
        *,
        filename: str | None = None,
        caption: str | None = None,
        quiet: float | None,
    ) -> list[ChatMessage]:
        mark = self.chat.last_seq
        self.emulator.inject_media(self.user_id, kind, data, filename=filename, caption=caption)
        return await self._reaction(mark, f"send a {kind}", quiet=quiet)

    async def send_contact(
        self, phone_number: str | None = None, *, quiet: float | None = None
    ) -> list[ChatMessage]:
        """Share the customer's phone number."""
        mark = self.chat.last_seq
        self.emulator.inject_contact(self.user_id, phone_number)
        return await self._reaction(mark, "share contact", quiet=quiet)

    async def press(
        self, label: str, *, message: ChatMessage | int | None = None, quiet: float | None = None
    ) -> list[ChatMessage]:
        """Press a button by visible text or callback data on the newest keyboard (or on ``message``)."""
        message_id = message.message_id if isinstance(message, ChatMessage) else message
        mark = self.chat.last_seq
        try:
            result = self.emulator.press(self.user_id, label, message_id=message_id)
        except LookupError as exc:
            raise AssertionError(f"{exc}\nconversation:\n{self.transcript()}") from exc
        query_id = result.id if isinstance(result, CallbackQueryRecord) else None
        return await self._reaction(mark, f"press {label!r}", query_id=query_id, quiet=quiet)

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float | None = None,  # noqa: ASYNC109 (a deadline per call is the API)
        what: str = "",
    ) -> None:
        """Wait until ``predicate()`` holds; AssertionError with the conversation on timeout."""
        limit = self.timeout if timeout is None else timeout
        if not await self.emulator.wait_until(predicate, limit):
            self._fail(f"condition {what or predicate!r} not met within {limit}s")

    async def wait_quiet(self, quiet: float = 0.15, timeout: float | None = None) -> None:  # noqa: ASYNC109 (a deadline per call is the API)
        """Wait until the bot made no call in this chat for ``quiet`` seconds."""
        limit = self.timeout if timeout is None else timeout
        if not await self.emulator.wait_quiet(self.user_id, quiet, limit):
            self._fail(f"the bot kept acting for more than {limit}s")

    # --- waiting for the bot -------------------------------------------------------------------
    async def _reaction(
        self, mark: int, action: str, *, query_id: str | None = None, quiet: float | None = None
    ) -> list[ChatMessage]:
        chat = self.chat

        def reacted(events: list[ChatEvent]) -> bool:
            return any(
                e.kind in VISIBLE_EVENTS or (e.kind == "answer" and e.query_id == query_id) for e in events
            )

        def visible(events: list[ChatEvent]) -> bool:
            return any(e.kind in VISIBLE_EVENTS for e in events)

        wait = self.emulator.wait_until
        if not await wait(lambda: reacted(chat.events_after(mark)), self.timeout, chat_id=chat.id):
            self._fail(f"{action}: the bot did not react within {self.timeout}s")
        if query_id is not None and not visible(chat.events_after(mark)):
            await wait(lambda: visible(chat.events_after(mark)), ANSWER_GRACE, chat_id=chat.id)
        if quiet is not None:
            await self.wait_quiet(quiet)
        touched = {e.message_id for e in chat.events_after(mark) if e.kind in {"send", "edit"}}
        return [m for m in chat.messages if m.message_id in touched and m.from_bot and not m.deleted]

    def _fail(self, problem: str) -> None:
        failed = [
            c for c in list(self.emulator.state.calls)[-50:] if not c.ok and c.method.lower() != "getupdates"
        ]
        details = [f"customer {self.user_id}: {problem}", "conversation:", self.transcript()]
        if failed:
            details.append("recent failed bot calls:")
            details += [f"  {c.method} -> {c.status} {c.description}" for c in failed[-5:]]
        if self.emulator.dropped_updates:
            details.append(
                f"updates dropped by allowed_updates={self.emulator.state.allowed_updates}: "
                f"{self.emulator.dropped_updates[-5:]}"
            )
        raise AssertionError("\n".join(details))

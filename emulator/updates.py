"""Update ids, the getUpdates queue with Telegram's confirm-by-offset semantics, update builders."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from .html_text import utf16_len

# Telegram's default when allowed_updates is empty: everything except these.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")


def update_type(update: dict[str, Any]) -> str:
    """The update's kind: the one key besides update_id ('message', 'callback_query', ...)."""
    return next((key for key in update if key != "update_id"), "")


def is_allowed(update: dict[str, Any], allowed_updates: list[str]) -> bool:
    """Whether Telegram would generate this update given the bot's allowed_updates."""
    kind = update_type(update)
    if allowed_updates:
        return kind in allowed_updates
    return kind not in _OPT_IN_UPDATES


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities for '/cmd' words, as Telegram adds them to user messages."""
    entities = []
    for match in _COMMAND.finditer(text):
        start = match.start()
        if start and not text[start - 1].isspace():
            continue
        entities.append(
            {"type": "bot_command", "offset": utf16_len(text[:start]), "length": utf16_len(match.group())}
        )
    return entities


@dataclass
class _Entry:
    update_id: int
    payload: dict[str, Any]
    delivered: bool = False


class UpdateQueue:
    """Pending updates for getUpdates.

    Updates stay until confirmed: a getUpdates with ``offset`` forgets every already-returned update
    with a smaller id. A redelivered duplicate keeps its old (smaller) id, so it is only forgotten
    once it has itself been returned.
    """

    def __init__(self, first_update_id: int = 100_000_001) -> None:
        self._ids = itertools.count(first_update_id)
        self._entries: list[_Entry] = []

    def next_id(self) -> int:
        """A fresh update_id."""
        return next(self._ids)

    def push(self, payload: dict[str, Any]) -> None:
        """Queue an update (its update_id already set)."""
        self._entries.append(_Entry(int(payload["update_id"]), payload))

    def confirm(self, offset: int) -> None:
        """Apply getUpdates' offset: forget confirmed updates (negative: keep only the last -offset)."""
        if offset < 0:
            self._entries = self._entries[offset:]
            return
        self._entries = [e for e in self._entries if not (e.delivered and e.update_id < offset)]

    def peek(self, limit: int) -> list[dict[str, Any]]:
        """Return up to ``limit`` pending updates (oldest first) and mark them as delivered."""
        batch = self._entries[: max(1, min(limit, 100))]
        for entry in batch:
            entry.delivered = True
        return [entry.payload for entry in batch]

    def drain(self) -> list[dict[str, Any]]:
        """Remove and return every pending update (e.g. when a webhook is set)."""
        payloads = [entry.payload for entry in self._entries]
        self._entries = []
        return payloads

    def __len__(self) -> int:
        return len(self._entries)


def message_update(update_id: int, message: dict[str, Any]) -> dict[str, Any]:
    """Update carrying a new message."""
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, query: dict[str, Any]) -> dict[str, Any]:
    """Update carrying a callback query (button press)."""
    return {"update_id": update_id, "callback_query": query}


def my_chat_member_update(
    update_id: int, chat: dict[str, Any], user: dict[str, Any], bot: dict[str, Any], date: int, blocked: bool
) -> dict[str, Any]:
    """Update Telegram sends when a user blocks (kicked) or unblocks (member) the bot."""
    old, new = ("member", "kicked") if blocked else ("kicked", "member")

    def member(status: str) -> dict[str, Any]:
        return {"status": status, "user": bot} | ({"until_date": 0} if status == "kicked" else {})

    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": chat,
            "from": user,
            "date": date,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        },
    }

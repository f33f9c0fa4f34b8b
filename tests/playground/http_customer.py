"""A customer scripted through the playground's HTTP control API only, as the page itself works."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp

T = TypeVar("T")
Message = dict[str, Any]


def keyboard_message(messages: list[Message]) -> Message | None:
    """The newest bot message (not deleted) with inline buttons."""
    return next((m for m in reversed(messages) if m["from_bot"] and not m["deleted"] and m["buttons"]), None)


def labels(message: Message) -> list[str]:
    """Visible texts of a message's inline buttons."""
    return [button["text"] for row in message["buttons"] for button in row]


class HttpCustomer:
    """One playground user, acting and reading through /_emulator/ and /_playground/ routes."""

    def __init__(self, http: aiohttp.ClientSession, chat_id: int, timeout: float = 20.0) -> None:
        self.http = http
        self.chat_id = chat_id
        self.timeout = timeout

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.http.request(method, path, **kwargs) as response:
            body = await response.json()
            assert response.status == 200, f"{method} {path} -> {response.status} {body}"
            return body

    async def page(self) -> dict[str, Any]:
        """The chat as the page reads it: {"version", "chat", "messages"}."""
        return await self._json("GET", f"/_emulator/chats/{self.chat_id}/messages")  # type: ignore[no-any-return]

    async def send(self, text: str) -> None:
        """Type and send a message."""
        await self._json("POST", f"/_emulator/chats/{self.chat_id}/messages", json={"text": text})

    async def press(self, label: str, message_id: int) -> None:
        """Press an inline button on a message."""
        body = {"button": label, "message_id": message_id}
        await self._json("POST", f"/_emulator/chats/{self.chat_id}/press", json=body)

    async def send_file(self, data: bytes, filename: str, content_type: str) -> Message:
        """Upload a photo or document through the page's file picker route."""
        form = aiohttp.FormData()
        form.add_field("file", data, filename=filename, content_type=content_type)
        body = await self._json("POST", f"/_playground/chats/{self.chat_id}/media", data=form)
        return body["message"]  # type: ignore[no-any-return]

    async def wait_for(self, found: Callable[[list[Message]], T | None], what: str) -> T:
        """Re-read the chat after each change (long poll on /_emulator/changes) until ``found`` returns
        something; AssertionError with the chat's end after ``timeout``."""
        deadline = time.monotonic() + self.timeout
        while True:
            page = await self.page()
            result = found(page["messages"])
            if result is not None and result is not False:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                tail = [(m["plain_text"] or m["caption"], labels(m)) for m in page["messages"][-4:]]
                raise AssertionError(f"customer {self.chat_id}: no {what} in time; the chat ends {tail}")
            params = {"since": str(page["version"]), "timeout": str(min(remaining, 10.0))}
            await self._json("GET", "/_emulator/changes", params=params)

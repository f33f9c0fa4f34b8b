"""The aiohttp session Tingjian talks to the Bot API through (aiogram's, with two corrections).

- JSON is decoded without U+0000, and with lone UTF-16 surrogates replaced by U+FFFD: PostgreSQL
  stores neither in text or jsonb, so a customer's message carrying one would fail on every retry
  and never be answered. Updates, polled or posted to
  the webhook, are decoded by this loader too.
- Calls without a file go as one JSON body instead of aiogram's form (a field per parameter, nested
  objects JSON-encoded one by one): less work on both ends, and Telegram accepts either.
- aiogram validates each reply as `Response[<result type>]`; pydantic caches such parametrised
  models only weakly, so after each garbage collection they were built again (schema and
  validator: about a millisecond each, 11 % of the bot's CPU under load). Keeping a reference to
  each one keeps pydantic's cache warm.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import FormData, JsonPayload

if TYPE_CHECKING:
    from aiogram import Bot

# Result type -> Response[result type], for the life of the process (a few dozen at most).
_RESPONSE_MODELS: dict[Any, Any] = {}
# A JSON escape \u0000 (an odd number of backslashes before "u0000"); an even number is literal text.
_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def json_loads_without_nul(text: str | bytes) -> Any:
    """Decode Bot API JSON, dropping every U+0000 and replacing lone UTF-16 surrogates with U+FFFD."""
    if isinstance(text, bytes):
        text = text.decode()
    if "\\u0000" in text:
        text = _NUL_ESCAPE.sub(r"\1", text)
    data = json.loads(text)
    # A surrogate escape ("\ud800") that is not half of a pair decodes to a str that cannot be
    # encoded as UTF-8, so PostgreSQL could never store it; paired ones are already combined.
    return _without_lone_surrogates(data) if _SURROGATE_ESCAPE.search(text) else data


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


class TelegramSession(AiohttpSession):
    """aiogram's AiohttpSession with NUL-free JSON and its response models kept alive."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(json_loads=json_loads_without_nul, **kwargs)

    def build_form_data(  # type: ignore[override]  # aiohttp posts any payload, JSON included
        self, bot: Bot, method: TelegramMethod[TelegramType]
    ) -> FormData | JsonPayload:
        """The request body: JSON, or aiogram's multipart form when the call uploads a file."""
        files: dict[str, Any] = {}
        body = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                body[key] = prepared
        if files:
            return super().build_form_data(bot, method)
        return JsonPayload(body, dumps=self.json_dumps)

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        """aiogram's check, after making sure the response model for this method stays cached."""
        returning = method.__returning__
        if returning not in _RESPONSE_MODELS:
            _RESPONSE_MODELS[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)

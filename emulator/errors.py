"""Bot API error replies, shaped like the ones the real Telegram server sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class BotAPIError(Exception):
    """An error the emulator answers with instead of a result (``ok: false``)."""

    status: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.description}"

    def body(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send for this error."""
        payload: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            payload["parameters"] = dict(self.parameters)
        return payload


def bad_request(detail: str) -> BotAPIError:
    """400 with Telegram's ``Bad Request: ...`` prefix."""
    return BotAPIError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> BotAPIError:
    """403 with Telegram's ``Forbidden: ...`` prefix."""
    return BotAPIError(403, f"Forbidden: {detail}")


def conflict(detail: str) -> BotAPIError:
    """409 with Telegram's ``Conflict: ...`` prefix."""
    return BotAPIError(409, f"Conflict: {detail}")


def not_found() -> BotAPIError:
    """404 as Telegram answers an unknown method."""
    return BotAPIError(404, "Not Found")


def unauthorized() -> BotAPIError:
    """401 as Telegram answers a wrong token."""
    return BotAPIError(401, "Unauthorized")


def too_many_requests(retry_after: int) -> BotAPIError:
    """429 flood-control error with ``parameters.retry_after``."""
    return BotAPIError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


_SERVER_ERROR_TEXT = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def server_error(status: int) -> BotAPIError:
    """5xx error as seen from Telegram's front servers."""
    return BotAPIError(status, _SERVER_ERROR_TEXT.get(status, "Internal Server Error"))


MESSAGE_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"

"""The API's error answers: every refusal and every failure under /api/v1 is JSON in one format.

`ApiError` is a refusal a handler decides on. `api_errors` is the middleware for the rest: aiohttp's own
refusals (413 body too large, 404 unknown path, 405 wrong method) get the same JSON body, and an
unexpected exception answers 500 in it too, logged with its type and the code it went through but no
message (a message can quote what the client sent).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.api import schemas

logger = logging.getLogger(__name__)
PREFIX = "/api/v1"
# aiohttp's refusals by status: the stable code and the sentence the JSON body carries.
_REFUSALS: dict[int, tuple[str, str]] = {
    404: ("not_found", "no such route (see /api/v1/openapi.json)"),
    405: ("method_not_allowed", "this route does not take that method (see the Allow header)"),
    413: ("body_too_large", "the body is too large"),
}


class ApiError(Exception):
    """A request the API refuses: HTTP status, a stable error code, a sentence and the details."""

    def __init__(
        self, status: int, code: str, message: str, details: list[schemas.ErrorDetail] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []

    def response(self, headers: dict[str, str] | None = None) -> web.Response:
        """The JSON answer."""
        body = schemas.ErrorBody(error=self.code, message=self.message, details=self.details)
        if self.status == 401:
            headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="tingjian"'}
        return web.json_response(body.model_dump(mode="json"), status=self.status, headers=headers)


def _is_api(request: web.Request) -> bool:
    return request.path == PREFIX or request.path.startswith(f"{PREFIX}/")


def _refusal(refused: web.HTTPException) -> web.Response:
    code, message = _REFUSALS.get(
        refused.status, (refused.reason.lower().replace(" ", "_"), refused.reason.lower())
    )
    if refused.status == 413:
        message = refused.text or message  # aiohttp's sentence names the limit
    kept = {name: value for name, value in refused.headers.items() if name.lower() == "allow"}
    return ApiError(refused.status, code, message).response(kept)


def _types(error: BaseException) -> str:
    """The exception's type and those of the exceptions it was raised from, outermost first."""
    names: list[str] = []
    current: BaseException | None = error
    while current is not None and len(names) < 10:
        names.append(type(current).__name__)
        current = current.__cause__ or current.__context__
    return " from ".join(names)


@web.middleware
async def api_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """JSON answers for aiohttp's refusals and for unexpected exceptions under /api/v1."""
    if not _is_api(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as refused:
        if refused.status < 400:
            raise
        return _refusal(refused)
    except Exception as error:
        # Type and frames only: the message or a chained one may quote the request (a filter value,
        # a customer's text), and the query string is left out for the same reason.
        frames = "".join(traceback.format_tb(error.__traceback__))
        logger.error("API %s %s failed with %s:\n%s", request.method, request.path, _types(error), frames)
        return ApiError(500, "internal_error", "the request failed on the server; it was logged").response()

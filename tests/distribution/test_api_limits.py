"""The HTTP API never answers 500 to what a client sends, and every error is JSON in one format.

Each case here was found from outside (out-of-range numbers and dates, NUL characters, deep or huge
JSON, oversized bodies) and answered 500 or text/plain before.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import ClientResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine
from tests.distribution.test_api import GOOD, api

ERROR_KEYS = {"error", "message", "details"}


async def error_of(answer: ClientResponse, status: int) -> dict[str, Any]:
    """The JSON error body of an answer that must have `status`."""
    assert answer.status == status, (answer.status, await answer.text())
    assert answer.content_type == "application/json"
    body: dict[str, Any] = await answer.json()
    assert set(body) == ERROR_KEYS
    return body


async def test_an_unexpected_failure_answers_json_500_and_logs_no_request_data(
    db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = create_engine("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    try:
        async with api(unreachable) as client:
            with caplog.at_level(logging.ERROR, logger="bot.api"):
                answer = await client.get("/api/v1/responses?branch=SECRET-BRANCH-7", headers=GOOD)
                body = await error_of(answer, 500)
    finally:
        await unreachable.dispose()
    assert body["error"] == "internal_error"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /api/v1/responses failed with" in logged and "ConnectionRefusedError" in logged
    assert "SECRET-BRANCH-7" not in logged


async def test_aiohttp_refusals_are_json_too(db: AsyncEngine) -> None:
    async with api(db) as client:
        too_large = await client.post(
            "/api/v1/kpis",
            data=b" " * (1024 * 1024 + 1),
            headers={**GOOD, "Content-Type": "application/json"},
        )
        assert (await error_of(too_large, 413))["error"] == "body_too_large"
        unknown = await client.get("/api/v1/nothing-here", headers=GOOD)
        assert (await error_of(unknown, 404))["error"] == "not_found"
        wrong_method = await client.delete("/api/v1/kpis", headers=GOOD)
        assert (await error_of(wrong_method, 405))["error"] == "method_not_allowed"
        assert wrong_method.headers["Allow"] == "POST"

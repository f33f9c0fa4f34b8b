"""No personal data in logs: database errors lose the values they quote, access lines their query."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot import log_privacy
from bot.runner import PathOnlyAccessLogger
from storage.database import create_engine

PERSONAL = "张三 13800138000"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What a handler configured like `tingjian`'s writes."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("tingjian-test")
    logger.addHandler(handler)
    log_privacy.install(logger)
    try:
        yield output
    finally:
        logger.removeHandler(handler)


async def test_a_failing_statement_is_logged_without_the_values_it_carried(
    database_url: str, log_output: io.StringIO
) -> None:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as error:
                await connection.execute(text("SELECT CAST(:value AS integer)"), {"value": PERSONAL})
    finally:
        await engine.dispose()
    assert "parameters hidden" in str(error.value)  # SQLAlchemy's own list of them is gone
    logger = logging.getLogger("tingjian-test")
    try:
        raise RuntimeError("update failed") from error.value
    except RuntimeError:
        logger.exception("update %s failed", 42)
    logger.warning("retrying after %s", error.value)
    written = log_output.getvalue()
    assert "SELECT CAST($1 AS integer)" in written
    assert "RedactedDatabaseError" in written and "update 42 failed" in written
    assert "张三" not in written and "13800138000" not in written


async def test_access_lines_carry_the_path_but_not_the_query_or_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = web.Application()

    async def customers(request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_get("/api/v1/customers", customers)
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/api/v1/customers"
            async with session.get(url, params={"external_id": PERSONAL}) as response:
                assert response.status == 200
    finally:
        await runner.cleanup()
    lines = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    assert any(line.startswith("GET /api/v1/customers 200") for line in lines), lines
    assert not any("13800138000" in line or "external_id" in line or "127.0.0.1" in line for line in lines)

"""`tingjian playground --demo`: weeks of generated history, written once, that the report reads."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from storage.migrate import upgrade_async
from tests.playground.http_customer import HttpCustomer
from tests.playground.process import playground_process, tingjian_env
from tests.support.database import create_database, drop_database

GENERATED = re.compile(r"--demo: generated 8 weeks of history: (\d+) survey responses .* (\d+) complaints")


@pytest.fixture
async def demo_database(pg_server: str) -> AsyncIterator[str]:
    """An empty, migrated database of its own, so the generated history touches no other test."""
    url = await create_database(pg_server, prefix="tingjian_demo")
    await upgrade_async(url)
    yield url
    await drop_database(pg_server, url)


def demo_line(lines: list[str]) -> str:
    return next(line for line in lines if line.startswith("--demo:"))


async def greeting(url: str) -> str:
    """顾客 1 sends /start through the page's API; the bot's welcome text."""
    async with aiohttp.ClientSession(base_url=url) as http:
        customer = HttpCustomer(http, 100001)
        await customer.send("/start")
        welcome = await customer.wait_for(
            lambda messages: next((m for m in messages if m["from_bot"]), None), "the welcome"
        )
        return str(welcome["plain_text"])


async def test_demo_history_is_written_once_and_the_report_shows_its_figures(
    demo_database: str, tmp_path: Path
) -> None:
    with playground_process(
        tmp_path, "playground", "--demo", "--port", "0", DATABASE_URL=demo_database
    ) as first:
        generated = GENERATED.search(demo_line(first.stdout))
        assert generated, first.stdout
        responses, complaints = int(generated.group(1)), int(generated.group(2))
        assert responses >= 3000 and complaints >= 200
        assert "/digest" in demo_line(first.stdout) and "tingjian report" in demo_line(first.stdout)
        assert "您好" in await greeting(first.url)
    with playground_process(
        tmp_path, "playground", "--demo", "--port", "0", DATABASE_URL=demo_database
    ) as again:
        assert "already holds the generated history; nothing added" in demo_line(again.stdout)
        # A restarted playground numbers its updates after the first run's, so none is taken
        # for a redelivery of an update the database has already seen.
        assert "您好" in await greeting(again.url)

    # Last week is complete in the eight generated weeks (this week may have just begun).
    last_week = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() - dt.timedelta(days=7)
    report = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "report", "--period", "week", "--at", last_week.isoformat()),
        cwd=tmp_path,
        env=tingjian_env(tmp_path, DATABASE_URL=demo_database),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = (stream.decode() for stream in await asyncio.wait_for(report.communicate(), 300))
    assert report.returncode == 0, err
    assert "服务质量综合指数" in out and "投诉热点关键词" in out
    index_row = re.search(r"^(\d{2}\.\d)\s+\d{2}\.\d\s+\d{2}\.\d\s+\d+", out, re.MULTILINE)
    assert index_row and 40 < float(index_row.group(1)) < 95, out[:1500]

"""`tingjian playground --demo`: generated history, written once, that /digest and the report read."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.util
import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from bot.playground import ADMIN_ID
from storage.migrate import upgrade_async
from tests.playground.chat_page import ChatPage
from tests.playground.http_customer import HttpCustomer
from tests.playground.process import Playground, playground_process, tingjian_env
from tests.support.database import create_database, drop_database

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
GENERATED = re.compile(r"--demo: generated 8 weeks of history: (\d+) survey responses .* (\d+) complaints")


@pytest.fixture(scope="module")
async def demo_database(pg_server: str) -> AsyncIterator[str]:
    """An empty, migrated database of its own, so the generated history touches no other test."""
    url = await create_database(pg_server, prefix="tingjian_demo")
    await upgrade_async(url)
    yield url
    await drop_database(pg_server, url)


@pytest.fixture(scope="module")
def demo(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    """`tingjian playground --demo` on that database (the first start, which writes the history)."""
    workdir = tmp_path_factory.mktemp("demo")
    with playground_process(
        workdir, "playground", "--demo", "--port", "0", DATABASE_URL=demo_database
    ) as run:
        yield run


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


async def test_demo_writes_weeks_of_history_and_says_where_to_look(demo: Playground) -> None:
    generated = GENERATED.search(demo_line(demo.stdout))
    assert generated, demo.stdout
    responses, complaints = int(generated.group(1)), int(generated.group(2))
    assert responses >= 3000 and complaints >= 200
    assert "/digest" in demo_line(demo.stdout) and "tingjian report" in demo_line(demo.stdout)
    assert "您好" in await greeting(demo.url)


async def test_a_second_start_adds_nothing_and_still_answers(
    demo: Playground, demo_database: str, tmp_path: Path
) -> None:
    with playground_process(
        tmp_path, "playground", "--demo", "--port", "0", DATABASE_URL=demo_database
    ) as again:
        assert "already holds the generated history; nothing added" in demo_line(again.stdout)
        # Both runs share the database; the second numbers its updates after the first's, so the
        # bot takes none of them for a redelivery it has already handled.
        assert "您好" in await greeting(again.url)


async def test_the_report_shows_figures_from_the_history(
    demo: Playground, demo_database: str, tmp_path: Path
) -> None:
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


def test_digest_with_its_chart_in_the_admin_view(demo: Playground, browser: webdriver.Chrome) -> None:
    if importlib.util.find_spec("bot.handlers.admin_digest") is None:
        pytest.skip("the /digest command (bot.handlers.admin_digest) is not there yet")
    page = ChatPage(browser, demo.url, timeout=60.0)
    page.open()
    page.switch_to(ADMIN_ID)
    page.type(ADMIN_ID, "/digest")
    page.wait_for_text(ADMIN_ID, "综合指数")
    chart = page.until(
        lambda d: [
            i
            for i in d.find_elements(By.CSS_SELECTOR, ".message.incoming img.photo")
            if i.get_property("naturalWidth")
        ],
        "the digest chart, loaded",
    )
    assert int(chart[-1].get_property("naturalWidth")) >= 400  # a real chart, not a placeholder
    assert re.search(r"综合指数：\d+\.\d", page.chat_text(ADMIN_ID))
    page.fonts_loaded()
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "playground-digest.png"))

"""`tingjian playground` as a process: the page and control API on one port, answers in PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.playground import ADMIN_ID, is_loopback
from dialogs.survey_loader import default_survey_path, load_survey_file
from emulator.emulator import TINY_PNG as PIXEL
from tests.playground.conftest import CONFIGURED_ADMIN
from tests.playground.http_customer import HttpCustomer, Message, keyboard_message, labels
from tests.playground.process import Playground, playground_process, tingjian_env
from tests.support.survey_steps import THANKS_ZH, responses_of, stored_answers

SURVEY = load_survey_file(default_survey_path())


@pytest.fixture
async def http(playground: Playground) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=playground.url) as session:
        yield session


def choice(message: Message) -> str:
    """'4 · 满意' on a labelled scale, '9' on the 0–10 recommendation scale."""
    options = labels(message)
    return next((label for label in options if label.startswith("4 · ")), None) or "9"


async def test_page_and_control_api_are_served_on_one_port(http: aiohttp.ClientSession) -> None:
    async with http.get("/") as page:
        html = await page.text()
        assert page.status == 200 and page.content_type == "text/html"
        assert "听见" in html and "/static/app.js" in html and "/static/app.css" in html
    for asset, kind in (("/static/app.js", "javascript"), ("/static/app.css", "text/css")):
        async with http.get(asset) as response:
            assert response.status == 200 and kind in response.content_type
    async with http.head("/fonts/noto-sans-cjk-sc.otf") as font:
        assert font.status == 200 and font.content_type == "font/otf"
        assert int(font.headers["Content-Length"]) > 1_000_000  # the real CJK font, not a stub
    async with http.get("/_playground/info") as response:
        info = await response.json()
    assert info["admin_id"] == ADMIN_ID == 900000
    assert [(p["name"], p["role"], p["language"]) for p in info["people"][:3]] == [
        ("管理员", "admin", "zh"),
        (f"管理员 {CONFIGURED_ADMIN}", "admin", "zh"),  # from ADMIN_IDS: alerts reach them here too
        ("顾客 1", "customer", "zh"),
    ]
    async with http.get("/_emulator/chats") as response:
        chats = {c["chat_id"]: c for c in (await response.json())["chats"]}
    assert chats[900000]["user"]["first_name"] == "管理员"
    assert chats[100001]["user"]["language_code"] == "zh-hans"


async def test_a_customer_completes_the_survey_over_http_and_the_answers_land_in_postgresql(
    http: aiohttp.ClientSession, engine: AsyncEngine
) -> None:
    async with http.post("/_playground/customers", json={"language": "zh"}) as response:
        person = await response.json()
    assert person["name"].startswith("顾客 ") and person["role"] == "customer"
    customer = HttpCustomer(http, person["chat_id"])

    await customer.send("/survey")
    scored = [q for q in SURVEY.questions if q.role not in ("reasons", "comment")]
    for number in range(1, len(scored) + 1):
        progress = f"第 {number}/{len(scored)} 题"

        def question_on_screen(messages: list[Message], progress: str = progress) -> Message | None:
            message = keyboard_message(messages)  # the survey card, turned to the next question each time
            return message if message is not None and progress in message["plain_text"] else None

        question = await customer.wait_for(question_on_screen, f"question {number}")
        await customer.press(choice(question), question["message_id"])

    summary = await customer.wait_for(
        lambda messages: next((m for m in messages if THANKS_ZH in (m["plain_text"] or "")), None),
        "the thank-you summary",
    )
    assert "4 · 满意" in summary["plain_text"]
    expected = {q.key: 9.0 if q.role == "nps" else 4.0 for q in scored}
    assert await stored_answers(engine, person["chat_id"]) == expected
    assert await responses_of(engine, person["chat_id"]) == ["completed"]


async def test_a_photo_from_the_file_picker_reaches_the_chat_with_its_bytes(
    http: aiohttp.ClientSession,
) -> None:
    customer = HttpCustomer(http, 100001)
    message = await customer.send_file(PIXEL, "门店.png", "image/png")
    assert (message["media_kind"], message["from_bot"]) == ("photo", False)
    assert message["file"]["filename"] == "门店.png"
    async with http.get(message["file"]["url"]) as response:
        assert response.status == 200 and await response.read() == PIXEL

    # The real bot got an update for it and answered in the chat.
    def reply(messages: list[Message]) -> Message | None:
        return next((m for m in messages if m["from_bot"] and m["message_id"] > message["message_id"]), None)

    assert (await customer.wait_for(reply, "reaction to the photo"))["plain_text"]


def test_a_non_loopback_address_is_refused_unless_allowed(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "playground", "--host", "0.0.0.0", "--port", "0"],
        cwd=tmp_path,
        env=tingjian_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "refusing to serve the playground on 0.0.0.0" in result.stderr
    assert "--allow-remote" in result.stderr and "127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.com", False),
    ],
)
def test_only_loopback_addresses_count_as_local(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def _postmaster_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def _stopped(pid: int) -> bool:
    """Whether the server process has ended (postgres removes postmaster.pid just before it exits)."""
    import psutil

    try:
        psutil.Process(pid).wait(10)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        return False
    return True


def test_ctrl_c_of_make_run_stops_the_embedded_database_too(tmp_path: Path) -> None:
    import psutil

    pgdata = tmp_path / "data" / "playground" / "pgdata"
    # `make run` without BOT_TOKEN or DATABASE_URL: the playground on the embedded PostgreSQL.
    with playground_process(tmp_path, "run", "--port", "0") as first:
        server = _postmaster_pid(pgdata)
        assert server is not None and psutil.pid_exists(server), first.stdout
    # playground_process ended it with SIGINT, as Ctrl+C does.
    assert _postmaster_pid(pgdata) is None and _stopped(server)

    # A process killed outright never said it was done with the database; it must not keep the
    # server running after the next Ctrl+C.
    dead = psutil.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (pgdata / ".handle_pids.json").write_text(f"[{dead.pid}]")
    with playground_process(tmp_path, "run", "--port", "0"):
        server = _postmaster_pid(pgdata)
        assert server is not None
    assert _postmaster_pid(pgdata) is None and _stopped(server)


async def test_a_database_behind_its_migrations_stops_the_playground_at_once_saying_what_to_run(
    pg_server: str, tmp_path: Path
) -> None:
    from tests.support.database import create_database, drop_database

    url = await create_database(pg_server, prefix="tingjian_unmigrated")
    try:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "playground", "--port", "0"),
            cwd=tmp_path,
            env=tingjian_env(tmp_path, DATABASE_URL=url),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            # The bot's start-up allows 300 s; the failure must not wait for it.
            _, err = await asyncio.wait_for(process.communicate(), 120)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    finally:
        await drop_database(pg_server, url)
    stderr = err.decode()
    assert process.returncode == 2, stderr
    assert "run `tingjian db upgrade`" in stderr and "Traceback" not in stderr

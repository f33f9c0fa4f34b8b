"""`tingjian run` as a real process: the chat process never imports pandas, matplotlib, scipy,
scikit-learn or jieba's keyword tables (not at start, not while serving), and its worker child
builds the admins' files, is restarted when it dies and stops with the bot."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import BotAPIEmulator
from tests.robustness.bot_process import bot_process

ADMIN = 900001
CUSTOMER = 4601
HEAVY = {"pandas", "matplotlib", "scipy", "sklearn"}
KEYWORD_TABLES = {"jieba.analyse", "jieba.posseg"}


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


def imported_modules(log: str) -> set[str]:
    """Modules named in `-X importtime` lines (PYTHONPROFILEIMPORTTIME) of a log."""
    return {m.group(1) for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", log, re.M)}


def imported(log: str) -> set[str]:
    """Top-level packages named in `-X importtime` lines of a log."""
    return {name.split(".")[0] for name in imported_modules(log)}


def niceness(pid: int) -> int:
    """A process's nice value (field 19 of /proc/PID/stat, after the parenthesised name)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


def children(pid: int) -> list[int]:
    """Child process ids (Linux /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


async def until(condition: object, what: str, timeout: float = 60) -> None:  # noqa: ASYNC109
    """Poll `condition()` until it holds."""
    assert callable(condition)
    for _ in range(int(timeout / 0.1)):
        if condition():
            return
        await asyncio.sleep(0.1)  # polling a condition
    raise AssertionError(f"not within {timeout}s: {what}")


async def test_the_chat_process_imports_no_pandas_matplotlib_scipy_or_sklearn(
    db: AsyncEngine, database_url: str, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    env = {"RUN_WORKER": "false", "PYTHONPROFILEIMPORTTIME": "1", "ADMIN_IDS": str(ADMIN)}
    async with bot_process(emulator, database_url, tmp_path, env=env) as running:
        customer = emulator.customer(CUSTOMER)
        customer.timeout = 30  # the first complaint waits for the classifier's load (a busy machine)
        await customer.send("/start")
        await customer.wait_for(lambda: bool(customer.messages), what="the first reply")
        # A complaint uses the classifier (loaded in the background); an admin's /digest is queued.
        await customer.send("/complain")
        await customer.wait_for(lambda: "请告诉我们发生了什么" in customer.last_text, what="complaint prompt")
        await customer.send("昨天在人民路营业厅排了一个多小时的队，窗口只开了一个，工作人员态度冷淡。")
        await customer.wait_for(lambda: "收到" in customer.last_text, what="the complaint taken")
        admin = emulator.customer(ADMIN)
        admin.timeout = 30
        await admin.send("/digest")
        await admin.wait_for(lambda: "正在生成报告" in admin.last_text, what="the digest queued")
        await admin.send("/export csv")
        await admin.wait_for(lambda: "正在准备" in admin.last_text, what="the export queued")
        log = running.log.read_text(encoding="utf-8", errors="replace")
    modules = imported(log)
    assert {"aiogram", "jieba"} <= modules, "the import log must show lazy imports too"
    assert not modules & HEAVY, sorted(modules & HEAVY)
    # Keyword extraction's tables (about 95 MB) are the worker's: the complaint's keywords are queued.
    assert not imported_modules(log) & KEYWORD_TABLES, sorted(imported_modules(log) & KEYWORD_TABLES)


async def test_the_worker_child_builds_files_is_restarted_and_stops_with_the_bot(
    db: AsyncEngine, database_url: str, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    async with bot_process(emulator, database_url, tmp_path, env={"ADMIN_IDS": str(ADMIN)}) as running:
        pid = running.process.pid
        await until(lambda: len(children(pid)) == 1, "the worker child")
        first_child = children(pid)[0]
        assert niceness(first_child) == min(niceness(pid) + 10, 19)  # WORKER_NICE: replies come first
        admin = emulator.customer(ADMIN)
        admin.timeout = 30
        await admin.send("/export csv week")
        await admin.wait_for(
            lambda: any((m.filename or "").endswith(".zip") for m in admin.messages), what="the export file"
        )
        os.kill(first_child, signal.SIGKILL)  # the worker dies: the bot starts another one
        await until(lambda: children(pid) not in ([], [first_child]), "a restarted worker")
        second_child = children(pid)[0]
        await admin.send("/kpis")
        await admin.wait_for(
            lambda: "绩效指标读数" in admin.last_text, what="the KPI report from the new worker"
        )
        running.process.send_signal(signal.SIGTERM)
        assert await running.exited(60) == 0, running.log_tail()
        await until(lambda: not Path(f"/proc/{second_child}").exists(), "the worker stopped", timeout=10)

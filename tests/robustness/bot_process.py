"""The bot as a real operating-system process (`python -m bot run`) against the in-test emulator."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import DEFAULT_TOKEN, BotAPIEmulator

STARTUP_TIMEOUT = 60.0  # imports, migrations check, survey, jieba: a few seconds, more on a busy machine
WEBHOOK_SECRET = "robustness-secret_1"


@dataclass
class BotProcess:
    """A running `tingjian run` process and where its log goes."""

    process: asyncio.subprocess.Process
    log: Path
    web_url: str

    def log_tail(self, lines: int = 40) -> str:
        """The end of the process's log, for assertion messages."""
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    async def exited(self, timeout: float) -> int:  # noqa: ASYNC109 (a deadline per call is the API)
        """Wait for the process to end; its exit code (negative: killed by that signal)."""
        return await asyncio.wait_for(self.process.wait(), timeout)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def bot_process(
    emulator: BotAPIEmulator,
    database_url: str,
    folder: Path,
    *,
    webhook: bool = False,
    env: dict[str, str] | None = None,
) -> AsyncIterator[BotProcess]:
    """Start `python -m bot run [--webhook]` and return once it serves /healthz;
    SIGKILL it when the block ends if it is still running."""
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if k not in {"ADMIN_IDS", "WEBHOOK_URL"}}
    environment.update(
        BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE=emulator.base_url,
        DATABASE_URL=database_url,
        DATA_DIR=str(folder / "data"),
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(port),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",  # the log is read after a SIGKILL too
    )
    environment.update(env or {})
    if webhook:
        environment.update(WEBHOOK_URL=f"{web_url}/telegram/webhook", WEBHOOK_SECRET=WEBHOOK_SECRET)
    os.makedirs(folder, exist_ok=True)
    log = folder / f"bot-{port}.log"
    with log.open("wb") as sink:  # the child keeps its own copy of the descriptor
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *(["--webhook"] if webhook else []),
            env=environment,
            cwd=folder,  # no stray .env from the checkout
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
        )
    running = BotProcess(process, log, web_url)
    try:
        # /healthz answers once polling is about to start (or the webhook is set). Not "a getUpdates
        # is waiting": a killed process's last long poll still counts as waiting in the emulator.
        await _wait_ready(running, _serving(web_url))
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _serving(web_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"{web_url}/healthz") as reply:
                    if reply.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass  # not listening yet
            await asyncio.sleep(0.1)  # polling a condition, not waiting a fixed time


async def _wait_ready(running: BotProcess, ready: Coroutine[Any, Any, None]) -> None:
    ready_task = asyncio.create_task(asyncio.wait_for(ready, STARTUP_TIMEOUT))
    exit_task = asyncio.create_task(running.process.wait())
    done, _ = await asyncio.wait({ready_task, exit_task}, return_when=asyncio.FIRST_COMPLETED)
    for task in (ready_task, exit_task):
        task.cancel()
    if ready_task not in done or ready_task.exception() is not None:
        raise AssertionError(f"the bot process did not get ready:\n{running.log_tail()}")


def kill_when(emulator: BotAPIEmulator, condition: Callable[[], bool], process: BotProcess) -> None:
    """SIGKILL the process the moment ``condition()`` holds, from inside the emulator's change
    notification: the Bot API request that made it true never gets its response."""

    fired = False

    def check(_: object) -> None:
        nonlocal fired
        if not fired and condition():
            fired = True
            process.process.kill()

    emulator.state.subscribe(check)


async def wait_for_lock_waiters(engine: AsyncEngine, count: int) -> None:
    """Until ``count`` sessions wait for an advisory lock (updates blocked on their chat's lock)."""
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    for _ in range(600):
        async with engine.connect() as connection:
            if await connection.scalar(query) == count:
                return
        await asyncio.sleep(0.05)  # polling a condition
    raise AssertionError(f"expected {count} updates waiting for their chat's lock")

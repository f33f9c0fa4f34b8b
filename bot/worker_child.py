"""`tingjian run` keeps one worker (`tingjian worker`) as a child process: started with the bot,
restarted if it dies, stopped with SIGTERM when the bot stops (and by the kernel if the bot is killed)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.config import Settings

logger = logging.getLogger(__name__)
STOP_SECONDS = 30  # a job in progress may finish; then the child is killed
RESTART_SECONDS = (1.0, 2.0, 5.0, 15.0, 30.0)  # waits before restarts in a row


def _die_with_parent() -> None:
    # Linux: SIGTERM the child when the bot process dies, even by SIGKILL, so no orphan keeps working.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _prepare_child(nice: int) -> Callable[[], None]:
    def prepare() -> None:
        _die_with_parent()
        # Building a digest takes whole seconds of CPU; at a lower priority it waits for the bot's
        # replies instead of delaying them (on 2 cores the two otherwise share the CPU evenly).
        os.nice(nice)

    return prepare


@dataclass
class WorkerChild:
    """Supervises one `python -m bot worker` child."""

    env: Mapping[str, str]
    nice: int = 0
    command: list[str] = field(default_factory=lambda: [sys.executable, "-m", "bot", "worker"])
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    _task: asyncio.Task[None] | None = None
    _stopping: bool = False

    def start(self) -> None:
        """Start the child and keep it running."""
        self._task = asyncio.create_task(self._supervise())

    async def _spawn(self) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            *self.command,
            env=dict(self.env),
            stdin=asyncio.subprocess.DEVNULL,
            preexec_fn=_prepare_child(self.nice),
            start_new_session=True,  # Ctrl+C reaches the bot, which stops the child in order
        )
        logger.info("worker process %s started", process.pid)
        return process

    async def _supervise(self) -> None:
        failures = 0
        while not self._stopping:
            self.process = await self._spawn()
            code = await self.process.wait()
            if self._stopping:
                return
            wait = RESTART_SECONDS[min(failures, len(RESTART_SECONDS) - 1)]
            logger.warning(
                "worker process %s exited with %s; restarting in %ss", self.process.pid, code, wait
            )
            failures += 1
            self.restarts += 1
            await asyncio.sleep(wait)

    async def stop(self) -> None:
        """SIGTERM the child, wait for it (killing it after STOP_SECONDS), stop supervising."""
        self._stopping = True
        process = self.process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                logger.warning("worker process %s did not stop; killing it", process.pid)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def child_env(settings: Settings, database_url: str) -> dict[str, str]:
    """The bot's environment, with the database it resolved (the embedded server is the bot's) and
    the settings the worker's digests need even when they were given in code (the playground)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TELEGRAM_API_BASE": settings.telegram_api_base,
        "ADMIN_IDS": ",".join(str(admin) for admin in sorted(settings.admin_ids)),
        "DATA_DIR": str(settings.data_dir),
        "TIMEZONE": settings.timezone,
        "DEFAULT_LANGUAGE": settings.default_language,
        "TELEGRAM_PACING": "true" if settings.telegram_pacing else "false",
    }
    if settings.bot_token is not None:
        env["BOT_TOKEN"] = settings.bot_token.get_secret_value()
    return env

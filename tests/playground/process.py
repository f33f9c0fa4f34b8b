"""`tingjian playground` as a real subprocess: start it, wait for its address line, stop it."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

URL_LINE = re.compile(r"(http://127\.0\.0\.1:\d+/)")
# The first start initialises jieba and applies migrations; the address line comes after.
STARTUP_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0


@dataclass
class Playground:
    """A running playground process and what it printed."""

    process: subprocess.Popen[str]
    url: str
    first_line: str
    stdout: list[str] = field(default_factory=list)


def tingjian_env(workdir: Path, **env: str) -> dict[str, str]:
    """The environment of a `tingjian` subprocess: no token or admins from ours, data under ``workdir``."""
    environment = {
        k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "DATA_DIR"}
    }
    environment.update({"DATA_DIR": str(workdir / "data"), "PYTHONUNBUFFERED": "1", **env})
    return environment


def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
    assert hasattr(stream, "readline")
    for line in iter(stream.readline, ""):
        lines.put(line)
    lines.put(None)


@contextmanager
def playground_process(workdir: Path, *args: str, **env: str) -> Iterator[Playground]:
    """Run ``python -m bot <args>`` in ``workdir`` (so no .env is read) until its address line appears."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=tingjian_env(workdir, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    errors: list[str] = []
    threading.Thread(target=lambda: errors.extend(process.stderr or []), daemon=True).start()
    try:
        seen: list[str] = []
        while True:
            try:
                line = lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no address line within {STARTUP_TIMEOUT}s; stdout: {seen}") from None
            if line is None:
                process.wait(STOP_TIMEOUT)
                raise AssertionError(
                    f"the playground exited ({process.returncode}) before serving:\n{''.join(errors[-30:])}"
                )
            seen.append(line)
            if match := URL_LINE.search(line):
                break
        yield Playground(process, match.group(1), line.strip(), seen)
    finally:
        stop(process)


def stop(process: subprocess.Popen[str]) -> None:
    """Ctrl+C, as an operator stops it; kill only if it does not exit in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)

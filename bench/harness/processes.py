"""Starting, measuring and stopping the processes of a bench run: Tingjian or bare bots and the
webhook distributor, each a real `python -m …` subprocess with its log in the run's folder."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from emulator.emulator import DEFAULT_TOKEN

WEBHOOK_PATH = "/telegram/webhook"
WEBHOOK_SECRET = "bench-secret_0123456789"
ROOT = Path(__file__).resolve().parents[2]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc; 0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Child:
    """One subprocess of the run."""

    name: str
    process: asyncio.subprocess.Process
    log: Path
    url: str  # its HTTP server (http://127.0.0.1:port)
    probe_file: Path | None = None

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.process.pid

    async def wait_healthy(self, timeout: float = 90.0) -> None:  # noqa: ASYNC109 (a deadline per call is the API)
        """Until GET /healthz answers 200 (or raise with the end of its log)."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as http:
            while asyncio.get_running_loop().time() < deadline:
                if self.process.returncode is not None:
                    break
                try:
                    async with http.get(f"{self.url}/healthz") as reply:
                        if reply.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"{self.name} did not become healthy:\n{tail}")

    async def collect(self) -> dict[str, Any]:
        """Ask the probe for its samples since the last collection (SIGUSR1) and read them."""
        assert self.probe_file is not None
        self.probe_file.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR1)
        for _ in range(600):
            if self.probe_file.exists():
                return dict(json.loads(self.probe_file.read_text()))
            await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.name} wrote no probe file")

    async def stop(self, timeout: float = 30.0) -> int:  # noqa: ASYNC109 (a deadline per call is the API)
        """SIGINT, as Ctrl+C would; SIGKILL if it does not end in time. Its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
        return await self.process.wait()

    def kill(self) -> None:
        """SIGKILL, at once."""
        if self.process.returncode is None:
            self.process.kill()


async def spawn(
    name: str, module: str, args: list[str], env: dict[str, str], folder: Path, url: str
) -> Child:
    """Start ``python -m module args`` from the project root with ``env`` added."""
    log = folder / f"{name}.log"
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **env}  # as in the Docker image
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args, env=environment, cwd=ROOT, stdout=sink, stderr=sink
        )
    probe_file = Path(env["PROBE_FILE"]) if "PROBE_FILE" in env else None
    return Child(name, process, log, url, probe_file)


async def start_bot(
    name: str,
    kind: str,
    folder: Path,
    *,
    api_base: str,
    database_url: str,
    webhook_url: str | None,
    port: int | None = None,
) -> Child:
    """A Tingjian (``kind`` "tingjian"), bare or floor(1) bot process, polling or serving ``webhook_url``."""
    port = port or free_port()
    env = {
        "BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_BASE": api_base,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "PROBE_FILE": str(folder / f"{name}.probe.json"),
    }
    if kind == "tingjian":
        # The emulator has no flood limits here: the benches measure the bot, not Telegram's pacing.
        env.update(DATABASE_URL=database_url, DATA_DIR=str(folder / "data"), LOG_LEVEL="INFO")
        env.update(TELEGRAM_PACING="false")
    if kind.startswith("floor"):
        env.update(DATABASE_URL=database_url)
    if webhook_url is not None:
        env.update(WEBHOOK_URL=webhook_url, WEBHOOK_SECRET=WEBHOOK_SECRET)
    module = "bench.harness.tingjian_process" if kind == "tingjian" else "bench.harness.bare_bot"
    args = (["run"] if kind == "tingjian" else []) + (["--webhook"] if webhook_url else [])
    args += {"floor": ["--floor"], "floor1": ["--floor", "--one-reply"]}.get(kind, [])
    return await spawn(name, module, args, env, folder, f"http://127.0.0.1:{port}")


async def start_distributor(folder: Path, backends: list[str], port: int) -> Child:
    """The round-robin distributor on ``port`` in front of ``backends`` (their base URLs)."""
    args = [str(port), *backends]
    return await spawn(
        "distributor", "bench.harness.distributor", args, {}, folder, f"http://127.0.0.1:{port}"
    )


def copy_logs(folder: Path, target: Path) -> None:
    """Keep the processes' logs (the run's folder is temporary)."""
    target.mkdir(parents=True, exist_ok=True)
    for log in folder.rglob("*.log"):
        (target / f"{log.parent.name}-{log.name}").write_bytes(log.read_bytes())


def add_common_options(parser: argparse.ArgumentParser, chosen: str) -> None:
    """--only, --json and --logs, as both benches take them."""
    parser.add_argument("--only", nargs="*", default=[], help=f"words every chosen {chosen} name has")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--logs", type=Path, help="copy the processes' logs here")

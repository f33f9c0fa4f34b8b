"""Figures of a run: latency percentiles, the database's share, CPU per component, the machine."""

from __future__ import annotations

import asyncio
import os
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.harness.probe import STALL_END
from bench.harness.processes import cpu_seconds


def ms_percentiles(seconds: list[float], *quantiles: float) -> list[float]:
    """The given percentiles of a list of durations, in milliseconds (NaN if empty)."""
    if not seconds:
        return [float("nan")] * len(quantiles)
    return [float(v) * 1000 for v in np.percentile(np.asarray(seconds), quantiles)]


@dataclass
class HandlerTimes:
    """Per-update times inside the bot processes (from the probe)."""

    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    db_share: float  # of all update time, the part spent waiting for PostgreSQL
    api_share: float  # … and for the Bot API
    db_p50_ms: float  # database wait of the median update
    full_collections: int  # garbage collections of the oldest generation
    full_collection_max_ms: float  # the longest one: the event loop stood still that long
    loop_stalls: int  # times a process's event loop ran more than 50 ms late
    loop_stall_max_ms: float
    slow_db_share: float  # the database's share of the time of the slowest 1 % of updates

    @classmethod
    def of(cls, dumps: list[dict[str, Any]]) -> HandlerTimes:
        """Pool the samples of every process."""
        samples = np.asarray([s for dump in dumps for s in dump["samples"]], dtype=float).reshape(-1, 4)
        total, db, api = samples[:, 0], samples[:, 1], samples[:, 2]
        p50, p99, top = ms_percentiles(list(total), 50, 99, 100)
        whole = float(total.sum()) or float("nan")
        (db50,) = ms_percentiles(list(db), 50)
        full = [seconds for dump in dumps for generation, seconds in dump["collections"] if generation == 2]
        stalls = [late for dump in dumps for _, late in dump["loop_stalls"]]
        slow = total >= np.percentile(total, 99) if len(total) else total.astype(bool)
        slow_db = float(db[slow].sum()) / (float(total[slow].sum()) or float("nan"))
        return cls(
            len(total),
            p50,
            p99,
            top,
            float(db.sum()) / whole,
            float(api.sum()) / whole,
            db50,
            len(full),
            max(full, default=0.0) * 1000,
            len(stalls),
            max(stalls, default=0.0) * 1000,
            slow_db,
        )


def machine_busy() -> tuple[float, float]:
    """(busy, stolen) CPU seconds of the whole machine so far, from /proc/stat ("stolen": time the
    hypervisor gave our virtual CPUs to someone else)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle, steal = values[3] + values[4], values[7]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(values[:8]) - idle - steal) / ticks, steal / ticks


async def wait_for_quiet(max_cores: float, window: float = 3.0, timeout: float = 900.0) -> float:  # noqa: ASYNC109
    """Until the machine's other work uses at most ``max_cores`` (averaged over ``window`` seconds),
    or ``timeout``: the machine is shared, and a run beside someone's test suite measures both.
    Returns the cores in use at the last look."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        before = machine_busy()[0]
        await asyncio.sleep(window)
        busy = (machine_busy()[0] - before) / window
        if busy <= max_cores or loop.time() >= deadline:
            return busy


async def backend_pids(engine: AsyncEngine) -> list[int]:
    """The PostgreSQL backends serving the bench database right now."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        )
        return [int(pid) for (pid,) in rows]


class CpuMeter:
    """CPU seconds per component between ``start()`` and ``stop()``: this bench process (emulator
    and customers), each child, the PostgreSQL backends of the bench database, and the machine."""

    def __init__(self, children: dict[str, int]) -> None:
        self.children = children
        self.before: dict[str, float] = {}
        self.backends_before: dict[int, float] = {}

    async def start(self, engine: AsyncEngine) -> None:
        """Take the first reading."""
        self.before = self._read()
        self.backends_before = {pid: cpu_seconds(pid) for pid in await backend_pids(engine)}

    async def stop(self, engine: AsyncEngine, seconds: float) -> dict[str, float]:
        """Cores used on average over ``seconds``, per component (and 'machine' for everything)."""
        after = self._read()
        used = {name: (after[name] - self.before[name]) / seconds for name in after}
        pids = set(self.backends_before) | set(await backend_pids(engine))
        backends = sum(cpu_seconds(pid) - self.backends_before.get(pid, 0.0) for pid in pids)
        used["postgres"] = backends / seconds
        return used

    def _read(self) -> dict[str, float]:
        times = os.times()
        busy, stolen = machine_busy()
        reading = {"bench": times.user + times.system, "machine": busy, "stolen": stolen}
        reading.update({name: cpu_seconds(pid) for name, pid in self.children.items()})
        return reading


def _hardware() -> tuple[str, int]:
    """CPU model name and memory in kB, from /proc."""
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "?")
    return model, int(Path("/proc/meminfo").read_text().split()[1])


async def machine_info(engine: AsyncEngine) -> dict[str, str]:
    """What the figures were measured on."""
    model, memory_kb = _hardware()
    async with engine.connect() as connection:
        settings = {
            name: str(await connection.scalar(text(f"SHOW {name}")))
            for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers", "max_connections")
        }
    load = os.getloadavg()
    return {
        "cpu": f"{model}, {os.cpu_count()} cores",
        "memory": f"{memory_kb / 1024 / 1024:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": ", ".join(
            f"{name} {metadata.version(name)}" for name in ("aiogram", "aiohttp", "SQLAlchemy", "asyncpg")
        ),
        "postgresql": f"{settings['server_version']} (fsync={settings['fsync']}, "
        f"synchronous_commit={settings['synchronous_commit']}, shared_buffers={settings['shared_buffers']}, "
        f"max_connections={settings['max_connections']})",
        "load_average_at_start": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    }


def machine_line(machine: dict[str, str]) -> str:
    """The machine, in one line to stand above a table."""
    return "Machine: " + "; ".join(f"{key}: {value}" for key, value in machine.items())


def stall_stacks(
    dumps: list[dict[str, Any]], busy: float = 0.05, depth: int = 8, top: int = 8
) -> list[tuple[str, int]]:
    """The event-loop thread's innermost frames at the stall stacks the probe wrote
    (PROBE_STALL_STACKS), counted, for stalls in which the loop's thread itself used at least ``busy``
    CPU seconds: which code kept the loop busy (most frequent first). Stalls with less CPU were the
    process waiting for a core, and where it was preempted says nothing."""
    counts: dict[str, int] = {}
    for dump in dumps:
        pending: list[str] = []
        for block in dump.get("stall_stacks", "").split("Timeout (")[1:]:
            pending.append(block)
            if STALL_END not in block:
                continue
            cpu = float(block.split(STALL_END, 1)[1].split()[1])
            for snapshot in pending if cpu >= busy else []:
                key = _loop_frames(snapshot, depth)
                if key:
                    counts[key] = counts.get(key, 0) + 1
            pending = []
    return sorted(counts.items(), key=lambda item: -item[1])[:top]


def _loop_frames(snapshot: str, depth: int) -> str:
    """The innermost frames of the thread running the event loop in one faulthandler snapshot."""
    for thread in snapshot.split("\nThread ")[1:]:
        frames = [line.strip() for line in thread.splitlines()[1:] if line.strip().startswith("File")]
        if any("asyncio/base_events.py" in frame for frame in frames):
            return " <- ".join(_short_frame(frame) for frame in frames[:depth])
    return ""


def _short_frame(frame: str) -> str:
    """'File "/…/site-packages/aiogram/x.py", line 3 in f' -> 'aiogram/x.py:3 f'."""
    path, _, rest = frame.removeprefix('File "').partition('", line ')
    for marker in ("site-packages/", "lib/python3.11/", f"{Path(__file__).resolve().parents[2]}/"):
        path = path.split(marker, 1)[-1]
    line, _, function = rest.partition(" in ")
    return f"{path}:{line} {function}"


def stall_cpu(dumps: list[dict[str, Any]], busy: float = 0.05) -> dict[str, Any]:
    """Over the loop stalls: their count and total length, the CPU the loop's thread and the whole
    process used during them, and the "busy" ones (the loop's thread used ≥ ``busy`` s: code ran
    without yielding) against the rest (the process waited for a core)."""
    rows = [row for dump in dumps for row in dump.get("stall_cpu", [])]
    busy_rows = [row for row in rows if row[2] >= busy]
    return {
        "stalls": len(rows),
        "late_s": sum(row[1] for row in rows),
        "loop_thread_cpu_s": sum(row[2] for row in rows),
        "process_cpu_s": sum(row[3] for row in rows),
        "longest_s": max((row[1] for row in rows), default=0.0),
        "busy_stalls": len(busy_rows),
        "busy_late_s": sum(row[1] for row in busy_rows),
        "busy_longest_cpu_s": max((row[2] for row in busy_rows), default=0.0),
        "longest": [[round(v, 3) for v in row[1:]] for row in sorted(rows, key=lambda r: -r[1])[:5]],
    }

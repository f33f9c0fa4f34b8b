"""Timing inside a bot process: per update, the wall time of the whole update and the parts of it
spent waiting for the database and for the Bot API.

Installed by the bench's process entry points before the bot starts; the bot's code is unchanged.
Garbage collections are timed too (a full one stops the event loop), and so is the event loop's
lateness (a task that sleeps 10 ms notes when it wakes more than 50 ms late). On SIGUSR1 the samples are
written to PROBE_FILE (JSON, replaced atomically) and cleared, so the bench can discard a warm-up
and then collect the measured run.

- Database wait: every await of SQLAlchemy's asyncpg adapter (`await_`: statements, BEGIN/COMMIT,
  connects, pre-ping, and waiting for a pooled connection), measured as wall time: it includes the
  event loop's delay in resuming the update once PostgreSQL has answered.
- Bot API wait: every request through aiogram's session (`make_request`), also wall time.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class UpdateTimes:
    """Seconds spent by one update: in all, waiting for the database, waiting for the Bot API."""

    __slots__ = ("api", "db")

    def __init__(self) -> None:
        self.db = 0.0
        self.api = 0.0


_current: ContextVar[UpdateTimes | None] = ContextVar("bench_update_times", default=None)
_samples: list[tuple[float, float, float, float]] = []  # (total, db, api, wall-clock start) per update
_loop_stalls: list[tuple[float, float]] = []  # (wall-clock time, seconds the event loop was late)
_monitor: list[object] = []  # the loop-lag task, started with the first update
_collections: list[tuple[int, float]] = []  # (generation, seconds) per garbage collection
_collection_started = 0.0
_started = time.time()


def _time_collections(phase: str, info: dict[str, Any]) -> None:
    global _collection_started
    if phase == "start":
        _collection_started = time.perf_counter()
    else:
        _collections.append((int(info["generation"]), time.perf_counter() - _collection_started))


def record_update(total: float, times: UpdateTimes, started_at: float) -> None:
    """Keep one update's times."""
    _samples.append((total, times.db, times.api, started_at))


async def _watch_loop_lag(tick: float = 0.01, report: float = 0.05) -> None:
    """Note every time the event loop wakes this task more than ``report`` seconds late: the
    process was blocked (busy code, a collection) or not given a CPU."""
    while True:
        before = time.perf_counter()
        await asyncio.sleep(tick)
        late = time.perf_counter() - before - tick
        if late > report:
            _loop_stalls.append((time.time(), late))


def dump(path: Path) -> None:
    """Write the samples since the last dump (and this process's CPU time) and start afresh."""
    global _started
    cpu, until = os.times(), time.time()
    payload = {
        "pid": os.getpid(),
        "since": _started,
        "until": until,
        "cpu_seconds": cpu.user + cpu.system,
        "samples": _samples[:],
        "collections": _collections[:],
        "loop_stalls": _loop_stalls[:],
    }
    _samples.clear()
    _collections.clear()
    _loop_stalls.clear()
    _started = until
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload), encoding="utf-8")
    temporary.replace(path)


def install_dump_on_sigusr1() -> None:
    """SIGUSR1 writes the samples to $PROBE_FILE (a Python-level handler: it runs between bytecodes
    of the main thread, which is where the event loop runs, so no lock is needed)."""
    path = Path(os.environ["PROBE_FILE"])
    signal.signal(signal.SIGUSR1, lambda *_: dump(path))
    gc.callbacks.append(_time_collections)


async def timed_update(handler: Callable[[], Awaitable[T]]) -> T:
    """Run one update's handling with its times collected (the dispatcher's outermost middleware)."""
    if not _monitor:
        _monitor.append(asyncio.get_running_loop().create_task(_watch_loop_lag()))
    times = UpdateTimes()
    token = _current.set(times)
    started, started_at = time.perf_counter(), time.time()
    try:
        return await handler()
    finally:
        record_update(time.perf_counter() - started, times, started_at)
        _current.reset(token)


def _timed_await(original: Callable[[Awaitable[T]], T]) -> Callable[[Awaitable[T]], T]:
    def timed(awaitable: Awaitable[T]) -> T:
        times = _current.get()
        if times is None:
            return original(awaitable)
        started = time.perf_counter()
        try:
            return original(awaitable)
        finally:
            times.db += time.perf_counter() - started

    return timed


def patch_database_waits() -> None:
    """Time SQLAlchemy's awaits on asyncpg (each module bound the function by name at import)."""
    from sqlalchemy.connectors import asyncio as connector
    from sqlalchemy.dialects.postgresql import asyncpg as dialect
    from sqlalchemy.util import queue

    for module in (dialect, connector, queue):
        module.await_ = _timed_await(module.await_)  # type: ignore[attr-defined]


def patch_bot_api_waits() -> None:
    """Time every Bot API request of aiogram's aiohttp session."""
    from aiogram.client.session.aiohttp import AiohttpSession

    original = AiohttpSession.make_request

    async def make_request(self: AiohttpSession, *args: Any, **kwargs: Any) -> Any:
        times = _current.get()
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            if times is not None:
                times.api += time.perf_counter() - started

    AiohttpSession.make_request = make_request  # type: ignore[method-assign]

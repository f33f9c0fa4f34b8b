"""Timing inside a bot process: per update, the wall time of the whole update and the parts of it
spent waiting for the database and for the Bot API.

Installed by the bench's process entry points before the bot starts; the bot's code is unchanged.
Garbage collections are timed too (a full one stops the event loop), and so is the event loop's
lateness (a task that sleeps 10 ms notes when it wakes more than 50 ms late, with the CPU time the loop's
thread and the whole process used meanwhile: a busy loop uses about the stall's length, a descheduled
one little). With PROBE_STALL_STACKS=1 a stall of over 0.12 s also writes every thread's Python stack
(faulthandler's watchdog, which needs no GIL, so a long C call holding it is caught too). On SIGUSR1
the samples are written to PROBE_FILE (JSON, replaced atomically) and cleared, so the bench can
discard a warm-up and then collect the measured run.

- Database wait: every await of SQLAlchemy's asyncpg adapter (`await_`: statements, BEGIN/COMMIT,
  connects, pre-ping, and waiting for a pooled connection), measured as wall time: it includes the
  event loop's delay in resuming the update once PostgreSQL has answered.
- Bot API wait: every request through aiogram's session (`make_request`), also wall time.
"""

from __future__ import annotations

import asyncio
import faulthandler
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
_stall_cpu: list[tuple[float, float, float, float]] = []  # (time, late, loop thread CPU s, process CPU s)
_monitor: list[object] = []  # the loop-lag task, started with the first update
STALL_STACK_AFTER = 0.12  # seconds without a tick of the loop-lag task before stacks are written
STALL_END = "== stall ended: late s, loop thread CPU s:"  # the marker after a stall's stacks
# "fd": the file descriptor faulthandler and the stall markers write to (unbuffered os.write only: the
# SIGUSR1 dump reads it from a signal handler, where flushing a buffered file the interrupted code was
# writing raises "reentrant call"), "path": its path, "read": the offset read so far.
_stall_stacks: dict[str, Any] = {}
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
    armed = 0.0
    while True:
        before, thread_cpu, process_cpu = time.perf_counter(), time.thread_time(), time.process_time()
        if "fd" in _stall_stacks and before - armed > STALL_STACK_AFTER / 3:
            # Re-arming starts a watchdog thread, so not on every tick: a stall is caught once it is
            # between 2/3 and all of STALL_STACK_AFTER long, then every STALL_STACK_AFTER.
            faulthandler.dump_traceback_later(STALL_STACK_AFTER, repeat=True, file=_stall_stacks["fd"])
            armed = before
        await asyncio.sleep(tick)
        late = time.perf_counter() - before - tick
        if late > report:
            stall = (time.time(), late, time.thread_time() - thread_cpu, time.process_time() - process_cpu)
            _loop_stalls.append((stall[0], late))
            _stall_cpu.append(stall)
            if "fd" in _stall_stacks:
                # Ends the stacks faulthandler wrote during this stall (if it was long enough for any).
                os.write(_stall_stacks["fd"], f"{STALL_END} {stall[1]:.3f} {stall[2]:.3f}\n".encode())


def _new_stall_stacks() -> str:
    """The stacks faulthandler wrote since the last call."""
    if "fd" not in _stall_stacks:
        return ""
    with open(_stall_stacks["path"], "rb") as written:
        written.seek(_stall_stacks["read"])
        new = written.read()
    _stall_stacks["read"] += len(new)
    return new.decode("utf-8", errors="replace")


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
        "stall_cpu": _stall_cpu[:],
        "stall_stacks": _new_stall_stacks(),
    }
    _samples.clear()
    _collections.clear()
    _loop_stalls.clear()
    _stall_cpu.clear()
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
    if os.environ.get("PROBE_STALL_STACKS") == "1":
        stacks = path.with_suffix(".stacks")
        _stall_stacks.update(
            fd=os.open(stacks, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND), path=stacks, read=0
        )


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

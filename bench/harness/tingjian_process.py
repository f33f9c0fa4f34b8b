"""`python -m bench.harness.tingjian_process run [--webhook]`: the real `tingjian` command, with the
bench's timing probe around each update (bench/harness/probe.py); the bot's code is unchanged."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bench.harness import probe


def install_probe() -> None:
    """Time each update where the bot's own metrics do (ObservabilityMiddleware), plus its waits."""
    from bot.metrics import ObservabilityMiddleware

    probe.install_dump_on_sigusr1()
    probe.patch_database_waits()
    probe.patch_bot_api_waits()
    observe = ObservabilityMiddleware.__call__

    async def timed(
        self: ObservabilityMiddleware,
        handler: Callable[[Any, dict[str, Any]], Awaitable[Any]],
        event: Any,
        data: dict[str, Any],
    ) -> Any:
        return await probe.timed_update(lambda: observe(self, handler, event, data))

    ObservabilityMiddleware.__call__ = timed  # type: ignore[method-assign]


def main() -> int:
    """Install the probe, then run `tingjian` with this process's arguments."""
    install_probe()
    from bot.cli import main as tingjian

    return tingjian(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

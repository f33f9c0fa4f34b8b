"""A fleet: the bot processes of one run, polling the emulator or behind the webhook distributor.

Several processes can only share one bot in webhook mode: Telegram (and the emulator) answers a
second getUpdates poller with 409 Conflict. So multi-process runs use the webhook, the way a
deployment would (a load balancer in front of the processes); here the emulator posts every update
to a round-robin distributor process, which forwards it to the next bot process.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.processes import (
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    Child,
    cpu_seconds,
    free_port,
    start_bot,
    start_distributor,
)
from emulator.emulator import BotAPIEmulator

WEBHOOK_CONNECTIONS = 40  # Telegram's default max_connections


@dataclass
class Fleet:
    """The running processes of one benchmark configuration."""

    emulator: BotAPIEmulator
    kind: str  # "tingjian", "bare" or "floor"
    webhook: bool
    folder: Path
    database_url: str
    bots: list[Child] = field(default_factory=list)
    distributor: Child | None = None
    public_port: int = field(default_factory=free_port)

    @classmethod
    async def start(
        cls,
        emulator: BotAPIEmulator,
        kind: str,
        processes: int,
        folder: Path,
        database_url: str,
        *,
        webhook: bool,
    ) -> Fleet:
        """Start ``processes`` bots (and the distributor in webhook mode) and wait until all serve."""
        if processes > 1 and not webhook:
            raise ValueError("several processes can only share a bot through the webhook")
        os.makedirs(folder, exist_ok=True)
        fleet = cls(emulator, kind, webhook, folder, database_url)
        emulator.queue.drain()  # nothing left over from an earlier run
        api = emulator.make_bot()
        try:
            if webhook:
                fleet.bots = [await fleet._start_bot(i) for i in range(processes)]
                backends = [bot.url for bot in fleet.bots]
                fleet.distributor = await start_distributor(folder, backends, fleet.public_port)
                await fleet.distributor.wait_healthy()
                await api.set_webhook(
                    fleet.public_url, secret_token=WEBHOOK_SECRET, max_connections=WEBHOOK_CONNECTIONS
                )
            else:
                await api.delete_webhook()
                fleet.bots = [await fleet._start_bot(0)]
            await asyncio.gather(*(bot.wait_healthy() for bot in fleet.bots))
        finally:
            await api.session.close()
        return fleet

    @property
    def public_url(self) -> str:
        """Where the emulator posts updates: the distributor (known before it starts, because the
        bots are told it as their WEBHOOK_URL)."""
        return f"http://127.0.0.1:{self.public_port}{WEBHOOK_PATH}"

    async def _start_bot(self, index: int, port: int | None = None) -> Child:
        return await start_bot(
            f"{self.kind}-{index}",
            self.kind,
            self.folder,
            api_base=self.emulator.base_url,
            database_url=self.database_url,
            webhook_url=self.public_url if self.webhook else None,
            port=port,
        )

    async def replace(self, index: int) -> Child:
        """Start a new process in place of bot ``index`` (same port: the distributor knows it)."""
        old = self.bots[index]
        await old.process.wait()
        port = int(old.url.rsplit(":", 1)[1])
        self.bots[index] = await self._start_bot(index, port)
        await self.bots[index].wait_healthy()
        return self.bots[index]

    def children(self) -> list[Child]:
        """Every process of the fleet."""
        return self.bots + ([self.distributor] if self.distributor else [])

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far, per process."""
        return {child.name: cpu_seconds(child.pid) for child in self.children()}

    async def collect(self) -> list[dict[str, Any]]:
        """Every bot's probe samples since the last collection."""
        return [await bot.collect() for bot in self.bots if bot.process.returncode is None]

    async def stop(self) -> None:
        """Stop every process (SIGINT, then SIGKILL after a while)."""
        await asyncio.gather(*(child.stop() for child in self.children()))

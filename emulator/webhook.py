"""Webhook mode: POST each update to the bot's URL, as Telegram does after setWebhook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from .forms import params_from_json, read_multipart
from .params import Params

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class WebhookDelivery:
    """One POST attempt of an update to the webhook."""

    update_id: int
    url: str
    attempt: int
    status: int | None
    error: str | None
    at: float

    @property
    def ok(self) -> bool:
        """True when the bot's server answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


ReplyHandler = Callable[[str, Params], Awaitable[None]]


class WebhookSender:
    """Delivers updates to one URL with ``max_connections`` parallel workers and a few retries."""

    def __init__(
        self,
        *,
        on_delivery: Callable[[WebhookDelivery], None],
        on_reply: ReplyHandler,
        retries: int = 2,
        timeout: float = 10.0,
    ) -> None:
        self._on_delivery = on_delivery
        self._on_reply = on_reply
        self._retries = retries
        self._timeout = timeout
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self.url = ""
        self.secret_token: str | None = None

    async def start(self, url: str, secret_token: str | None, max_connections: int) -> None:
        """(Re)start delivering to ``url``; queued updates are kept."""
        await self._stop_workers()
        self.url, self.secret_token = url, secret_token
        if self._session is None:
            self._session = aiohttp.ClientSession()
        self._workers = [asyncio.create_task(self._work()) for _ in range(max(1, max_connections))]

    def submit(self, payload: dict[str, Any]) -> None:
        """Queue an update for delivery."""
        self._queue.put_nowait(payload)

    @property
    def pending(self) -> int:
        """Updates not yet taken by a worker."""
        return self._queue.qsize()

    async def stop(self) -> list[dict[str, Any]]:
        """Stop delivering; return updates that were never taken (for getUpdates to serve)."""
        await self._stop_workers()
        if self._session is not None:
            await self._session.close()
            self._session = None
        left: list[dict[str, Any]] = []
        while not self._queue.empty():
            left.append(self._queue.get_nowait())
        return left

    async def _stop_workers(self) -> None:
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._workers = []

    async def _work(self) -> None:
        while True:
            payload = await self._queue.get()
            try:
                await self._deliver(payload)
            except Exception:
                # A broken reply must not kill the worker and silently stop all deliveries.
                log.exception("emulator: webhook delivery of update %s failed", payload.get("update_id"))

    async def _deliver(self, payload: dict[str, Any]) -> None:
        for attempt in range(1, self._retries + 2):
            status, error = await self._post(payload)
            self._on_delivery(
                WebhookDelivery(payload["update_id"], self.url, attempt, status, error, time.time())
            )
            if error is None:
                return
            if attempt > self._retries:
                break
            # Telegram retries failed deliveries with growing pauses; keep them short here.
            await asyncio.sleep(0.05 * 2**attempt)
        log.warning(
            "emulator: giving up on webhook delivery of update %s to %s", payload["update_id"], self.url
        )

    async def _post(self, payload: dict[str, Any]) -> tuple[int | None, str | None]:
        assert self._session is not None
        headers = {SECRET_HEADER: self.secret_token} if self.secret_token else {}
        try:
            async with self._session.post(
                self.url, json=payload, headers=headers, timeout=aiohttp.ClientTimeout(total=self._timeout)
            ) as response:
                if not 200 <= response.status < 300:
                    return (
                        response.status,
                        f"Wrong response from the webhook: {response.status} {response.reason}",
                    )
                await self._run_reply(response)
                return response.status, None
        except (aiohttp.ClientError, TimeoutError) as exc:
            return None, f"Connection failed: {type(exc).__name__}: {exc}"

    async def _run_reply(self, response: aiohttp.ClientResponse) -> None:
        """Execute a Bot API call the bot put in its webhook response, as Telegram does."""
        if response.content_type.startswith("multipart/"):
            params = await read_multipart(aiohttp.MultipartReader(response.headers, response.content))
        elif response.content_type == "application/json":
            params = params_from_json(await response.read())
        else:
            return
        method = params.get_str("method")
        if method:
            await self._on_reply(method, params)

"""Prometheus metrics (prometheus_client) and the per-update observation middleware.

Each process keeps its own registry; a Prometheus server scrapes every process's /metrics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

logger = logging.getLogger("tingjian.updates")


class Metrics:
    """The counters and histograms the bot exports."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "tingjian_updates_total", "Telegram updates handled", ["type", "outcome"], registry=self.registry
        )
        self.latency = Histogram(
            "tingjian_update_seconds",
            "Time to handle one update (database and replies included)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.errors = Counter(
            "tingjian_errors_total", "Updates whose handling failed", registry=self.registry
        )
        self.answers = Counter(
            "tingjian_answers_stored_total", "Survey answers stored", registry=self.registry
        )
        self.complaints = Counter(
            "tingjian_complaints_opened_total", "Complaints opened", registry=self.registry
        )
        self.digests = Counter(
            "tingjian_digests_sent_total", "Digests sent to admins", registry=self.registry
        )

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)


class ObservabilityMiddleware(BaseMiddleware):
    """Times every update, counts outcomes and logs one line per update (never message text)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        kind = event.event_type
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "skipped" if result is UNHANDLED else "handled"
            return result
        except Exception:
            self.metrics.errors.inc()
            raise
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.latency.observe(elapsed)
            self.metrics.updates.labels(kind, outcome).inc()
            logger.info(
                "update=%s type=%s outcome=%s ms=%.1f", event.update_id, kind, outcome, elapsed * 1000
            )

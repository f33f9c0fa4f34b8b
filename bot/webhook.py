"""Webhook mode: aiohttp serves Telegram's webhook (secret token checked), /healthz and /metrics.

Updates are handled before the response is sent (not in the background): a failure answers 500,
so Telegram delivers the update again instead of it being lost, and a graceful shutdown simply
lets the in-flight requests finish.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import SecretStr, ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import ConfigError, Settings
from bot.metrics import Metrics
from storage.database import ping
from storage.locks import Lock, try_lock
from storage.migrate import DatabaseBehind, ensure_current

logger = logging.getLogger(__name__)


def webhook_path(settings: Settings) -> str:
    """The local path Telegram posts to (the path part of WEBHOOK_URL)."""
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ConfigError(
            "settings WEBHOOK_URL and WEBHOOK_SECRET are required with --webhook "
            "(e.g. WEBHOOK_URL=https://bot.example.com/telegram/webhook WEBHOOK_SECRET=<random 32+ chars>)"
        )
    return urlsplit(settings.webhook_url).path or "/"


class CheckedRequestHandler(SimpleRequestHandler):
    """aiogram's webhook handler, answering a body that is no update without a 500.

    A 500 makes Telegram deliver the same body again and again. A body that is not a JSON object
    with an update id gets 400; an update of a type Tingjian does not handle gets 200. Neither
    reaches the dispatcher, so nothing is stored.
    """

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            data = await request.json(loads=bot.session.json_loads)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            return _bad_update("the body is not JSON")
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return _bad_update("the body is not an update object with an integer update_id")
        try:
            update = Update.model_validate(data, context={"bot": bot})
            update.event_type  # noqa: B018 - raises for an update of no known type
        except (ValidationError, UpdateTypeLookupError):
            logger.warning("webhook: update %s has no type Tingjian handles; skipped", data["update_id"])
            return web.Response(status=200)
        result: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(
            bot, update, **self.data
        )
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


def _bad_update(reason: str) -> web.Response:
    return web.json_response({"error": "bad_update", "detail": reason}, status=400)


def build_web_app(
    settings: Settings, dispatcher: Dispatcher, bot: Bot, engine: AsyncEngine, metrics: Metrics
) -> web.Application:
    """The aiohttp application: webhook route, health and metrics."""
    app = web.Application()
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    handler = CheckedRequestHandler(
        dispatcher=dispatcher, bot=bot, secret_token=secret, handle_in_background=False
    )
    # Not handler.register(): it closes the Bot session in on_shutdown, which aiohttp runs before
    # letting in-flight requests finish, so their replies would fail. The runtime closes it last.
    app.router.add_route("POST", webhook_path(settings), handler.handle)
    setup_application(app, dispatcher, bot=bot)
    add_health_routes(app, engine, metrics, settings.metrics_token)
    return app


def add_health_routes(
    app: web.Application, engine: AsyncEngine, metrics: Metrics, metrics_token: SecretStr | None = None
) -> None:
    """/healthz (process, database, migrations) and /metrics (Prometheus text; a bearer token if set)."""

    async def healthz(_: web.Request) -> web.Response:
        checks = {"process": "ok", "database": "ok", "migrations": "current"}
        status = 200
        try:
            await ping(engine)
            await ensure_current(engine)
        except DatabaseBehind:
            checks["migrations"], status = "behind", 503
        except Exception as error:  # any failure to reach the database is "unhealthy", never a crash
            checks["database"], status = f"unreachable: {type(error).__name__}", 503
            checks["migrations"] = "unknown"
        return web.Response(status=status, text=json.dumps(checks), content_type="application/json")

    async def metrics_page(request: web.Request) -> web.Response:
        if metrics_token is not None:
            expected = f"Bearer {metrics_token.get_secret_value()}"
            if not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
                return web.json_response({"error": "unauthorized"}, status=401)
        return web.Response(body=metrics.render(), content_type="text/plain", charset="utf-8")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)


async def set_webhook_once(bot: Bot, engine: AsyncEngine, settings: Settings) -> bool:
    """Point Telegram at WEBHOOK_URL unless it already is; one process at a time. True if it was set."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    async with engine.connect() as connection:
        async with try_lock(connection, Lock.WEBHOOK) as got:
            if not got:
                return False  # another process is setting it right now
            info = await bot.get_webhook_info()
            if info.url == settings.webhook_url:
                return False
            await bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret.get_secret_value(),
                allowed_updates=["message", "callback_query", "my_chat_member"],
                drop_pending_updates=False,
            )
            logger.info("webhook set to %s", settings.webhook_url)
            return True

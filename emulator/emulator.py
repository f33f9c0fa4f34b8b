"""BotAPIEmulator: a local Telegram Bot API server for one bot, with test controls."""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from .changes import ChangeSignal
from .errors import BotAPIError, bad_request, conflict, not_found, unauthorized
from .faults import Fault, FaultPlan
from .flood import Clock, FloodControl, FloodLimits, chat_id_of
from .methods import METHODS
from .params import Params
from .serialize import callback_query_json, chat_json, message_json, user_json
from .state import (
    ApiCall,
    CallbackQueryRecord,
    Chat,
    ChatMessage,
    EmulatorState,
    MediaKind,
    User,
    WebhookConfig,
    resolve_button,
)
from .updates import (
    UpdateQueue,
    callback_update,
    command_entities,
    is_allowed,
    message_update,
    my_chat_member_update,
)
from .webhook import WebhookDelivery, WebhookSender

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.telegram import TelegramAPIServer

    from .customer import Customer

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:EMULATOR-test-token"
# 1x1 PNG, the default picture a customer sends.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
_DEFAULT_MEDIA: dict[str, tuple[bytes, str, str]] = {
    "photo": (TINY_PNG, "photo.png", "image/png"),
    "sticker": (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "sticker.webp", "image/webp"),
    "voice": (b"OggS\x00" + bytes(27), "voice.ogg", "audio/ogg"),
    "document": (b"%PDF-1.4\n%%EOF\n", "document.pdf", "application/pdf"),
}
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

AsyncMethod = Callable[[Params], Awaitable[Any]]


class BotAPIEmulator:
    """In-process Telegram Bot API for one bot: ``async with BotAPIEmulator() as emu: emu.base_url``."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "tingjian_test_bot",
        bot_name: str = "Tingjian",
        check_token: bool = True,
        webhook_retries: int = 2,
        log_limit: int | None = 200_000,
    ) -> None:
        self.token = token
        self.host, self.port = host, port
        self.check_token = check_token
        self.state = EmulatorState(
            bot_id=int(token.split(":", 1)[0]),
            bot_username=bot_username,
            bot_name=bot_name,
            log_limit=log_limit,
        )
        self.queue = UpdateQueue()
        self.faults = FaultPlan()
        self.flood: FloodControl | None = None  # Telegram's flood control, off unless switched on
        self.signal = ChangeSignal()
        # Per-chat signals so that many waiting customers are not all woken by every change.
        self._chat_signals: dict[int, ChangeSignal] = {}
        self.state.subscribe(self._on_change)
        self.updates: dict[int, dict[str, Any]] = {}
        self.dropped_updates: list[int] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._sender = WebhookSender(
            on_delivery=self._record_delivery, on_reply=self._run_webhook_reply, retries=webhook_retries
        )
        self._async_methods: dict[str, AsyncMethod] = {
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
        }
        self._poll_generation = 0
        self.active_polls = 0  # getUpdates requests waiting right now
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> Self:
        """Bind the HTTP server and fill ``base_url`` (e.g. http://127.0.0.1:40123)."""
        from .server import build_app  # server imports this module's type for annotations

        self._closing = False
        self._runner = web.AppRunner(build_app(self), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{bound_port}"
        return self

    async def stop(self) -> None:
        """Release pending long polls, stop webhook delivery and the HTTP server."""
        self._closing = True
        self.signal.pulse()
        await self._sender.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def api_server(self) -> TelegramAPIServer:
        """aiogram's server config pointing at this emulator."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    def make_bot(self, **bot_kwargs: Any) -> Bot:
        """A real aiogram Bot talking to this emulator (caller closes ``bot.session``)."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession

        return Bot(self.token, session=AiohttpSession(api=self.api_server), **bot_kwargs)

    # --- the Bot API ---------------------------------------------------------------------------
    async def call(self, method: str, params: Params, token: str | None = None) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call; returns (HTTP status, JSON body). ``token`` None skips the check."""
        logged = params.loggable()
        try:
            if token is not None and self.check_token and token != self.token:
                raise unauthorized()
            fault = self.faults.take(method)
            if fault is not None:
                raise fault
            if self.flood is not None:
                refusal = self.flood.check(method, chat_id_of(params.values.get("chat_id")))
                if refusal is not None:
                    raise refusal
            result = await self._execute(method, params)
        except BotAPIError as error:
            if error.status == 404:
                log.warning("emulator: unknown Bot API method %r (params %s)", method, sorted(logged))
            self.state.record_call(method, logged, error)
            return error.status, error.body()
        self.state.record_call(method, logged, None)
        return 200, {"ok": True, "result": result}

    async def _execute(self, method: str, params: Params) -> Any:
        key = method.lower()
        if key in self._async_methods:
            return await self._async_methods[key](params)
        handler = METHODS.get(key)
        if handler is None:
            raise not_found()
        return handler(self.state, params)

    async def _get_updates(self, p: Params) -> Any:
        if self.state.webhook.url:
            raise conflict(
                "can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        allowed = p.get_json("allowed_updates")
        if allowed is not None:
            self.state.allowed_updates = list(allowed)
        offset = p.get_int("offset")
        if offset is not None:
            self.queue.confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self.signal.pulse()  # an older poll still waiting is now superseded

        def ready() -> bool:
            return bool(self.queue) or self._closing or generation != self._poll_generation

        self.active_polls += 1
        try:
            await self.signal.wait_until(ready, float(p.get_int("timeout", 0) or 0))
        finally:
            self.active_polls -= 1
        if generation != self._poll_generation:
            raise conflict(
                "terminated by other getUpdates request; make sure that only one bot instance is running"
            )
        return self.queue.peek(p.get_int("limit", 100) or 100) if self.queue else []

    async def _set_webhook(self, p: Params) -> Any:
        url = p.get_str("url") or ""
        if not url:
            return await self._delete_webhook(p)
        secret = p.get_str("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = p.get_json("allowed_updates")
        if allowed is not None:
            self.state.allowed_updates = list(allowed)
        if p.get_bool("drop_pending_updates"):
            self.queue.drain()
        max_connections = p.get_int("max_connections", 40) or 40
        self.state.webhook = WebhookConfig(url=url, secret_token=secret, max_connections=max_connections)
        await self._sender.start(url, secret, max_connections)
        for payload in self.queue.drain():
            self._sender.submit(payload)
        self._poll_generation += 1  # a poll in flight now ends with 409, as in Telegram
        self.state.changed()
        return True

    async def _delete_webhook(self, p: Params) -> Any:
        if self.state.webhook.url:
            for payload in await self._sender.stop():
                self.queue.push(payload)
        self.state.webhook = WebhookConfig()
        if p.get_bool("drop_pending_updates"):
            self.queue.drain()
        self.state.changed()
        return True

    async def _get_webhook_info(self, p: Params) -> Any:
        hook = self.state.webhook
        info: dict[str, Any] = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": self._sender.pending if hook.url else len(self.queue),
        }
        if hook.url:
            info["max_connections"] = hook.max_connections
            if self.state.allowed_updates:
                info["allowed_updates"] = self.state.allowed_updates
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        return info

    def _record_delivery(self, delivery: WebhookDelivery) -> None:
        self.webhook_deliveries.append(delivery)
        if delivery.error is not None:
            self.state.webhook.last_error_date = int(delivery.at)
            self.state.webhook.last_error_message = delivery.error
        self.state.changed()

    async def _run_webhook_reply(self, method: str, params: Params) -> None:
        await self.call(method, params)

    # --- fault injection -----------------------------------------------------------------------
    def fail_next(
        self,
        method: str | None = None,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (None: any but getUpdates) fail with ``status``."""
        self.faults.add(Fault(method, status, retry_after, times, description))

    def enable_flood_control(
        self, limits: FloodLimits | None = None, *, time_factor: float = 1.0, clock: Clock | None = None
    ) -> FloodControl:
        """Hold the bot to Telegram's flood limits from now on (``time_factor`` > 1 runs them faster)."""
        chosen = (limits or FloodLimits()).scaled(time_factor)
        self.flood = FloodControl(chosen) if clock is None else FloodControl(chosen, clock)
        return self.flood

    def disable_flood_control(self) -> None:
        """Accept anything at any rate again (the default)."""
        self.flood = None

    def flood_refusals(self, method: str | None = None) -> int:
        """How many calls (of ``method``) were answered 429, by flood control or a planned fault."""
        return sum(call.status == 429 for call in self.calls(method))

    def block_user(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends fail with 403; a my_chat_member update goes out if ``notify``."""
        self._set_blocked(user_id, True, notify)

    def unblock_user(self, user_id: int, *, notify: bool = True) -> None:
        """The user unblocks the bot (restarts it)."""
        self._set_blocked(user_id, False, notify)

    def _set_blocked(self, user_id: int, blocked: bool, notify: bool) -> None:
        self.state.ensure_user(user_id)
        self.state.set_blocked(user_id, blocked)
        if notify:
            user = self.state.users[user_id]
            self.dispatch(
                my_chat_member_update(
                    self.queue.next_id(),
                    chat_json(self.state.chats[user_id]),
                    user_json(user),
                    user_json(self.state.bot),
                    int(time.time()),
                    blocked,
                )
            )

    # --- users and incoming updates --------------------------------------------------------------
    def user(self, user_id: int, **fields: str | None) -> User:
        """Create (or update ``first_name``/``language_code``/``username`` of) a user and their chat."""
        return self.state.ensure_user(user_id, **fields)

    def add_group(self, chat_id: int, title: str) -> None:
        """Create a group chat the bot is in (send there; inject with ``chat_id=``)."""
        self.state.add_group(chat_id, title)

    def dispatch(self, update: dict[str, Any]) -> int:
        """Deliver an update (polling queue or webhook), unless the bot's allowed_updates exclude it."""
        update_id = int(update["update_id"])
        self.updates[update_id] = update
        if not is_allowed(update, self.state.allowed_updates):
            log.info("emulator: update %s not in allowed_updates %s", update_id, self.state.allowed_updates)
            self.dropped_updates.append(update_id)
            return update_id
        self._deliver(update)
        return update_id

    def _deliver(self, update: dict[str, Any]) -> None:
        if self.state.webhook.url:
            self._sender.submit(update)
        else:
            self.queue.push(update)
        self.signal.pulse()

    def inject_update(self, update: dict[str, Any]) -> int:
        """Deliver a raw update dict (update_id assigned if missing); returns the update_id."""
        if "update_id" not in update:
            update = {"update_id": self.queue.next_id(), **update}
        return self.dispatch(update)

    def redeliver(self, update_id: int) -> None:
        """Deliver an already sent update again with the same update_id (Telegram duplicates)."""
        if update_id not in self.updates:
            raise KeyError(f"update {update_id} was never sent")
        self._deliver(self.updates[update_id])

    def _inject_message(self, user_id: int, chat_id: int | None, **content: Any) -> ChatMessage:
        message = self.state.user_message(user_id, chat_id=chat_id, **content)
        message.update_id = self.dispatch(
            message_update(self.queue.next_id(), message_json(self.state, message))
        )
        return message

    def inject_text(self, user_id: int, text: str, *, chat_id: int | None = None) -> ChatMessage:
        """The user sends text; '/commands' get bot_command entities."""
        return self._inject_message(user_id, chat_id, text=text, entities=command_entities(text))

    def inject_media(
        self,
        user_id: int,
        kind: MediaKind,
        data: bytes | None = None,
        *,
        filename: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> ChatMessage:
        """The user sends a photo, sticker, voice or document (default bytes if none given)."""
        default_data, default_name, mime = _DEFAULT_MEDIA[kind]
        stored = self.state.store_file(
            default_data if data is None else data, kind, filename=filename or default_name, mime_type=mime
        )
        return self._inject_message(user_id, chat_id, media_kind=kind, file=stored, caption=caption)

    def inject_contact(
        self, user_id: int, phone_number: str | None = None, *, chat_id: int | None = None
    ) -> ChatMessage:
        """The user shares their own contact (as a request_contact button does)."""
        user = self.state.ensure_user(user_id)
        contact = {
            "phone_number": phone_number or f"+86138{user_id % 100_000_000:08d}",
            "first_name": user.first_name,
            "user_id": user_id,
        }
        return self._inject_message(user_id, chat_id, contact=contact)

    def inject_callback(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> CallbackQueryRecord:
        """The user presses an inline button carrying ``data`` on a bot message (old ones too)."""
        self.state.ensure_user(user_id)
        record = self.state.open_callback_query(
            user_id, user_id if chat_id is None else chat_id, message_id, data
        )
        record.update_id = self.dispatch(
            callback_update(self.queue.next_id(), callback_query_json(self.state, record))
        )
        return record

    def press(
        self, user_id: int, label: str, *, message_id: int | None = None, chat_id: int | None = None
    ) -> CallbackQueryRecord | ChatMessage:
        """Press a button by visible text or callback data; newest keyboard unless ``message_id``.

        Inline buttons produce a callback query; reply-keyboard buttons send their text (or the
        contact, for request_contact). Raises LookupError when no such button is visible.
        """
        chat = self.state.chat(user_id if chat_id is None else chat_id)
        target = resolve_button(chat, label, message_id)
        button = target.button
        if target.message is not None:
            if button.callback_data is None:
                raise LookupError(f"button {button.text!r} opens {button.url!r}; it sends nothing to the bot")
            return self.inject_callback(
                user_id, target.message.message_id, button.callback_data, chat_id=chat_id
            )
        if button.request_contact:
            return self.inject_contact(user_id, chat_id=chat_id)
        return self.inject_text(user_id, button.text, chat_id=chat_id)

    # --- reading what happened -------------------------------------------------------------------
    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[ChatMessage]:
        """The bot's messages in a chat, oldest first."""
        return [m for m in self.state.chat(chat_id).bot_messages if include_deleted or not m.deleted]

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Logged Bot API calls, optionally of one method (case-insensitive)."""
        return [c for c in self.state.calls if method is None or c.method.lower() == method.lower()]

    def callback_answers(self, chat_id: int | None = None) -> list[CallbackQueryRecord]:
        """Button presses (answered or not), optionally of one chat, oldest first."""
        return [q for q in self.state.callback_queries.values() if chat_id is None or q.chat_id == chat_id]

    def customer(
        self,
        user_id: int,
        *,
        language_code: str = "zh-hans",
        first_name: str | None = None,
        username: str | None = None,
        timeout: float = 5.0,
    ) -> Customer:
        """A scripted customer that talks to the bot and waits for its reactions."""
        from .customer import Customer

        self.user(user_id, first_name=first_name, language_code=language_code, username=username)
        return Customer(self, user_id, timeout=timeout)

    # --- waiting -------------------------------------------------------------------------------
    def _on_change(self, chat: Chat | None) -> None:
        self.signal.pulse()
        if chat is not None and chat.id in self._chat_signals:
            self._chat_signals[chat.id].pulse()

    def _signal_for(self, chat_id: int | None) -> ChangeSignal:
        if chat_id is None:
            return self.signal
        return self._chat_signals.setdefault(chat_id, ChangeSignal())

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 (a deadline per call is the API)
        *,
        chat_id: int | None = None,
    ) -> bool:
        """Wait until ``predicate()`` holds; re-checked on every change (of that chat only, if
        ``chat_id`` is given). False on timeout."""
        return await self._signal_for(chat_id).wait_until(predicate, timeout)

    async def wait_quiet(self, chat_id: int, quiet: float = 0.15, timeout: float = 5.0) -> bool:  # noqa: ASYNC109 (a deadline per call is the API)
        """Wait until the bot made no call touching the chat for ``quiet`` seconds (counted from now
        at the earliest); False on timeout."""
        chat = self.state.chat(chat_id)
        start = self.state.now()
        deadline = start + timeout
        while True:
            now = self.state.now()
            idle = now - max(start, chat.last_bot_activity or start)
            if idle >= quiet:
                return True
            if now >= deadline:
                return False
            await self._signal_for(chat_id).wait(min(quiet - idle, deadline - now))

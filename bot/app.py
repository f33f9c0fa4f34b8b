"""Building the Bot and Dispatcher in one place, so tests run exactly what production runs."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.fsm.storage.memory import DisabledEventIsolation
from aiogram.types import BotCommand, BotCommandScopeChat
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.complaints import complaint_flow
from bot.config import ConfigError, Settings
from bot.filters import ADMIN_COMMANDS, CUSTOMER_COMMANDS
from bot.handlers import (
    admin,
    complaint,
    customer_links,
    fallback,
    invitations,
    menu,
    my_tickets,
    privacy,
    survey,
)
from bot.inflight import DrainingDispatcher
from bot.metrics import Metrics, ObservabilityMiddleware
from bot.middlewares.chat_queue import ChatQueueMiddleware
from bot.middlewares.phone_keyboard import PhoneKeyboardOnCommand
from bot.middlewares.private_only import PrivateChatsOnly
from bot.middlewares.unit_of_work import UnitOfWorkMiddleware
from bot.telegram_pacing import PacingLimits, PacingMiddleware
from bot.telegram_retry import RetryAfterMiddleware
from bot.telegram_session import TelegramSession
from dialogs.i18n import LANGUAGES, t


def build_bot(settings: Settings, *, throttle: BaseRequestMiddleware | None = None) -> Bot:
    """The aiogram Bot for the configured token and Bot API server (Telegram's, or a local one).

    Requests go through: retries of 429s and 5xx, then ``throttle`` (the campaign sender's own
    rate), then the pacing every send and edit waits for (per chat and bot-wide).
    """
    if settings.bot_token is None:
        raise ConfigError(
            "setting BOT_TOKEN: missing — create a bot with @BotFather and set BOT_TOKEN=<token> "
            "(or try everything locally with `tingjian playground`)"
        )
    session = TelegramSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    session.middleware(RetryAfterMiddleware())  # the first registered is the outermost
    if throttle is not None:
        session.middleware(throttle)
    if settings.telegram_pacing:
        limits = PacingLimits(
            private_per_second=settings.private_chat_sends_per_second,
            chat_per_minute=settings.chat_sends_per_minute,
            bot_per_second=settings.bot_sends_per_second,
        )
        session.middleware(PacingMiddleware(limits))
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def build_dispatcher(
    settings: Settings,
    engine: AsyncEngine,
    *,
    metrics: Metrics | None = None,
    events_isolation: BaseEventIsolation | None = None,
) -> DrainingDispatcher:
    """The Dispatcher with its middlewares and routers, in the order they must match."""
    # Per-chat isolation is ChatQueueMiddleware's (it also bounds what one chat may queue), so
    # aiogram's own, which would queue a flood before any middleware sees it, is off.
    dispatcher = DrainingDispatcher(events_isolation=events_isolation or DisabledEventIsolation())
    metrics = metrics or Metrics()
    dispatcher["metrics"] = metrics
    dispatcher["settings"] = settings
    dispatcher["engine"] = engine
    dispatcher.update.outer_middleware(ObservabilityMiddleware(metrics))
    dispatcher.update.outer_middleware(PrivateChatsOnly())
    dispatcher.update.outer_middleware(ChatQueueMiddleware())
    dispatcher.update.outer_middleware(UnitOfWorkMiddleware(engine, settings))
    # Inner: only for a message some handler takes (resolved along the router chain).
    dispatcher.message.middleware(PhoneKeyboardOnCommand())
    dispatcher["complaint_flow"] = complaint_flow()
    dispatcher.include_routers(
        customer_links.create_router(),  # before menu, whose /start takes every other deep link
        menu.create_router(),
        admin.create_router(),
        admin.create_refusal_router(),
        survey.create_router(),
        complaint.create_router(),
        my_tickets.create_router(),
        invitations.create_router(),
        privacy.create_router(),
        fallback.create_router(),
    )
    return dispatcher


async def set_commands(bot: Bot, admin_ids: Iterable[int] = ()) -> None:
    """Publish the command list in each language's menu; admins' own chats also list admin commands."""
    for language in LANGUAGES:
        code = None if language == "zh" else language
        customer = [BotCommand(command=c, description=t(language, f"cmd_{c}")) for c in CUSTOMER_COMMANDS]
        await bot.set_my_commands(customer, language_code=code)
        admin = [BotCommand(command=c, description=t(language, f"cmd_{c}")) for c in ADMIN_COMMANDS]
        for admin_id in sorted(admin_ids):
            # Per chat: customers never see admin commands in their menu.
            await bot.set_my_commands(
                [*customer, *admin], scope=BotCommandScopeChat(chat_id=admin_id), language_code=code
            )

"""One database unit of work per update: per-chat lock, deduplication, customer, dialog state.

Registered as an outer middleware on `update`, so handlers receive `uow`, `customer` (who sent the
update, as frozen plain data: storage.customers.Customer), `language` (the customer's, a supported
Language) and `conversation` (the typed dialog state) in their data and never open sessions
themselves, nor rebuild that context. Handlers change `conversation` in place; every commit stores it first
when it changed, so it is always written in the same transaction as the answers it follows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from bot.config import Settings
from dialogs.conversation import Conversation
from dialogs.i18n import language_from_code
from storage.surveys import StoredSurvey
from storage.unit_of_work import UnitOfWork
from storage.updates import lock_chat, open_update, unlock_chat

logger = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
# A database that goes away for a second must not lose the update: retry the whole unit of work.
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0)
CONNECTION_ERRORS = (DBAPIError, OSError, ConnectionError)
SERVER_GOING_AWAY = frozenset({"57P01", "57P02", "57P03"})


class UnitOfWorkMiddleware(BaseMiddleware):
    """Runs each update inside a per-chat PostgreSQL lock and one transaction, processed once."""

    def __init__(
        self, engine: AsyncEngine, settings: Settings, retry_delays: Sequence[float] = RETRY_DELAYS
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.retry_delays = tuple(retry_delays)
        self.survey_cache: dict[int, StoredSurvey] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return UNHANDLED
        for delay in (*self.retry_delays, None):
            uow_box: list[UnitOfWork] = []
            try:
                return await self._process(handler, event, data, user, uow_box)
            except CONNECTION_ERRORS as error:
                committed = bool(uow_box) and uow_box[0].committed
                if committed or delay is None or not _is_connection_problem(error):
                    raise
                logger.warning(
                    "database unavailable (%s); retrying update %s", type(error).__name__, event.update_id
                )
                await asyncio.sleep(delay)
        return UNHANDLED

    async def _process(
        self, handler: Handler, event: Update, data: dict[str, Any], user: User, uow_box: list[UnitOfWork]
    ) -> Any:
        bot: Bot = data["bot"]
        chat = data.get("event_chat")
        lock_key = chat.id if chat is not None else user.id
        async with self.engine.connect() as connection:
            # A session-level lock, held through the sends after the commit: two updates from one
            # chat are never handled at once, even in two processes.
            await lock_chat(connection, lock_key)
            try:
                async with AsyncSession(
                    bind=connection, expire_on_commit=False, join_transaction_mode="control_fully"
                ) as session:
                    uow = UnitOfWork(session, self.survey_cache)
                    uow_box.append(uow)
                    opened = await open_update(
                        session,
                        bot_id=bot.id,
                        update_id=event.update_id,
                        telegram_id=user.id,
                        language=language_from_code(user.language_code, self.settings.default_language),
                        first_name=user.first_name,
                    )
                    if opened is None:
                        logger.info("update %s already processed; skipped", event.update_id)
                        return UNHANDLED
                    conversation = Conversation.from_stored(opened.flow, opened.dialog)
                    saved = _ConversationSaver(uow, opened.customer.id, conversation)
                    uow.before_commit(saved.save_if_changed)
                    data.update(
                        uow=uow,
                        customer=opened.customer,
                        language=opened.customer.language,
                        conversation=conversation,
                        settings=self.settings,
                    )
                    result = await handler(event, data)
                    if session.in_transaction() or saved.changed():
                        await uow.commit()
                    return result
            finally:
                await _unlock(connection, lock_key)


class _ConversationSaver:
    """Stores the conversation at a commit when it differs from what the database holds."""

    def __init__(self, uow: UnitOfWork, respondent_id: int, conversation: Conversation) -> None:
        self.uow = uow
        self.respondent_id = respondent_id
        self.conversation = conversation
        self.stored = conversation.to_stored()

    def changed(self) -> bool:
        """Whether the conversation changed since it was loaded or last stored."""
        return self.conversation.to_stored() != self.stored

    async def save_if_changed(self) -> None:
        """Write the conversation in the transaction about to commit, if it changed."""
        current = self.conversation.to_stored()
        if current != self.stored:
            await self.uow.respondents.save_conversation(self.respondent_id, *current)
            self.stored = current


async def _unlock(connection: AsyncConnection, key: int) -> None:
    try:
        # End whatever is left (reads after the commit; or a transaction the database dropped, which
        # blocks every further use of the connection until it is rolled back). No-op otherwise.
        await connection.rollback()
        await unlock_chat(connection, key)
    except CONNECTION_ERRORS:
        # The connection died with the database; PostgreSQL already dropped its locks.
        await connection.invalidate()


def database_unavailable(error: BaseException) -> bool:
    """Whether an update failed because the database could not be reached (worth trying again)."""
    return isinstance(error, CONNECTION_ERRORS) and _is_connection_problem(error)


def _is_connection_problem(error: BaseException) -> bool:
    if isinstance(error, DBAPIError):
        return bool(error.connection_invalidated) or "connect" in str(error).lower() or _is_disconnect(error)
    return True


def _is_disconnect(error: DBAPIError) -> bool:
    # SQLSTATE class 08 is "connection exception"; 57P01–57P03 are the server shutting down, crashed,
    # or not accepting connections yet ("the database system is shutting down / starting up").
    sqlstate = str(getattr(error.orig, "sqlstate", None) or "")
    if sqlstate.startswith("08") or sqlstate in SERVER_GOING_AWAY:
        return True
    text = f"{type(error.orig).__name__} {error.orig}".lower()
    return any(word in text for word in ("connection", "closed", "terminat", "shutdown", "cannotconnect"))

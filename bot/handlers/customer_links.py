"""/start link…: a customer opens the deep link an operator sent and is linked to the operator's id.

This router comes before the menu's, whose /start would otherwise take every deep link.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message

from bot import render
from bot.api.links import is_link, linked_id
from bot.config import Settings
from dialogs.i18n import language_of, t
from storage.models import Respondent
from storage.unit_of_work import UnitOfWork


async def link_start(
    message: Message, command: CommandObject, uow: UnitOfWork, respondent: Respondent, settings: Settings
) -> None:
    """Store the operator's id for this customer (when the link's signature holds)."""
    language = language_of(respondent.language)
    assert settings.bot_token is not None
    external_id = linked_id(settings.bot_token.get_secret_value(), command.args or "")
    if external_id is None:
        await uow.commit()
        await message.answer(t(language, "privacy_link_invalid"), reply_markup=render.main_menu(language))
        return
    await uow.profiles.link_external_id(respondent.id, external_id)
    await uow.commit()
    await message.answer(t(language, "privacy_linked"), reply_markup=render.main_menu(language))


def create_router() -> Router:
    """The link handler, as a new Router (one per Dispatcher)."""
    router = Router(name="customer_links")
    router.message.register(link_start, CommandStart(deep_link=True, magic=F.args.func(is_link)))
    return router

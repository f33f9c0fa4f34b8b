"""/start link…: a customer opens the deep link an operator sent and is linked to the operator's id.

This router comes before the menu's, whose /start would otherwise take every deep link.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message

from bot import render
from bot.api.links import is_link, token_of
from bot.config import Settings
from dialogs.i18n import Language, t
from storage.customer_links import Redeemed
from storage.customers import Customer
from storage.unit_of_work import UnitOfWork


async def link_start(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    customer: Customer,
    language: Language,
    settings: Settings,
) -> None:
    """Store the operator's id for this customer (when the link's signature holds)."""
    token = token_of(command.args or "")
    outcome = Redeemed.UNKNOWN
    if token is not None and message.from_user is not None:
        outcome = await uow.customer_links.redeem(token, message.from_user.id, customer.id)
    await uow.commit()
    await message.answer(t(language, _REPLY[outcome]), reply_markup=render.main_menu(language))


_REPLY = {
    Redeemed.LINKED: "privacy_linked",
    Redeemed.ALREADY: "privacy_linked",
    Redeemed.TAKEN: "privacy_link_taken",
    Redeemed.EXPIRED: "privacy_link_expired",
    Redeemed.UNKNOWN: "privacy_link_invalid",
}


def create_router() -> Router:
    """The link handler, as a new Router (one per Dispatcher)."""
    router = Router(name="customer_links")
    router.message.register(link_start, CommandStart(deep_link=True, magic=F.args.func(is_link)))
    return router

"""Every admin handler under one parent router that admits only ADMIN_IDS, and the one refusal that
everyone else gets for an admin command or button."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CampaignCb, SubscribeCb, TicketCb, TicketPageCb, WizardCb
from bot.filters import ADMIN_COMMANDS, is_admin
from bot.handlers import admin_classifier, admin_digest, admin_tickets, campaigns_admin, kpis_admin
from dialogs.i18n import Language, t

ADMIN_BUTTONS = (TicketCb, TicketPageCb, SubscribeCb, WizardCb, CampaignCb)


def create_router() -> Router:
    """The admin routers, reachable only by ADMIN_IDS (a router-level filter, so no handler can forget it)."""
    router = Router(name="admin")
    router.message.filter(is_admin)
    router.callback_query.filter(is_admin)
    router.include_routers(
        admin_digest.create_router(),
        admin_classifier.create_router(),  # before admin_tickets, whose ticket buttons take every action
        admin_tickets.create_router(),
        campaigns_admin.create_router(),
        kpis_admin.create_router(),
    )
    return router


async def admin_only(event: Message | CallbackQuery, language: Language) -> None:
    """Anyone not in ADMIN_IDS who tries an admin command or button."""
    if isinstance(event, CallbackQuery):
        await event.answer(t(language, "admin_only"), show_alert=True)
    else:
        await event.answer(escape(t(language, "admin_only")))


def create_refusal_router() -> Router:
    """Included right after the admin router: what it did not admit is refused here, and only that."""
    router = Router(name="admin_refusal")
    router.message.register(admin_only, Command(*ADMIN_COMMANDS))
    for button in ADMIN_BUTTONS:
        router.callback_query.register(admin_only, button.filter())
    return router

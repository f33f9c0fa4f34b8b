"""Customers' data rights: /mydata sends what is stored about them, /forget erases it after a confirmation."""

from __future__ import annotations

import json

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from dialogs.i18n import Language, t
from storage.customers import Customer
from storage.unit_of_work import UnitOfWork


class PrivacyCb(CallbackData, prefix="pv"):
    """The /forget confirmation: forget or keep."""

    action: str  # forget | keep


async def mydata(
    message: Message,
    bot: Bot,
    uow: UnitOfWork,
    customer: Customer,
    language: Language,
    settings: Settings,
) -> None:
    """/mydata: a summary, and everything stored as a JSON file."""
    data = await uow.privacy.export(customer.id)
    await uow.commit()
    anonymous = "privacy_anonymous_yes" if settings.anonymous_answers else "privacy_anonymous_no"
    summary = t(
        language,
        "privacy_mydata",
        responses=len(data["responses"]),
        complaints=len(data["complaints"]),
        invitations=len(data["invitations"]),
        anonymous=t(language, anonymous),
    )
    document = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await bot.send_document(
        message.chat.id, BufferedInputFile(document, filename="tingjian-mydata.json"), caption=summary
    )


async def forget(message: Message, language: Language) -> None:
    """/forget: ask for confirmation first."""
    await message.answer(t(language, "privacy_forget_confirm"), reply_markup=_confirmation(language))


async def forget_button(
    query: CallbackQuery,
    callback_data: PrivacyCb,
    uow: UnitOfWork,
    customer: Customer,
    language: Language,
) -> None:
    """Erase (or keep) the customer's personal data, as confirmed."""
    if callback_data.action == "forget":
        await uow.privacy.forget(customer.id)
    await uow.commit()
    await query.answer()
    text = t(language, "privacy_forgotten" if callback_data.action == "forget" else "privacy_kept")
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=None)


def _confirmation(language: Language) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t(language, "privacy_btn_forget"), callback_data=PrivacyCb(action="forget"))
    builder.button(text=t(language, "privacy_btn_keep"), callback_data=PrivacyCb(action="keep"))
    return builder.as_markup()


def create_router() -> Router:
    """The data-rights handlers, as a new Router (one per Dispatcher)."""
    router = Router(name="privacy")
    router.message.register(mydata, Command("mydata"))
    router.message.register(forget, Command("forget"))
    router.callback_query.register(forget_button, PrivacyCb.filter())
    return router

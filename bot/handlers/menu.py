"""Start, help, language and cancel: the commands every customer can use at any time."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from bot import render
from bot.callbacks import LanguageCb, MenuCb
from bot.config import Settings
from bot.surveys import active_survey, offer_or_start
from dialogs.conversation import Conversation
from dialogs.i18n import Language, parse_language, t
from storage.customers import Customer
from storage.unit_of_work import UnitOfWork

DEEP_LINK_SURVEY = "survey_"


async def start(
    message: Message,
    command: CommandObject,
    bot: Bot,
    uow: UnitOfWork,
    customer: Customer,
    language: Language,
    conversation: Conversation,
) -> None:
    """/start, or /start survey_<key> from an operator's deep link."""
    first_name = escape(customer.first_name or "")
    name = f"，{first_name}" if language == "zh" else f", {first_name}"
    greeting = t(language, "welcome", name=name if customer.first_name else "")
    if command.args and command.args.startswith(DEEP_LINK_SURVEY):
        await bot.send_message(message.chat.id, greeting)
        key = command.args.removeprefix(DEEP_LINK_SURVEY)
        await offer_or_start(bot, message.chat.id, uow, customer, conversation, key)
        return
    await uow.commit()
    await bot.send_message(
        message.chat.id, greeting + "\n\n" + t(language, "menu_hint"), reply_markup=render.main_menu(language)
    )
    active = await active_survey(uow, conversation)
    if active is not None and not active.state.finished:
        await bot.send_message(
            message.chat.id,
            t(language, "resume_offer", answered=len(active.state.path)),
            reply_markup=render.resume_keyboard(language, active.state.response_id),
        )


async def help_command(message: Message, language: Language, settings: Settings) -> None:
    """/help: what the bot can do (and, for admins, the admin commands too)."""
    text = t(language, "help")
    if message.from_user is not None and settings.is_admin(message.from_user.id):
        text += "\n\n" + t(language, "help_admin")
    await message.answer(text, reply_markup=render.main_menu(language))


async def language_command(message: Message) -> None:
    """/language: choose 中文 or English."""
    await message.answer(t("zh", "language_prompt"), reply_markup=render.language_keyboard())


async def language_button(query: CallbackQuery, bot: Bot) -> None:
    """The menu's language button."""
    await query.answer()
    await bot.send_message(
        query.from_user.id,
        t("zh", "language_prompt"),
        reply_markup=render.language_keyboard(),
    )


async def language_chosen(
    query: CallbackQuery, callback_data: LanguageCb, uow: UnitOfWork, customer: Customer
) -> None:
    """Store the chosen language and confirm in it."""
    try:
        language = parse_language(callback_data.code)
    except ValueError:
        await query.answer()
        return
    await uow.respondents.set_language(customer.id, language)
    await uow.commit()
    await query.answer(t(language, "language_set"))
    if isinstance(query.message, Message):
        await query.message.edit_text(t(language, "language_set"), reply_markup=None)


async def cancel(
    message: Message,
    uow: UnitOfWork,
    language: Language,
    conversation: Conversation,
) -> None:
    """/cancel: leave the current conversation; stored answers stay and the survey can be resumed."""
    if conversation.flow is None:
        await uow.commit()
        await message.answer(t(language, "nothing_to_cancel"), reply_markup=render.main_menu(language))
        return
    conversation.leave()
    await uow.commit()
    await message.answer(t(language, "cancelled"), reply_markup=render.main_menu(language))


def create_router() -> Router:
    """The menu handlers, as a new Router (one per Dispatcher)."""
    router = Router(name="menu")
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    router.message.register(language_command, Command("language"))
    router.callback_query.register(language_button, MenuCb.filter(F.action == "language"))
    router.callback_query.register(language_chosen, LanguageCb.filter())
    router.message.register(cancel, Command("cancel"))
    return router

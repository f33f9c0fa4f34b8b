"""Admins run campaigns: /campaign (a short guided set-up), /campaigns (response rates, pause/resume)."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import CampaignCb, WizardCb
from bot.campaign_report import audience_text, rates_lines, reminders_text
from bot.config import Settings
from bot.filters import in_flow
from dialogs import campaign_wizard as wizard
from dialogs.campaign_wizard import WizardError, WizardState
from dialogs.conversation import CAMPAIGN_WIZARD, Conversation
from dialogs.i18n import Language, t
from storage.unit_of_work import UnitOfWork

FLOW = CAMPAIGN_WIZARD
LISTED = 10  # campaigns shown by /campaigns (newest first), to stay well inside a message


async def campaign_command(
    message: Message, uow: UnitOfWork, language: Language, conversation: Conversation, settings: Settings
) -> None:
    """/campaign: start the set-up."""
    state = wizard.start(await uow.campaigns.survey_keys())
    text, markup = await _show(uow, language, conversation, state, settings)
    await message.answer(text, reply_markup=markup)


async def wizard_button(
    query: CallbackQuery,
    callback_data: WizardCb,
    uow: UnitOfWork,
    language: Language,
    conversation: Conversation,
    settings: Settings,
) -> None:
    """A choice pressed in the set-up; the last one creates the campaign."""
    state = conversation.campaign_wizard
    if conversation.flow != FLOW or state is None:
        await query.answer(t(language, "campaign_old_button"))
        return
    surveys = await uow.campaigns.survey_keys()
    if state.step == "confirm" and callback_data.v == "start":
        text = await _create(uow, state, language, conversation, query.from_user.id, settings)
        await uow.commit()
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(text, reply_markup=None)
        return
    try:
        state = wizard.choose(state, callback_data.v, surveys)
    except WizardError as error:
        await query.answer(t(language, error.key))
        return
    text, markup = await _show(uow, language, conversation, state, settings)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


async def wizard_text(
    message: Message,
    uow: UnitOfWork,
    language: Language,
    conversation: Conversation,
    settings: Settings,
) -> None:
    """A tag or a list of ids typed during the set-up."""
    state = conversation.campaign_wizard
    if state is None:  # the flow without its part: a state from before the set-up stored it
        conversation.leave()
        await message.answer(escape(t(language, "campaign_old_button")))
        return
    try:
        state = wizard.typed(state, message.text or "")
    except WizardError as error:
        await message.answer(escape(t(language, error.key)))
        return
    text, markup = await _show(uow, language, conversation, state, settings)
    await message.answer(text, reply_markup=markup)


async def _create(
    uow: UnitOfWork,
    state: WizardState,
    language: Language,
    conversation: Conversation,
    admin_id: int,
    settings: Settings,
) -> str:
    now = datetime.now(UTC)
    spec = wizard.build(state, now).resolve(now, settings.timezone)
    conversation.campaign_wizard = None
    conversation.leave()
    if await uow.surveys.latest(spec.survey) is None:
        return escape(t(language, "campaign_survey_missing", survey=spec.survey))
    size = await uow.campaigns.audience_size(spec, now)
    await uow.campaigns.save(spec, created_by=admin_id)
    return escape(t(language, "campaign_created", name=spec.name, size=size))


async def _show(
    uow: UnitOfWork,
    language: Language,
    conversation: Conversation,
    state: WizardState,
    settings: Settings,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Keep the set-up's new state (committed) and return its message: the question and its buttons."""
    conversation.campaign_wizard = state
    conversation.flow = FLOW
    surveys = await uow.campaigns.survey_keys()
    shown = await _step(uow, state, surveys, language, settings)
    await uow.commit()
    return shown


async def _step(
    uow: UnitOfWork, state: WizardState, surveys: list[str], language: Language, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None]:
    builder = InlineKeyboardBuilder()
    for code in wizard.choices(state, surveys):
        label = code if state.step == "survey" else t(language, f"campaign_choice_{code}")
        builder.button(text=label, callback_data=WizardCb(v=code))
    builder.adjust(1)
    markup = builder.as_markup() if builder.buttons else None
    if state.step != "confirm":
        values = {"quiet": str(settings.campaign_quiet_hours)} if state.step == "reminders" else {}
        return escape(t(language, f"campaign_wizard_{state.step}", **values)), markup
    now = datetime.now(UTC)
    spec = wizard.build(state, now)
    text = t(
        language,
        "campaign_wizard_confirm",
        survey=spec.survey,
        audience=audience_text(spec, language),
        size=await uow.campaigns.audience_size(spec, now),
        when=t(language, f"campaign_choice_{state.when}"),
        reminders=reminders_text(spec, language),
    )
    return escape(text), markup


async def campaigns_command(message: Message, uow: UnitOfWork, language: Language) -> None:
    """/campaigns: every campaign's response rate, with pause/resume buttons."""
    text, markup = await _overview(uow, language)
    await uow.commit()
    await message.answer(text, reply_markup=markup)


async def campaign_button(
    query: CallbackQuery, callback_data: CampaignCb, uow: UnitOfWork, language: Language
) -> None:
    """Pause or resume a campaign, then show the refreshed overview."""
    status = "paused" if callback_data.action == "paused" else "active"
    campaign = await uow.campaigns.set_status(callback_data.id, status)
    text, markup = await _overview(uow, language)
    await uow.commit()
    if campaign is None:
        await query.answer(t(language, "campaign_old_button"))
        return
    status_name = t(language, f"campaign_status_{status}")
    await query.answer(t(language, "campaign_status_changed", name=campaign.name, status=status_name))
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


async def _overview(uow: UnitOfWork, language: Language) -> tuple[str, InlineKeyboardMarkup | None]:
    rates = (await uow.campaigns.rates())[:LISTED]
    if not rates:
        return escape(t(language, "campaign_list_empty")), None
    lines = [t(language, "campaign_list_title", count=len(rates)), *rates_lines(rates, language)]
    builder = InlineKeyboardBuilder()
    for rate in rates:
        campaign = rate.campaign
        if campaign.status == "active":
            label = t(language, "campaign_btn_pause", name=campaign.name)
            builder.button(text=label, callback_data=CampaignCb(action="paused", id=campaign.id))
        elif campaign.status == "paused":
            label = t(language, "campaign_btn_activate", name=campaign.name)
            builder.button(text=label, callback_data=CampaignCb(action="active", id=campaign.id))
    builder.adjust(1)
    return escape("\n\n".join(lines)), builder.as_markup() if builder.buttons else None


def create_router() -> Router:
    """Campaign admin handlers (guarded by ADMIN_IDS), then the refusal for everyone else."""
    router = Router(name="campaigns_admin")
    router.message.register(campaign_command, Command("campaign"))
    router.message.register(campaigns_command, Command("campaigns"))
    router.callback_query.register(wizard_button, WizardCb.filter())
    router.callback_query.register(campaign_button, CampaignCb.filter())
    router.message.register(wizard_text, in_flow(FLOW))
    return router

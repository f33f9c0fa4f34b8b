"""Survey handlers: starting, resuming, answering by button or text, Back and Skip."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, Message

from bot import render
from bot.callbacks import MenuCb, SurveyCb
from bot.config import Settings
from bot.filters import in_flow, message_kind
from bot.follow_ups import alert_admins, case_opened_text, rules_of
from bot.metrics import Metrics
from bot.surveys import (
    FLOW,
    ActiveSurvey,
    active_survey,
    advance,
    answers_saved,
    offer_or_start,
    resume,
    send_prompt,
    show_next,
    start_survey,
)
from dialogs.conversation import Conversation
from dialogs.i18n import Language, t
from dialogs.survey_flow import Back, Done, Pick, Skip, SurveyInput, Typed, Unsupported, prompt_for
from dialogs.survey_loader import DEFAULT_SURVEY_KEY
from storage.customers import Customer
from storage.models import Complaint
from storage.unit_of_work import UnitOfWork


async def survey_command(
    message: Message, bot: Bot, uow: UnitOfWork, customer: Customer, conversation: Conversation
) -> None:
    """/survey: continue or start the default questionnaire."""
    await offer_or_start(bot, message.chat.id, uow, customer, conversation, DEFAULT_SURVEY_KEY)


async def menu_survey_buttons(
    query: CallbackQuery,
    callback_data: MenuCb,
    bot: Bot,
    uow: UnitOfWork,
    customer: Customer,
    language: Language,
    conversation: Conversation,
) -> None:
    """Main-menu 'take the survey', and the resume / start-over offer."""
    chat_id = query.from_user.id
    active = await active_survey(uow, conversation)
    if callback_data.action == "survey":
        await query.answer()
        await offer_or_start(bot, chat_id, uow, customer, conversation, DEFAULT_SURVEY_KEY)
        return
    unfinished = active is not None and not active.state.finished
    if not unfinished or active is None or active.state.response_id != callback_data.r:
        await query.answer(t(language, "old_button_finished"))
        return
    await query.answer()
    if callback_data.action == "resume":
        resume(conversation)
        await uow.commit()
        await send_prompt(bot, chat_id, active, language)
    else:
        await start_survey(bot, chat_id, uow, customer, conversation, active.stored.survey.key)


async def survey_button(
    query: CallbackQuery,
    callback_data: SurveyCb,
    bot: Bot,
    uow: UnitOfWork,
    customer: Customer,
    language: Language,
    conversation: Conversation,
    metrics: Metrics,
    settings: Settings,
) -> AnswerCallbackQuery:
    """An answer, Back, Skip or Done button; old keyboards and double presses change nothing.

    The pressed card turns into the next question (one edit). The press is acknowledged by returning
    answerCallbackQuery rather than calling it: aiogram puts it in the webhook's HTTP response (one
    Bot API request fewer per answer), and in polling mode calls it itself once the handler is done.
    The card is turned before, so nothing the customer sees waits for it.
    """
    active = await active_survey(uow, conversation)
    if active is None or active.state.response_id != callback_data.r:
        return query.answer(t(language, "old_button_finished"))
    if active.state.position != callback_data.q:
        key = "old_button_finished" if active.state.finished else "old_button"
        return query.answer(t(language, key))
    moves: dict[str, SurveyInput] = {"s": Skip(), "b": Back(), "d": Done()}
    event = moves.get(callback_data.action, Pick(callback_data.v))
    answered_prompt = prompt_for(active.stored.survey, active.state)
    step, case = await advance(uow, customer, active, event, conversation, rules_of(settings))
    await uow.commit()
    metrics.answers.inc(answers_saved(step))
    if step.notice:
        return query.answer(t(language, step.notice))
    recorded = None
    # A question answered (not a tick on a multi-pick question, not Back) is confirmed on the card.
    if answered_prompt is not None and len(step.state.path) > len(active.state.path):
        recorded = render.recorded_text(active.stored.survey, answered_prompt, step.recorded, language)
    card = query.message if isinstance(query.message, Message) else None
    new = ActiveSurvey(active.stored, step.state)
    notice = _case_notice(case, settings, language)
    await show_next(bot, query.from_user.id, new, language, card=card, recorded=recorded, case_notice=notice)
    if case is not None:
        await alert_admins(bot, uow, settings, case)
    return query.answer()


def _case_notice(case: Complaint | None, settings: Settings, language: Language) -> str | None:
    return None if case is None else case_opened_text(case, settings.working_calendar(), language)


async def survey_message(
    message: Message,
    bot: Bot,
    uow: UnitOfWork,
    customer: Customer,
    language: Language,
    conversation: Conversation,
    metrics: Metrics,
    settings: Settings,
) -> None:
    """Anything typed or sent while a survey question is open."""
    active = await active_survey(uow, conversation)
    if active is None:
        return
    kind = message_kind(message)
    event: SurveyInput = Typed(message.text or "") if kind == "text" else Unsupported(kind)
    step, case = await advance(uow, customer, active, event, conversation, rules_of(settings))
    await uow.commit()
    metrics.answers.inc(answers_saved(step))
    new = ActiveSurvey(active.stored, step.state)
    if step.notice:
        await send_prompt(bot, message.chat.id, new, language, notice=step.notice)
        return
    await show_next(bot, message.chat.id, new, language, case_notice=_case_notice(case, settings, language))
    if case is not None:
        await alert_admins(bot, uow, settings, case)


def create_router() -> Router:
    """The survey handlers, as a new Router (one per Dispatcher)."""
    router = Router(name="survey")
    router.message.register(survey_command, Command("survey"))
    router.callback_query.register(
        menu_survey_buttons, MenuCb.filter(F.action.in_({"survey", "resume", "restart"}))
    )
    router.callback_query.register(survey_button, SurveyCb.filter())
    router.message.register(survey_message, in_flow(FLOW))
    return router

"""Running the survey dialog for one customer: load state, let dialogs/ decide, persist, then show.

Every function here commits before it sends, so a message the customer sees always reflects
stored answers, and a failure before the commit can be retried without side effects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message

from bot import render
from bot.follow_ups import after_survey
from dialogs.conversation import SURVEY, Conversation, SurveyPart
from dialogs.follow_up import FollowUpRules
from dialogs.i18n import Language, t
from dialogs.survey_flow import (
    CompleteResponse,
    SaveAnswer,
    Step,
    SurveyInput,
    SurveyState,
    handle,
    prompt_for,
    start,
    summary,
)
from storage.customers import Customer
from storage.models import Complaint
from storage.surveys import StoredSurvey
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)
FLOW = SURVEY
LOW_SCORE = 2  # a rating this low at the end of a survey brings the offer to file a complaint


@dataclass(frozen=True)
class ActiveSurvey:
    """The survey a customer is in (its stored version loaded), as kept in the conversation."""

    stored: StoredSurvey
    state: SurveyState


async def active_survey(uow: UnitOfWork, conversation: Conversation) -> ActiveSurvey | None:
    """The survey of the conversation (finished or not), if any."""
    part = conversation.survey
    if part is None:
        return None
    return ActiveSurvey(await uow.surveys.by_version(part.version_id), part.state)


async def begin(
    uow: UnitOfWork, customer: Customer, stored: StoredSurvey, conversation: Conversation
) -> Step:
    """Open a new response (abandoning an unfinished one) and position at the first question."""
    previous = conversation.survey
    if previous is not None and not previous.state.finished:
        await uow.responses.abandon(previous.state.response_id)
    response_id = await uow.responses.open(customer.id, stored.version_id)
    step = start(stored.survey, response_id)
    _keep(conversation, stored, step.state)
    return step


def resume(conversation: Conversation) -> None:
    """Make the conversation's survey take typed answers again (after /cancel or another flow)."""
    conversation.flow = FLOW


async def advance(
    uow: UnitOfWork,
    customer: Customer,
    active: ActiveSurvey,
    event: SurveyInput,
    conversation: Conversation,
    rules: FollowUpRules,
) -> tuple[Step, Complaint | None]:
    """Apply one input; persist the answers and the new state in the current transaction.

    Completing a survey with a low rating opens a follow-up case, returned beside the step.
    """
    step = handle(active.stored.survey, active.state, event)
    case = None
    if step.state == active.state:
        return step, case
    for effect in step.effects:
        if isinstance(effect, SaveAnswer):
            question_id = active.stored.question_ids[effect.question_key]
            await uow.responses.record_answer(step.state.response_id, question_id, effect.score, effect.text)
        elif isinstance(effect, CompleteResponse):
            unused = [qid for key, qid in active.stored.question_ids.items() if key not in step.state.path]
            await uow.responses.forget_answers(step.state.response_id, unused)
            await uow.responses.complete(step.state.response_id)
            case = await after_survey(uow, customer, active.stored, step.state, rules)
    _keep(conversation, active.stored, step.state)
    return step, case


def answers_saved(step: Step) -> int:
    """How many answers a step persisted (for the metrics)."""
    return sum(isinstance(effect, SaveAnswer) for effect in step.effects)


def _keep(conversation: Conversation, stored: StoredSurvey, state: SurveyState) -> None:
    # Stored by the unit-of-work middleware at the commit, beside the answers.
    conversation.survey = SurveyPart(stored.version_id, state)
    conversation.flow = None if state.finished else FLOW


View = tuple[str, InlineKeyboardMarkup | None]  # a message's text and keyboard


def prompt_view(active: ActiveSurvey, language: Language, notice: str | None = None) -> View | None:
    """The current question (with a notice above it when the last input was not an answer)."""
    prompt = prompt_for(active.stored.survey, active.state)
    if prompt is None:
        return None
    text = render.question_text(active.stored.survey, prompt, language, notice)
    return text, render.question_keyboard(prompt, active.state.response_id, language)


def finish_view(active: ActiveSurvey, language: Language, case_notice: str | None = None) -> View:
    """The thank-you with the summary of answers; after a low rating, the follow-up case it opened
    (`case_notice`), else the offer to file a complaint."""
    answered = summary(active.stored.survey, active.state)
    text = render.summary_text(active.stored.survey, answered, language)
    if case_notice:
        return f"{text}\n\n{escape(case_notice)}", None
    if any(q.role in ("item", "overall") and isinstance(a, int) and a <= LOW_SCORE for q, a in answered):
        return f"{text}\n\n{escape(t(language, 'survey_low_offer'))}", render.complaint_offer(language)
    return text, None


def next_view(active: ActiveSurvey, language: Language, case_notice: str | None = None) -> View:
    """What follows an answer: the next question, or the thank-you once the survey is finished."""
    view = None if active.state.finished else prompt_view(active, language)
    return view or finish_view(active, language, case_notice)


async def send_prompt(
    bot: Bot, chat_id: int, active: ActiveSurvey, language: Language, notice: str | None = None
) -> None:
    """Send the current question as a new message."""
    view = prompt_view(active, language, notice)
    if view is None:
        await bot.send_message(chat_id, t(language, "survey_already_finished"))
        return
    await bot.send_message(chat_id, view[0], reply_markup=view[1])


async def show_next(
    bot: Bot,
    chat_id: int,
    active: ActiveSurvey,
    language: Language,
    *,
    card: Message | None = None,
    recorded: str | None = None,
    case_notice: str | None = None,
) -> None:
    """Show what follows an answer: on the pressed survey card, turned in place under the line
    confirming the answer, or (after a typed answer) as a new message.

    One Bot API call per press instead of two (edit the old question, send the next one): the chat
    keeps one card per survey, and Telegram's per-bot message limits go twice as far. A card that
    can no longer be edited (deleted, too old) is followed by a new message.
    """
    text, keyboard = next_view(active, language, case_notice)
    if recorded:
        text = f"{recorded}\n\n{text}"
    if card is not None:
        try:
            await card.edit_text(text, reply_markup=keyboard)
            return
        except TelegramBadRequest as error:
            logger.info("survey card %s not edited (%s); sending the next question", card.message_id, error)
    await bot.send_message(chat_id, text, reply_markup=keyboard)


async def send_intro(
    bot: Bot, chat_id: int, stored: StoredSurvey, language: Language, notice: str | None = None
) -> None:
    """The survey's title and introduction (with a notice below it, e.g. the privacy notice)."""
    survey = stored.survey
    text = t(language, "survey_intro", title=survey.title.get(language), intro=survey.intro.get(language))
    await bot.send_message(chat_id, text + (f"\n\n{notice}" if notice else ""))


async def offer_or_start(
    bot: Bot, chat_id: int, uow: UnitOfWork, customer: Customer, conversation: Conversation, key: str
) -> None:
    """Offer to resume an unfinished survey, else start survey `key`."""
    language = customer.language
    active = await active_survey(uow, conversation)
    if active is not None and not active.state.finished:
        await uow.commit()
        answered = len(active.state.path)
        await bot.send_message(
            chat_id,
            t(language, "resume_offer", answered=answered),
            reply_markup=render.resume_keyboard(language, active.state.response_id),
        )
        return
    await start_survey(bot, chat_id, uow, customer, conversation, key)


async def start_survey(
    bot: Bot,
    chat_id: int,
    uow: UnitOfWork,
    customer: Customer,
    conversation: Conversation,
    key: str,
    invitation_id: int | None = None,
) -> None:
    """Open a fresh response to the latest version of survey `key` and ask its first question.

    The response is linked to the invitation it answers (the pressed one, else an open one for `key`);
    a customer's first survey starts with the privacy notice.
    """
    language = customer.language
    stored = await uow.surveys.latest(key)
    if stored is None:
        await uow.commit()
        await bot.send_message(chat_id, t(language, "survey_unavailable"))
        return
    step = await begin(uow, customer, stored, conversation)
    await uow.campaigns.attach_response(customer.id, key, step.state.response_id, invitation_id)
    notice = await uow.profiles.claim_consent_notice(customer.id)
    await uow.commit()
    await send_intro(bot, chat_id, stored, language, t(language, "privacy_consent") if notice else None)
    await send_prompt(bot, chat_id, ActiveSurvey(stored, step.state), language)

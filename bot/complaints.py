"""Running the complaint dialog for one customer, and opening the ticket it ends with."""

from __future__ import annotations

import secrets
from dataclasses import replace
from html import escape

from aiogram import Bot
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot import classifier_loading
from bot.callbacks import ComplaintCb
from dialogs.complaint_flow import (
    SHARE_CONTACT_LABEL,
    ComplaintFlow,
    ComplaintInput,
    ComplaintState,
    DiscardDraft,
    Guess,
    OpenTicket,
    Prompt,
    Step,
    describe_prompt,
    mask_phone,
)
from dialogs.conversation import COMPLAINT, ComplaintPart, Conversation
from dialogs.i18n import Language, t
from storage.customers import Customer
from storage.models import Complaint
from storage.unit_of_work import UnitOfWork

FLOW = COMPLAINT


# analysis.complaints (jieba, numpy) is imported on first use: `advance` waits for the background load
# (bot/classifier_loading.py) first, so by then the import is a dictionary lookup.
def _classify(text: str) -> Guess:
    from analysis.complaints import classify

    result = classify(text)
    return Guess(
        result.category,
        result.confidence,
        result.runner_up,
        result.secondary,
        result.evidence,
        result.model_version,
    )


def complaint_flow() -> ComplaintFlow:
    """The complaint conversation wired to the jieba-based text analysis."""
    return ComplaintFlow(classify=_classify, suggest_dimension=_suggest_dimension, is_thin=_is_thin)


def _suggest_dimension(text: str, category: str) -> str | None:
    from analysis.complaints import suggest_dimension

    return suggest_dimension(text, category)


def _is_thin(text: str) -> bool:
    from analysis.complaints import is_thin

    return is_thin(text)


def draft_of(conversation: Conversation) -> ComplaintState | None:
    """The complaint draft kept in the conversation, if any."""
    return None if conversation.complaint is None else conversation.complaint.state


def begin(flow: ComplaintFlow, conversation: Conversation, source: int | None) -> Step:
    """Start a new complaint draft (replacing an unfinished one); `source` is the survey response it
    was offered after, if any."""
    step = flow.start(draft_id=secrets.randbelow(2**31))
    _keep(conversation, step.state, source)
    return step


async def advance(
    flow: ComplaintFlow,
    uow: UnitOfWork,
    customer: Customer,
    state: ComplaintState,
    event: ComplaintInput,
    conversation: Conversation,
) -> tuple[Step, Complaint | None]:
    """Apply one input; open the ticket when the draft is submitted. Returns the step and the ticket."""
    await classifier_loading.ready()  # at once after start-up; the first complaint waits for the load
    step = flow.handle(state, event)
    source = None if conversation.complaint is None else conversation.complaint.source_response_id
    opened: Complaint | None = None
    for effect in step.effects:
        if isinstance(effect, OpenTicket):
            opened = await uow.complaints.open_ticket(
                customer.id, customer.language, replace(effect.complaint, source_response_id=source)
            )
            await uow.complaints.queue_keywords(opened)
        elif isinstance(effect, DiscardDraft):
            pass  # nothing was stored for the draft beyond the conversation state below
    _keep(conversation, step.state, source)
    return step, opened


def _keep(conversation: Conversation, state: ComplaintState, source: int | None) -> None:
    # Stored by the unit-of-work middleware at the commit, with the ticket it may have opened.
    conversation.complaint = None if state.finished else ComplaintPart(state, source)
    conversation.flow = None if state.finished else FLOW


def prompt_markup(
    prompt: Prompt, state: ComplaintState, language: Language
) -> tuple[str, InlineKeyboardMarkup]:
    """A prompt's text (escaped for HTML) and its inline buttons."""
    text, rows = describe_prompt(prompt, language)
    keyboard = [
        [
            InlineKeyboardButton(
                text=label, callback_data=ComplaintCb(d=state.draft_id, s=state.step, v=value).pack()
            )
            for label, value in row
        ]
        for row in rows
    ]
    return escape(text), InlineKeyboardMarkup(inline_keyboard=keyboard)


async def send_step(
    bot: Bot, chat_id: int, step: Step, language: Language, previous_step: str | None
) -> None:
    """Show the notice (if any) and the prompt; offer the share-contact keyboard on the phone step.

    A reply keyboard needs a message of its own, so the one that brings the share button says how
    to use it, and the one that takes it away says what became of the number: never a bare emoji.
    """
    if step.prompt is None:
        if step.notice:
            await bot.send_message(
                chat_id, escape(t(language, step.notice)), reply_markup=_leaving_phone(previous_step)
            )
        return
    text, markup = prompt_markup(step.prompt, step.state, language)
    if step.notice:
        text = f"<i>{escape(t(language, step.notice))}</i>\n\n{text}"
    if step.prompt.asks_phone and previous_step != "phone":
        # Not one-time: the button stays for as long as the step lasts (a mistyped number included)
        # and goes when the step is left, below.
        share = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=t(language, SHARE_CONTACT_LABEL), request_contact=True)]],
            resize_keyboard=True,
        )
        await bot.send_message(chat_id, escape(t(language, "complaint_phone_share_hint")), reply_markup=share)
    elif previous_step == "phone" and step.state.step != "phone":
        await bot.send_message(
            chat_id, escape(phone_outcome(step.state, language)), reply_markup=ReplyKeyboardRemove()
        )
    await bot.send_message(chat_id, text, reply_markup=markup if markup.inline_keyboard else None)


def phone_outcome(state: ComplaintState, language: Language) -> str:
    """What became of the phone number once the phone step is left: kept, skipped, or not yet."""
    if state.step == "confirm" and state.phone:
        return t(language, "complaint_phone_kept", phone=mask_phone(state.phone))
    if state.step == "confirm" and state.wants_contact:
        return t(language, "complaint_phone_skipped")
    return t(language, "complaint_phone_left")


def _leaving_phone(previous_step: str | None) -> ReplyKeyboardRemove | None:
    return ReplyKeyboardRemove() if previous_step == "phone" else None

"""Invitation and reminder messages: their texts, their buttons and the buttons' callback data."""

from __future__ import annotations

from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from dialogs.i18n import Language, t
from dialogs.survey import Survey


class InvitationCb(CallbackData, prefix="inv"):
    """A button under an invitation: start the survey, stop invitations, or undo stopping them."""

    action: str  # start | stop | resume
    i: int  # the invitation (0 for 'resume', which is not about one invitation)


def invitation_text(survey: Survey, language: Language, reminder: bool) -> str:
    """The invitation, or the reminder, to take `survey` (HTML)."""
    key = "campaign_reminder" if reminder else "campaign_invite"
    return escape(t(language, key, title=survey.title.get(language)))


def invitation_keyboard(invitation_id: int, language: Language) -> InlineKeyboardMarkup:
    """Take the survey, or opt out of invitations with one press."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(language, "campaign_btn_start"), callback_data=InvitationCb(action="start", i=invitation_id)
    )
    builder.button(
        text=t(language, "campaign_btn_stop"), callback_data=InvitationCb(action="stop", i=invitation_id)
    )
    builder.adjust(1)
    return builder.as_markup()


def resume_invitations_keyboard(language: Language) -> InlineKeyboardMarkup:
    """Undo an opt-out."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t(language, "campaign_btn_resume"), callback_data=InvitationCb(action="resume", i=0))
    return builder.as_markup()

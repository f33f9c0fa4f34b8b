"""The customer's side of campaigns: the invitation's buttons, opting out, and blocking the bot."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import CallbackQuery, ChatMemberUpdated

from bot.invitations import InvitationCb, resume_invitations_keyboard
from bot.surveys import active_survey, resume, send_prompt, start_survey
from dialogs.conversation import Conversation
from dialogs.i18n import Language, t
from storage.customers import Customer
from storage.unit_of_work import UnitOfWork


async def invitation_button(
    query: CallbackQuery,
    callback_data: InvitationCb,
    bot: Bot,
    uow: UnitOfWork,
    customer: Customer,
    language: Language,
    conversation: Conversation,
) -> None:
    """Start (or continue) the invited survey, stop invitations, or receive them again."""
    if callback_data.action in ("stop", "resume"):
        stop = callback_data.action == "stop"
        await uow.profiles.set_opted_out(customer.id, stop)
        await uow.commit()
        await query.answer()
        markup = resume_invitations_keyboard(language) if stop else None
        text = t(language, "campaign_opted_out" if stop else "campaign_opted_in")
        await bot.send_message(query.from_user.id, text, reply_markup=markup)
        return
    found = await uow.campaigns.invitation_of(callback_data.i, customer.id)
    if found is None:
        await query.answer(t(language, "campaign_invitation_gone"), show_alert=True)
        return
    invitation, survey_key, response_status = found
    await uow.campaigns.opened(invitation)
    if response_status == "completed":
        await uow.commit()
        await query.answer(t(language, "campaign_already_done"), show_alert=True)
        return
    active = await active_survey(uow, conversation)
    await query.answer()
    if (
        response_status == "started"
        and active is not None
        and active.state.response_id == invitation.response_id
    ):
        resume(conversation)
        await uow.commit()
        await send_prompt(bot, query.from_user.id, active, language)
        return
    await start_survey(bot, query.from_user.id, uow, customer, conversation, survey_key, invitation.id)


async def membership_changed(event: ChatMemberUpdated, uow: UnitOfWork, customer: Customer) -> None:
    """A customer blocked the bot (skipped by campaigns from now on) or unblocked it."""
    if event.chat.type != "private":
        return
    blocked = event.new_chat_member.status == ChatMemberStatus.KICKED
    await uow.profiles.set_blocked(customer.id, blocked)
    await uow.commit()


def create_router() -> Router:
    """The invitation handlers, as a new Router (one per Dispatcher)."""
    router = Router(name="invitations")
    router.callback_query.register(invitation_button, InvitationCb.filter())
    router.my_chat_member.register(membership_changed)
    return router

"""Customers' data rights: everything stored about a customer (/mydata), and forgetting it (/forget).

Forgetting keeps what only counts (scores, categories, statuses, campaign funnels) on an anonymous
stand-in row and removes or blanks everything that says who the customer is or what they wrote.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AnswerRow,
    Campaign,
    CampaignInvitation,
    Complaint,
    ComplaintAttachment,
    ComplaintLabel,
    Conversation,
    CustomerLink,
    CustomerProfile,
    QuestionRow,
    Respondent,
    Response,
    SurveyRow,
    SurveyVersion,
    TicketEvent,
)


class PrivacyRepository:
    """Export and erasure of one customer's personal data."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def export(self, respondent_id: int) -> dict[str, Any]:
        """Everything stored about the customer, as JSON-ready data."""
        respondent = await self.session.get_one(Respondent, respondent_id)
        profile = await self.session.get(CustomerProfile, respondent_id)
        conversation = await self.session.get(Conversation, respondent_id)
        return {
            "customer": {
                "telegram_id": respondent.telegram_id,
                "first_name": respondent.first_name,
                "language": respondent.language,
                "first_seen": _iso(respondent.first_seen),
                "last_seen": _iso(respondent.last_seen),
            },
            "profile": None
            if profile is None
            else {
                "external_id": profile.external_id,
                "tags": list(profile.tags),
                "timezone": profile.timezone,
                "invitations_opted_out_at": _iso(profile.opted_out_at),
                "blocked_at": _iso(profile.blocked_at),
                "privacy_notice_shown_at": _iso(profile.consent_at),
            },
            "conversation": None
            if conversation is None
            else {"flow": conversation.flow, "updated_at": _iso(conversation.updated_at)},
            "responses": await self._responses(respondent_id, respondent.language),
            "complaints": await self._complaints(respondent_id),
            "invitations": await self._invitations(respondent_id),
        }

    async def _responses(self, respondent_id: int, language: str) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(Response, SurveyRow.key, SurveyVersion.version)
            .join(SurveyVersion, SurveyVersion.id == Response.survey_version_id)
            .join(SurveyRow, SurveyRow.id == SurveyVersion.survey_id)
            .where(Response.respondent_id == respondent_id)
            .order_by(Response.id)
        )
        responses = []
        for response, key, version in rows:
            answers = await self.session.execute(
                select(QuestionRow, AnswerRow.score, AnswerRow.text)
                .join(AnswerRow, AnswerRow.question_id == QuestionRow.id)
                .where(AnswerRow.response_id == response.id)
                .order_by(QuestionRow.position)
            )
            responses.append(
                {
                    "survey": key,
                    "version": version,
                    "status": response.status,
                    "started_at": _iso(response.started_at),
                    "completed_at": _iso(response.completed_at),
                    "context": response.context,
                    "answers": [
                        {
                            "question": question.text_zh if language == "zh" else question.text_en,
                            "score": score,
                            "text": text,
                        }
                        for question, score, text in answers
                    ],
                }
            )
        return responses

    async def _complaints(self, respondent_id: int) -> list[dict[str, Any]]:
        complaints = await self.session.scalars(
            select(Complaint).where(Complaint.respondent_id == respondent_id).order_by(Complaint.id)
        )
        result = []
        for complaint in complaints:
            attachments = await self.session.scalar(
                select(func.count()).where(ComplaintAttachment.complaint_id == complaint.id)
            )
            events = await self.session.scalars(
                select(TicketEvent).where(TicketEvent.complaint_id == complaint.id).order_by(TicketEvent.id)
            )
            result.append(
                {
                    "ticket": f"TJ-{complaint.id:06d}",
                    "kind": complaint.kind,
                    "created_at": _iso(complaint.created_at),
                    "status": complaint.status,
                    "category": complaint.category,
                    "severity": complaint.severity,
                    "description": complaint.description,
                    "phone": complaint.phone,
                    "rating_before": complaint.rating_before,
                    "rerating": complaint.rerating,
                    "attachments": attachments,
                    "events": [
                        {"at": _iso(e.at), "by": e.actor_role, "action": e.action, "note": e.note}
                        for e in events
                    ],
                }
            )
        return result

    async def _invitations(self, respondent_id: int) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(CampaignInvitation, Campaign.name)
            .join(Campaign, Campaign.id == CampaignInvitation.campaign_id)
            .where(CampaignInvitation.respondent_id == respondent_id)
            .order_by(CampaignInvitation.id)
        )
        return [
            {
                "campaign": name,
                "status": invitation.status,
                "invited_at": _iso(invitation.invited_at),
                "opened_at": _iso(invitation.opened_at),
                "reminders": invitation.reminders_sent,
                "context": invitation.context,
            }
            for invitation, name in rows
        ]

    async def forget(self, respondent_id: int) -> None:
        """Erase who the customer is and what they wrote; keep scores and counts on an anonymous row.

        The Telegram id becomes -id (never a real user's), so the customer starts afresh next time.
        """
        complaints = select(Complaint.id).where(Complaint.respondent_id == respondent_id)
        responses = select(Response.id).where(Response.respondent_id == respondent_id)
        await self.session.execute(
            delete(ComplaintAttachment).where(ComplaintAttachment.complaint_id.in_(complaints))
        )
        await self.session.execute(
            update(TicketEvent).where(TicketEvent.complaint_id.in_(complaints)).values(note=None)
        )
        await self.session.execute(
            update(Complaint)
            .where(Complaint.respondent_id == respondent_id)
            .values(description="", phone=None, wants_contact=False, keywords=[], category_evidence=[])
        )
        await self.session.execute(
            delete(ComplaintLabel).where(
                or_(ComplaintLabel.complaint_id.in_(complaints), ComplaintLabel.response_id.in_(responses))
            )
        )
        await self.session.execute(
            update(AnswerRow)
            .where(AnswerRow.response_id.in_(responses), AnswerRow.text.is_not(None))
            .values(text=None)
        )
        await self.session.execute(delete(Conversation).where(Conversation.respondent_id == respondent_id))
        # Links name the customer twice: the operator's id, and who opened them.
        telegram_id = select(Respondent.telegram_id).where(Respondent.id == respondent_id).scalar_subquery()
        external_id = (
            select(CustomerProfile.external_id)
            .where(CustomerProfile.respondent_id == respondent_id)
            .scalar_subquery()
        )
        await self.session.execute(
            delete(CustomerLink).where(
                or_(CustomerLink.bound_telegram_id == telegram_id, CustomerLink.external_id == external_id)
            )
        )
        await self.session.execute(
            delete(CustomerProfile).where(CustomerProfile.respondent_id == respondent_id)
        )
        invitations = CampaignInvitation.respondent_id == respondent_id
        await self.session.execute(
            update(CampaignInvitation)
            .where(invitations, CampaignInvitation.status == "pending")
            .values(status="opted_out")
        )
        await self.session.execute(update(CampaignInvitation).where(invitations).values(due_at=None))
        await self.session.execute(
            update(Respondent)
            .where(Respondent.id == respondent_id)
            .values(telegram_id=-Respondent.id, first_name=None)
        )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()

"""Campaigns and their invitations: planning rounds, claiming each message before it goes out, rates.

The sender claims one invitation at a time (status 'sending' or 'reminding', committed) before the
message and marks it after, so a process that stops between two messages resumes exactly where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.campaign import CampaignSpec
from storage.locks import Lock, lock_for_transaction
from storage.models import (
    Campaign,
    CampaignInvitation,
    Complaint,
    CustomerProfile,
    Respondent,
    Response,
    SurveyRow,
)

CLAIMED = ("sending", "reminding")
INVITED = ("sent", "reminding")


@dataclass(frozen=True)
class Claimable:
    """An invitation whose time has come, with what the sender needs to decide about it."""

    invitation: CampaignInvitation
    campaign: Campaign
    telegram_id: int
    language: str
    timezone: str | None
    opted_out: bool
    blocked: bool
    completed: bool
    last_invited: datetime | None = None  # the customer's latest invitation by any other one

    @property
    def spec(self) -> CampaignSpec:
        """The campaign's rules."""
        return CampaignSpec.model_validate(self.campaign.spec)


@dataclass(frozen=True)
class CampaignRates:
    """How a campaign is doing (回收率): counts per stage of the funnel."""

    campaign: Campaign
    audience: int
    invited: int
    opened: int
    started: int
    completed: int
    reminded: int
    opted_out: int
    blocked: int
    failed: int
    pending: int
    fatigued: int = 0  # not sent: invited by some campaign within INVITE_MIN_DAYS
    unsampled: int = 0  # not sent: a post-service invitation left out of the sample

    @property
    def response_rate(self) -> float | None:
        """Completed per invited (None before anyone was invited)."""
        return self.completed / self.invited if self.invited else None


class CampaignRepository:
    """Operations on campaigns and their invitations."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, spec: CampaignSpec, created_by: int | None = None) -> tuple[Campaign, bool]:
        """Store a (resolved) campaign, or update the one of that name; True when it is new."""
        values: dict[str, Any] = {"survey_key": spec.survey, "spec": spec.model_dump(mode="json")}
        values["status"] = "active"
        statement = (
            insert(Campaign)
            .values(name=spec.name, created_by=created_by, **values)
            .on_conflict_do_update(index_elements=[Campaign.name], set_=values)
            # PostgreSQL's xmax is 0 for a row this statement inserted (rather than updated).
            .returning(Campaign, literal_column("xmax = 0", Boolean))
        )
        campaign, created = (await self.session.execute(statement)).one()
        return campaign, bool(created)

    async def by_name(self, name: str) -> Campaign | None:
        """The campaign called `name`."""
        return (await self.session.scalars(select(Campaign).where(Campaign.name == name))).first()

    async def all(self) -> list[Campaign]:
        """Every campaign, newest first."""
        return list(await self.session.scalars(select(Campaign).order_by(Campaign.id.desc())))

    async def set_status(self, campaign_id: int, status: str) -> Campaign | None:
        """Pause, resume or finish a campaign."""
        statement = (
            update(Campaign).where(Campaign.id == campaign_id).values(status=status).returning(Campaign)
        )
        return (await self.session.scalars(statement)).first()

    async def to_plan(self) -> list[Campaign]:
        """Active campaigns whose rounds come from an audience (not the API's)."""
        rows = await self.session.scalars(
            select(Campaign)
            .where(Campaign.status == "active", Campaign.spec["audience"]["kind"].astext != "api")
            .order_by(Campaign.id)
            .with_for_update(skip_locked=True)
        )
        return list(rows)

    async def plan_round(self, campaign: Campaign, number: int, starts: datetime) -> int:
        """Invite the audience of round `number` (due at its start); returns how many were added.

        Earlier rounds stop reminding: a new round supersedes them.
        """
        spec = CampaignSpec.model_validate(campaign.spec)
        chosen = _audience(spec, starts).with_only_columns(
            literal(campaign.id), literal(number), Respondent.id, literal("pending"), literal(starts)
        )
        columns = ["campaign_id", "round", "respondent_id", "status", "due_at"]
        statement = (
            insert(CampaignInvitation)
            .from_select(columns, chosen)
            .on_conflict_do_nothing()
            .returning(CampaignInvitation.id)
        )
        added = len((await self.session.scalars(statement)).all())
        await self.session.execute(
            update(CampaignInvitation)
            .where(
                CampaignInvitation.campaign_id == campaign.id,
                CampaignInvitation.round < number,
                CampaignInvitation.status == "sent",
            )
            .values(due_at=None)
        )
        campaign.rounds_planned = number
        await self.session.flush()
        return added

    async def invite(
        self,
        campaign_id: int,
        respondent_id: int,
        due_at: datetime,
        context: dict[str, Any] | None,
        status: str = "pending",
    ) -> CampaignInvitation:
        """A single triggered invitation (a post-service survey asked for through the API); one that
        cannot be sent (opted out, blocked) is still stored, so the campaign's rates count it."""
        invitation = CampaignInvitation(
            campaign_id=campaign_id,
            round=None,
            respondent_id=respondent_id,
            status=status,
            due_at=due_at if status == "pending" else None,
            context=context or None,
        )
        self.session.add(invitation)
        await self.session.flush()
        return invitation

    async def interrupted(self) -> list[tuple[CampaignInvitation, Campaign]]:
        """Invitations claimed for a message whose outcome was never recorded (the sender died)."""
        rows = await self.session.execute(
            select(CampaignInvitation, Campaign)
            .join(Campaign, Campaign.id == CampaignInvitation.campaign_id)
            .where(CampaignInvitation.status.in_(CLAIMED))
        )
        return list(rows)

    async def next_due(self, now: datetime) -> Claimable | None:
        """The oldest due invitation or reminder of an active campaign, row-locked (others skip it),
        with when the customer was last invited by another (claimed counts: it is going out).

        For a first invitation the customer's invitations lock (``Lock.INVITES``) is held until the
        transaction ends, and ``last_invited`` is read under it: two workers that row-lock two
        campaigns' invitations of one customer take turns, and the second sees the first's claim
        once it commits (survey fatigue holds across campaigns, workers and processes).
        """
        statement = (
            select(
                CampaignInvitation,
                Campaign,
                Respondent.telegram_id,
                Respondent.language,
                CustomerProfile.timezone,
                CustomerProfile.opted_out_at.is_not(None),
                CustomerProfile.blocked_at.is_not(None),
                func.coalesce(Response.status == "completed", False),
            )
            .join(Campaign, Campaign.id == CampaignInvitation.campaign_id)
            .join(Respondent, Respondent.id == CampaignInvitation.respondent_id)
            .outerjoin(CustomerProfile, CustomerProfile.respondent_id == Respondent.id)
            .outerjoin(Response, Response.id == CampaignInvitation.response_id)
            .where(
                Campaign.status == "active",
                CampaignInvitation.status.in_(("pending", "sent")),
                CampaignInvitation.due_at <= now,
            )
            .order_by(CampaignInvitation.due_at, CampaignInvitation.id)
            .limit(1)
            .with_for_update(of=CampaignInvitation, skip_locked=True)
        )
        row = (await self.session.execute(statement)).first()
        if row is None:
            return None
        invitation, campaign, telegram_id, language, timezone, opted_out, blocked, completed = row
        last = None
        if invitation.invited_at is None:  # reminders are not new invitations: no fatigue check
            await lock_for_transaction(self.session, Lock.INVITES, invitation.respondent_id)
            # A statement after the lock: READ COMMITTED gives it a snapshot with the claims
            # committed while this transaction waited.
            last = await self.last_invited(invitation.respondent_id, invitation.id)
        return Claimable(
            invitation,
            campaign,
            telegram_id,
            language,
            timezone,
            bool(opted_out),
            bool(blocked),
            bool(completed),
            last,
        )

    async def last_invited(self, respondent_id: int, besides: int) -> datetime | None:
        """When the customer was last invited (or is being invited) by an invitation other than `besides`."""
        other = CampaignInvitation
        return await self.session.scalar(
            select(func.max(func.coalesce(other.invited_at, other.claimed_at))).where(
                other.respondent_id == respondent_id, other.id != besides
            )
        )

    async def claim(self, invitation: CampaignInvitation, now: datetime) -> None:
        """Mark the invitation as being sent (its next message is about to go out)."""
        invitation.status = "sending" if invitation.status == "pending" else "reminding"
        invitation.claimed_at = now
        await self.session.flush()

    async def postpone(self, invitation: CampaignInvitation, until: datetime | None) -> None:
        """Move the next message to `until` (None: no further message)."""
        invitation.due_at = until
        await self.session.flush()

    async def drop(
        self, invitation: CampaignInvitation, status: str | None, error: str | None = None
    ) -> None:
        """Never send this invitation (status opted_out/blocked/…), or send no further reminder (None)."""
        if status is not None and invitation.status == "pending":
            invitation.status = status
        invitation.due_at = None
        invitation.error = error
        await self.session.flush()

    async def delivered(self, invitation_id: int, now: datetime, next_due: datetime | None) -> None:
        """The claimed message went out: record it and when the next reminder is due."""
        invitation = CampaignInvitation
        await self.session.execute(
            update(invitation)
            .where(invitation.id == invitation_id, invitation.status.in_(CLAIMED))
            .values(
                invited_at=func.coalesce(invitation.invited_at, now),
                reminders_sent=invitation.reminders_sent
                + case((invitation.status == "reminding", 1), else_=0),
                last_reminded_at=case(
                    (invitation.status == "reminding", now), else_=invitation.last_reminded_at
                ),
                status="sent",
                due_at=next_due,
                claimed_at=None,
                error=None,
            )
        )

    async def undelivered(
        self, invitation_id: int, *, retry_at: datetime | None, error: str | None, final_status: str
    ) -> None:
        """The message did not go out: release the claim to retry at `retry_at`, or give up."""
        invitation = CampaignInvitation
        was_invite = invitation.status == "sending"
        values: dict[str, Any] = {
            "status": case((was_invite, "pending"), else_="sent"),
            "due_at": retry_at,
            "claimed_at": None,
            "error": error,
            "attempts": invitation.attempts + (1 if error else 0),
        }
        if retry_at is None:
            values["status"] = case((was_invite, final_status), else_="sent")
        await self.session.execute(
            update(invitation)
            .where(invitation.id == invitation_id, invitation.status.in_(CLAIMED))
            .values(values)
        )

    async def invitation_of(
        self, invitation_id: int, respondent_id: int
    ) -> tuple[CampaignInvitation, str, str | None] | None:
        """The customer's own invitation (a pressed button names it), its survey and its response's status."""
        statement = (
            select(CampaignInvitation, Campaign.survey_key, Response.status)
            .join(Campaign, Campaign.id == CampaignInvitation.campaign_id)
            .outerjoin(Response, Response.id == CampaignInvitation.response_id)
            .where(CampaignInvitation.id == invitation_id, CampaignInvitation.respondent_id == respondent_id)
            .with_for_update(of=CampaignInvitation)
        )
        row = (await self.session.execute(statement)).first()
        return None if row is None else row

    async def opened(self, invitation: CampaignInvitation) -> None:
        """The customer pressed the invitation's button."""
        if invitation.opened_at is None:
            invitation.opened_at = func.now()
            await self.session.flush()

    async def attach_response(
        self, respondent_id: int, survey_key: str, response_id: int, invitation_id: int | None
    ) -> None:
        """Link a new response to the invitation it answers: the one pressed, else the customer's latest
        invitation to this survey that has no response yet; the response keeps the campaign and context."""
        invitation = CampaignInvitation
        statement = (
            select(invitation)
            .join(Campaign, Campaign.id == invitation.campaign_id)
            .where(invitation.respondent_id == respondent_id)
            .order_by(invitation.id.desc())
            .limit(1)
        )
        if invitation_id is not None:
            statement = statement.where(invitation.id == invitation_id)
        else:
            statement = statement.where(
                Campaign.survey_key == survey_key,
                invitation.response_id.is_(None),
                invitation.status.in_(INVITED),
            )
        found = (await self.session.scalars(statement)).first()
        if found is None:
            return
        found.response_id = response_id
        if found.opened_at is None:
            found.opened_at = func.now()
        await self.session.execute(
            update(Response)
            .where(Response.id == response_id)
            .values(campaign_id=found.campaign_id, context=found.context)
        )
        await self.session.flush()

    async def rates(self, campaign_ids: list[int] | None = None) -> list[CampaignRates]:
        """The funnel of every campaign (or the given ones), newest campaign first."""
        invitation = CampaignInvitation

        def count(condition: ColumnElement[bool]) -> Any:
            return func.count().filter(condition)

        statement = (
            select(
                Campaign,
                func.count(invitation.id),
                count(invitation.invited_at.is_not(None)),
                count(invitation.opened_at.is_not(None)),
                count(invitation.response_id.is_not(None)),
                count(Response.status == "completed"),
                count(invitation.reminders_sent > 0),
                count(invitation.status == "opted_out"),
                count(invitation.status == "blocked"),
                count(invitation.status == "failed"),
                count(invitation.status == "pending"),
                count(invitation.status == "fatigued"),
                count(invitation.status == "unsampled"),
            )
            .outerjoin(invitation, invitation.campaign_id == Campaign.id)
            .outerjoin(Response, Response.id == invitation.response_id)
            .group_by(Campaign.id)
            .order_by(Campaign.id.desc())
        )
        if campaign_ids is not None:
            statement = statement.where(Campaign.id.in_(campaign_ids))
        return [CampaignRates(*row) for row in await self.session.execute(statement)]

    async def survey_keys(self) -> list[str]:
        """The surveys a campaign can use."""
        return list(await self.session.scalars(select(SurveyRow.key).order_by(SurveyRow.key)))

    async def audience_size(self, spec: CampaignSpec, starts: datetime) -> int:
        """How many customers a round starting at `starts` would invite (shown before confirming)."""
        counted = _audience(spec, starts).with_only_columns(func.count(Respondent.id))
        return int(await self.session.scalar(counted) or 0)


def _audience(spec: CampaignSpec, starts: datetime) -> Select[Respondent]:
    """The customers a round of `spec` starting at `starts` invites (forgotten customers never)."""
    statement = select(Respondent).where(Respondent.telegram_id > 0)
    audience = spec.audience
    if audience.kind == "ids":
        return statement.where(Respondent.telegram_id.in_(audience.ids))
    if audience.kind == "tag":
        tagged = exists().where(
            CustomerProfile.respondent_id == Respondent.id, CustomerProfile.tags.contains([audience.tag])
        )
        return statement.where(tagged)
    if audience.kind == "served":
        since, until = audience.served_window(starts)
        return statement.where(_served(since, until))
    return statement


def _served(since: datetime, until: datetime) -> ColumnElement[bool]:
    """Served in [since, until): a service event reported through the API, a survey or a complaint."""
    service_event = exists().where(
        CampaignInvitation.respondent_id == Respondent.id,
        CampaignInvitation.round.is_(None),
        CampaignInvitation.created_at >= since,
        CampaignInvitation.created_at < until,
    )
    surveyed = exists().where(
        Response.respondent_id == Respondent.id, Response.started_at >= since, Response.started_at < until
    )
    complained = exists().where(
        Complaint.respondent_id == Respondent.id, Complaint.created_at >= since, Complaint.created_at < until
    )
    return or_(service_event, surveyed, complained)

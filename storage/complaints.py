"""Complaints worked as tickets: opening, the event trail, listing for admins, SLA breach bookkeeping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.complaint_io import NewComplaint
from storage.jobs import enqueue_in
from storage.models import Complaint, ComplaintAttachment, ComplaintLabel, SlaBreach, TicketEvent

OPEN_STATUSES = ("received", "in_progress", "reopened")
# The worker's job that extracts a complaint's hot-spot keywords once it is stored (bot/jobs/keywords.py).
KEYWORDS_JOB = "complaint_keywords"
# severity → (first response within, resolution within)
SlaTable = Mapping[str, tuple[timedelta, timedelta]]


@dataclass(frozen=True)
class TicketFilter:
    """What an admin asked /tickets to show."""

    status: str | None = None  # a status, "open" for every open status, or None for all
    category: str | None = None
    overdue_only: bool = False
    kind: str | None = None  # "complaint", "follow_up", or None for both


class ComplaintRepository:
    """Operations on complaints, their attachments and their event trail."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_ticket(self, respondent_id: int, language: str, new: NewComplaint) -> Complaint:
        """Store a complaint with its attachments and a 'received' event."""
        complaint = Complaint(
            respondent_id=respondent_id,
            language=language,
            description=new.description,
            category_auto=new.category_auto,
            category_confidence=new.category_confidence,
            category=new.category,
            dimension_auto=new.dimension_auto,
            dimension=new.dimension,
            severity=new.severity,
            status="received",
            wants_contact=new.wants_contact,
            phone=new.phone,
            keywords=list(new.keywords),
            source_response_id=new.source_response_id,
            category_secondary=new.category_secondary,
            category_evidence=list(new.category_evidence),
            classifier_version=new.classifier_version,
            kind=new.kind,
            rating_before=new.rating_before,
            revisit_due_at=new.revisit_due_at,
            fix_due_at=new.fix_due_at,
        )
        self.session.add(complaint)
        await self.session.flush()
        if new.label_source is not None:
            self._keep_label(complaint, new.label_source)
        self.session.add_all(
            ComplaintAttachment(complaint_id=complaint.id, kind=kind, file_id=file_id)
            for kind, file_id in new.attachments
        )
        # A customer files a complaint; a follow-up case is opened by the rules, not by anyone.
        opened_by = "customer" if new.kind == "complaint" else "system"
        self.session.add(
            TicketEvent(complaint_id=complaint.id, actor_role=opened_by, action="open", to_status="received")
        )
        await self.session.flush()
        await self.session.refresh(complaint)
        return complaint

    async def queue_keywords(self, complaint: Complaint) -> None:
        """Ask a worker, in this transaction, for the complaint's hot-spot keywords (none without a text)."""
        if complaint.description:
            await enqueue_in(
                self.session,
                KEYWORDS_JOB,
                {"complaint_id": complaint.id},
                language=complaint.language,
                key=f"{KEYWORDS_JOB}:{complaint.id}",
            )

    async def set_keywords(self, complaint_id: int, description: str, keywords: Sequence[str]) -> bool:
        """Store keywords extracted from ``description``; False (nothing stored) if the text changed or
        was erased meanwhile."""
        stored = await self.session.execute(
            update(Complaint)
            .where(Complaint.id == complaint_id, Complaint.description == description)
            .values(keywords=list(keywords))
            .returning(Complaint.id)
        )
        return stored.first() is not None

    async def get(self, complaint_id: int, *, for_update: bool = False) -> Complaint | None:
        """One complaint (row-locked when it is about to change)."""
        statement = select(Complaint).where(Complaint.id == complaint_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.scalars(statement)).first()

    async def attachments(self, complaint_id: int) -> list[ComplaintAttachment]:
        """The files sent with a complaint."""
        rows = await self.session.scalars(
            select(ComplaintAttachment)
            .where(ComplaintAttachment.complaint_id == complaint_id)
            .order_by(ComplaintAttachment.id)
        )
        return list(rows)

    async def events(self, complaint_id: int) -> list[TicketEvent]:
        """The ticket's history, oldest first."""
        rows = await self.session.scalars(
            select(TicketEvent).where(TicketEvent.complaint_id == complaint_id).order_by(TicketEvent.id)
        )
        return list(rows)

    async def of_respondent(self, respondent_id: int, limit: int = 10) -> list[Complaint]:
        """A customer's newest complaints."""
        rows = await self.session.scalars(
            select(Complaint)
            .where(Complaint.respondent_id == respondent_id)
            .order_by(Complaint.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def recategorise(self, complaint: Complaint, category: str, *, by: int) -> None:
        """An admin corrects the category: the ticket changes, the trail says so, and the text is kept
        as a label for retraining. Not a response to the customer, so the SLA clock is untouched."""
        before = complaint.category
        complaint.category = category
        self.session.add(
            TicketEvent(
                complaint_id=complaint.id,
                actor_role="admin",
                actor_id=by,
                action="recategorise",
                from_status=complaint.status,
                to_status=complaint.status,
                note=f"{before} → {category}",
            )
        )
        self._keep_label(complaint, "admin", labelled_by=by)
        await self.session.flush()

    def _keep_label(self, complaint: Complaint, source: str, labelled_by: int | None = None) -> None:
        """The complaint's text with the category a person gave it, kept to retrain the classifier."""
        self.keep_label(
            complaint.description,
            complaint.category,
            source,
            predicted=complaint.category_auto,
            model_version=complaint.classifier_version,
            complaint_id=complaint.id,
            response_id=complaint.source_response_id if complaint.kind == "follow_up" else None,
            labelled_by=labelled_by,
        )

    def keep_label(
        self,
        text: str,
        label: str,
        source: str,
        *,
        predicted: str | None,
        model_version: str | None,
        complaint_id: int | None = None,
        response_id: int | None = None,
        labelled_by: int | None = None,
    ) -> bool:
        """A text with the category a person gave it, kept to retrain the classifier; False (nothing
        kept) when there is no text to learn from."""
        if not text.strip():
            return False  # media only, or a rating without a comment: nothing a classifier could learn
        self.session.add(
            ComplaintLabel(
                complaint_id=complaint_id,
                response_id=response_id,
                text=text,
                label=label,
                source=source,
                predicted=predicted,
                model_version=model_version,
                labelled_by=labelled_by,
            )
        )
        return True

    async def record(
        self,
        complaint: Complaint,
        *,
        actor_role: str,
        actor_id: int | None,
        action: str,
        to_status: str | None = None,
        note: str | None = None,
        at: datetime | None = None,
    ) -> TicketEvent:
        """Apply a change (status and its timestamps) and append it to the event trail.

        `at` defaults to the database's clock; importers and tests pass the time the change happened.
        """
        from_status = complaint.status
        now = at or await self.session.scalar(select(func.now()))
        assert now is not None
        if actor_role == "admin" and complaint.first_response_at is None:
            complaint.first_response_at = now
        if to_status is not None and to_status != from_status:
            complaint.status = to_status
            if to_status == "resolved":
                complaint.resolved_at = now
            elif to_status == "reopened":
                complaint.resolved_at = None
                complaint.resolution_rating = None
            elif to_status == "closed":
                complaint.closed_at = now
        event = TicketEvent(
            complaint_id=complaint.id,
            at=now,
            actor_role=actor_role,
            actor_id=actor_id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
        self.session.add(event)
        await self.session.flush()
        return event

    async def assign(self, complaint: Complaint, admin_id: int, by: int) -> None:
        """Give the ticket to an admin."""
        complaint.assigned_to = admin_id
        await self.record(complaint, actor_role="admin", actor_id=by, action="assign", note=str(admin_id))

    async def rate(self, complaint: Complaint, rating: int) -> None:
        """The customer's 1–5 rating of the resolution."""
        complaint.resolution_rating = rating
        await self.record(complaint, actor_role="customer", actor_id=None, action="rate", note=str(rating))

    async def rerate(self, complaint: Complaint, rating: int, at: datetime | None = None) -> None:
        """The customer's one re-rating of the service after a follow-up case (好差评 复评); `at`
        defaults to the database's clock."""
        now = at or await self.session.scalar(select(func.now()))
        complaint.rerating, complaint.rerated_at = rating, now
        await self.record(
            complaint, actor_role="customer", actor_id=None, action="rerate", note=str(rating), at=now
        )

    async def page(
        self, wanted: TicketFilter, slas: SlaTable, now: datetime, *, offset: int = 0, limit: int = 8
    ) -> tuple[list[Complaint], int]:
        """One page of tickets for /tickets, newest first, and how many match in all."""
        conditions: list[ColumnElement[bool]] = []
        if wanted.status == "open":
            conditions.append(Complaint.status.in_(OPEN_STATUSES))
        elif wanted.status:
            conditions.append(Complaint.status == wanted.status)
        if wanted.category:
            conditions.append(Complaint.category == wanted.category)
        if wanted.kind:
            conditions.append(Complaint.kind == wanted.kind)
        if wanted.overdue_only:
            conditions.append(overdue_condition(slas, now))
        where = and_(literal(True), *conditions)
        total = await self.session.scalar(select(func.count()).select_from(Complaint).where(where))
        rows = await self.session.scalars(
            select(Complaint).where(where).order_by(Complaint.id.desc()).offset(offset).limit(limit)
        )
        return list(rows), int(total or 0)

    async def overdue(self, slas: SlaTable, now: datetime) -> list[Complaint]:
        """Open tickets past their first-response or resolution due time."""
        rows = await self.session.scalars(
            select(Complaint).where(overdue_condition(slas, now)).order_by(Complaint.id)
        )
        return list(rows)

    async def claim_breach_report(self, complaint_id: int, kind: str) -> bool:
        """Record that a breach is being reported; False if it was reported before."""
        statement = (
            insert(SlaBreach)
            .values(complaint_id=complaint_id, kind=kind)
            .on_conflict_do_nothing()
            .returning(SlaBreach.complaint_id)
        )
        return (await self.session.execute(statement)).first() is not None


def _due(slas: SlaTable, which: int) -> ColumnElement[datetime]:
    """Each ticket's due time: created_at plus its severity's limit (0: first response, 1: resolution)."""
    created = Complaint.created_at
    whens = [(Complaint.severity == severity, created + limits[which]) for severity, limits in slas.items()]
    return case(*whens, else_=created + max(limits[which] for limits in slas.values()))


def overdue_condition(slas: SlaTable, now: datetime) -> ColumnElement[bool]:
    """SQL for 'open and past the first-response or the resolution due time'.

    A complaint's due times follow its severity's SLA; a follow-up case's are its own revisit
    (first response) and fix (resolution) deadlines, counted in working days when it was opened.
    """
    complaint = and_(
        Complaint.kind == "complaint",
        or_(and_(Complaint.first_response_at.is_(None), _due(slas, 0) < now), _due(slas, 1) < now),
    )
    case = and_(
        Complaint.kind == "follow_up",
        or_(
            and_(Complaint.first_response_at.is_(None), Complaint.revisit_due_at < now),
            Complaint.fix_due_at < now,
        ),
    )
    return and_(Complaint.status.in_(OPEN_STATUSES), or_(complaint, case))

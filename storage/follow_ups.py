"""The closed loop after a low rating: follow-up cases (tickets of kind 'follow_up', opened through
ComplaintRepository so they are worked like every ticket) and the reasons customers picked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.complaint_io import NewComplaint
from dialogs.follow_up import FollowUpRules
from storage.complaints import ComplaintRepository
from storage.models import Complaint, RatingReason


class FollowUpRepository:
    """Opening follow-up cases with their working-day deadlines, and the reasons after low ratings."""

    def __init__(self, session: AsyncSession, complaints: ComplaintRepository) -> None:
        self.session = session
        self.complaints = complaints

    async def open_case(
        self,
        respondent_id: int,
        language: str,
        new: NewComplaint,
        rules: FollowUpRules,
        at: datetime | None = None,
    ) -> Complaint:
        """Open a follow-up case due for a revisit and a fix by the rules' working-day deadlines.

        The deadlines count from `at` (default: the database's clock, the case's created_at);
        importers and tests pass the moment the rating was given.
        """
        opened = at or await self.session.scalar(select(func.now()))
        assert opened is not None
        due = rules.due(opened)
        case = replace(new, kind="follow_up", revisit_due_at=due.first_response, fix_due_at=due.resolution)
        complaint = await self.complaints.open_ticket(respondent_id, language, case)
        if at is not None:
            complaint.created_at = at
            await self.session.flush()
        return complaint

    async def case_of_response(self, response_id: int) -> Complaint | None:
        """The follow-up case a response opened, if any."""
        statement = select(Complaint).where(
            Complaint.kind == "follow_up", Complaint.source_response_id == response_id
        )
        return (await self.session.scalars(statement)).first()

    async def set_reasons(self, response_id: int, picked: Sequence[tuple[int, str]]) -> None:
        """The reasons (option value, category) picked on a response, replacing earlier picks
        (a customer who goes back and picks again)."""
        await self.session.execute(delete(RatingReason).where(RatingReason.response_id == response_id))
        if picked:
            rows = [{"response_id": response_id, "reason": value, "category": c} for value, c in picked]
            await self.session.execute(insert(RatingReason).values(rows).on_conflict_do_nothing())

    async def reasons(self, response_id: int) -> list[tuple[int, str]]:
        """The reasons picked on a response, by option value."""
        rows = await self.session.execute(
            select(RatingReason.reason, RatingReason.category)
            .where(RatingReason.response_id == response_id)
            .order_by(RatingReason.reason)
        )
        return [(int(reason), str(category)) for reason, category in rows]

"""Exports for operators' systems (GET /api/v1/responses, /complaints): filtered, paged by id.

With `anonymous` the rows carry no customer identifiers at all (ANONYMOUS_ANSWERS).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AnswerRow,
    Campaign,
    Complaint,
    CustomerProfile,
    QuestionRow,
    Respondent,
    Response,
    SurveyRow,
    SurveyVersion,
)

Row = TypeVarTuple("Row")


@dataclass(frozen=True)
class ExportFilter:
    """What to export: a time window, equality filters, and the page after `cursor`."""

    since: datetime | None = None
    until: datetime | None = None
    equals: dict[str, str] = field(default_factory=dict)  # column filters (survey, status, category, …)
    context: dict[str, str] = field(default_factory=dict)  # responses: branch, staff_id, service_type
    cursor: int | None = None
    limit: int = 100


class ExportRepository:
    """Read-only export queries."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def responses(self, wanted: ExportFilter, anonymous: bool) -> list[dict[str, Any]]:
        """A page of responses with their answers, oldest first."""
        statement = (
            select(Response, SurveyRow.key, SurveyVersion.version, Campaign.name, Respondent.telegram_id)
            .add_columns(CustomerProfile.external_id)
            .join(SurveyVersion, SurveyVersion.id == Response.survey_version_id)
            .join(SurveyRow, SurveyRow.id == SurveyVersion.survey_id)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .outerjoin(CustomerProfile, CustomerProfile.respondent_id == Respondent.id)
            .outerjoin(Campaign, Campaign.id == Response.campaign_id)
        )
        columns = {"survey": SurveyRow.key, "campaign": Campaign.name, "status": Response.status}
        statement = _page(statement, Response.id, Response.started_at, wanted, columns)
        for key, value in wanted.context.items():
            statement = statement.where(Response.context[key].astext == value)
        rows = list(await self.session.execute(statement))
        answers = await self._answers([row[0].id for row in rows])
        return [
            {
                "id": response.id,
                "survey": key,
                "survey_version": version,
                "status": response.status,
                "started_at": response.started_at.isoformat(),
                "completed_at": response.completed_at.isoformat() if response.completed_at else None,
                "channel": response.channel,
                "campaign": campaign,
                "context": response.context,
                "customer": None if anonymous else {"telegram_id": telegram_id, "external_id": external_id},
                "answers": answers.get(response.id, []),
            }
            for response, key, version, campaign, telegram_id, external_id in rows
        ]

    async def _answers(self, response_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if not response_ids:
            return found
        rows = await self.session.execute(
            select(
                AnswerRow.response_id,
                QuestionRow.key,
                QuestionRow.role,
                QuestionRow.dimension_key,
                AnswerRow.score,
                AnswerRow.text,
            )
            .join(QuestionRow, QuestionRow.id == AnswerRow.question_id)
            .where(AnswerRow.response_id.in_(response_ids))
            .order_by(AnswerRow.response_id, QuestionRow.position)
        )
        for response_id, key, role, dimension, score, text in rows:
            found[response_id].append(
                {"question": key, "role": role, "dimension": dimension, "score": score, "text": text}
            )
        return found

    async def complaints(self, wanted: ExportFilter, anonymous: bool) -> list[dict[str, Any]]:
        """A page of complaints, oldest first (contact details only when not anonymous)."""
        statement = (
            select(Complaint, Respondent.telegram_id, CustomerProfile.external_id)
            .join(Respondent, Respondent.id == Complaint.respondent_id)
            .outerjoin(CustomerProfile, CustomerProfile.respondent_id == Respondent.id)
        )
        columns = {
            "status": Complaint.status,
            "category": Complaint.category,
            "severity": Complaint.severity,
            "kind": Complaint.kind,
        }
        statement = _page(statement, Complaint.id, Complaint.created_at, wanted, columns)
        rows = list(await self.session.execute(statement))
        return [
            {
                "id": complaint.id,
                "ticket": f"TJ-{complaint.id:06d}",
                "created_at": complaint.created_at.isoformat(),
                "status": complaint.status,
                "category": complaint.category,
                "category_auto": complaint.category_auto,
                "dimension": complaint.dimension,
                "severity": complaint.severity,
                "description": complaint.description,
                "keywords": list(complaint.keywords),
                "first_response_at": _iso(complaint.first_response_at),
                "resolved_at": _iso(complaint.resolved_at),
                "resolution_rating": complaint.resolution_rating,
                "source_response_id": complaint.source_response_id,
                # "follow_up": a case a low rating opened, with its deadlines and the re-rating
                "kind": complaint.kind,
                "rating_before": complaint.rating_before,
                "revisit_due_at": _iso(complaint.revisit_due_at),
                "fix_due_at": _iso(complaint.fix_due_at),
                "rerating": complaint.rerating,
                "customer": None
                if anonymous
                else {
                    "telegram_id": telegram_id,
                    "external_id": external_id,
                    "phone": complaint.phone if complaint.wants_contact else None,
                },
            }
            for complaint, telegram_id, external_id in rows
        ]


def _page(
    statement: Select[*Row],
    id_column: Any,
    time_column: Any,
    wanted: ExportFilter,
    columns: dict[str, Any],
) -> Select[*Row]:
    if wanted.since is not None:
        statement = statement.where(time_column >= wanted.since)
    if wanted.until is not None:
        statement = statement.where(time_column < wanted.until)
    for name, value in wanted.equals.items():
        statement = statement.where(columns[name] == value)
    if wanted.cursor is not None:
        statement = statement.where(id_column > wanted.cursor)
    return statement.order_by(id_column).limit(wanted.limit)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()

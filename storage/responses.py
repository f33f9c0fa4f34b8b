"""Survey responses and their answers, each answer committed when it is given."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.aggregates import add_completed
from storage.models import AnswerRow, Response

_answers = cast(Table, AnswerRow.__table__)  # Core statements: no ORM bulk-insert machinery
_answer = insert(_answers).values(
    response_id=bindparam("response_id"),
    question_id=bindparam("question_id"),
    score=bindparam("score"),
    text=bindparam("text"),
)
# Built once (it runs for every answer): bound parameters let SQLAlchemy reuse its compiled form.
RECORD_ANSWER = _answer.on_conflict_do_update(
    index_elements=[_answers.c.response_id, _answers.c.question_id],
    set_={"score": _answer.excluded.score, "text": _answer.excluded.text, "answered_at": func.now()},
)


class ResponseRepository:
    """Operations on survey attempts and answers."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open(self, respondent_id: int, survey_version_id: int, channel: str = "telegram") -> int:
        """Start a new response; returns its id."""
        response = Response(
            respondent_id=respondent_id,
            survey_version_id=survey_version_id,
            status="started",
            channel=channel,
        )
        self.session.add(response)
        await self.session.flush()
        return response.id

    async def record_answer(
        self, response_id: int, question_id: int, score: float | None, text: str | None
    ) -> None:
        """Store an answer, replacing an earlier one to the same question (after Back)."""
        await self.session.execute(
            RECORD_ANSWER,
            {"response_id": response_id, "question_id": question_id, "score": score, "text": text},
        )

    async def forget_answers(self, response_id: int, question_ids: list[int]) -> None:
        """Drop answers that no longer apply (a conditional question whose condition went away)."""
        if question_ids:
            await self.session.execute(
                delete(AnswerRow).where(
                    AnswerRow.response_id == response_id, AnswerRow.question_id.in_(question_ids)
                )
            )

    async def complete(self, response_id: int) -> None:
        """Mark a response completed and add it to the report aggregates (same transaction)."""
        await self.session.execute(
            update(Response)
            .where(Response.id == response_id)
            .values(status="completed", completed_at=func.now())
        )
        await add_completed(self.session, response_id)

    async def abandon(self, response_id: int) -> None:
        """Mark an unfinished response abandoned (the customer started over)."""
        await self.session.execute(
            update(Response)
            .where(Response.id == response_id, Response.status == "started")
            .values(status="abandoned", abandoned_at=func.now())
        )

"""KPI readings from operators' systems and sensors, and the daily series that reports set them against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Boolean, Date, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AnswerRow, KpiReading, QuestionRow, Response


@dataclass(frozen=True)
class NewReading:
    """One validated reading to store."""

    kpi: str
    value: float
    measured_at: datetime
    branch: str = ""
    source: str = ""


@dataclass(frozen=True)
class StoreResult:
    """What storing a batch did: new readings, and re-sent ones whose value was replaced."""

    inserted: int
    updated: int


class KpiRepository:
    """Operations on KPI readings."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, readings: Sequence[NewReading]) -> StoreResult:
        """Store a batch; a reading already stored (same KPI, time, branch and source) is replaced."""
        if not readings:
            return StoreResult(0, 0)
        # One reading per key in a batch: PostgreSQL refuses to upsert the same row twice in one statement.
        unique = {(r.kpi, r.measured_at, r.branch, r.source): r for r in readings}
        statement = insert(KpiReading).values(
            [
                {
                    "kpi": r.kpi,
                    "value": r.value,
                    "measured_at": r.measured_at,
                    "branch": r.branch,
                    "source": r.source,
                }
                for r in unique.values()
            ]
        )
        statement = statement.on_conflict_do_update(
            constraint="uq_kpi_readings_kpi_measured_at_branch_source",
            set_={"value": statement.excluded.value, "received_at": func.now()},
        )
        # xmax is 0 for rows this statement inserted, non-zero for rows it updated.
        inserted = list(await self.session.scalars(statement.returning(literal_column("xmax = 0", Boolean))))
        new = sum(inserted)
        return StoreResult(new, len(inserted) - new)

    async def readings(self, since: datetime, until: datetime) -> list[tuple[str, float, datetime, str]]:
        """(kpi, value, measured_at, branch) measured in [since, until), oldest first."""
        rows = await self.session.execute(
            select(KpiReading.kpi, KpiReading.value, KpiReading.measured_at, KpiReading.branch)
            .where(KpiReading.measured_at >= since, KpiReading.measured_at < until)
            .order_by(KpiReading.measured_at, KpiReading.id)
        )
        return list(rows)

    async def dimension_days(
        self, since: datetime, until: datetime, timezone: str
    ) -> list[tuple[date, str, float, int]]:
        """(day in `timezone`, dimension, mean item score, answers) for responses started in the window."""
        day = cast(func.timezone(timezone, Response.started_at), Date).label("day")
        rows = await self.session.execute(
            select(day, QuestionRow.dimension_key, func.avg(AnswerRow.score), func.count(AnswerRow.id))
            .join(AnswerRow, AnswerRow.response_id == Response.id)
            .join(QuestionRow, QuestionRow.id == AnswerRow.question_id)
            .where(
                Response.started_at >= since,
                Response.started_at < until,
                QuestionRow.role == "item",
                AnswerRow.score.is_not(None),
            )
            .group_by(day, QuestionRow.dimension_key)
            .order_by(day)
        )
        return [(d, str(dim), float(mean), int(n)) for d, dim, mean, n in rows]

"""Handling timeliness computed from ticket events with known times, through the analysis frames."""

from __future__ import annotations

import math

import pandas as pd
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.complaint_stats import timeliness
from dialogs.complaint_io import NewComplaint
from storage.analytics import complaints_frame
from storage.database import session_factory
from storage.models import Complaint
from storage.unit_of_work import UnitOfWork

T0 = pd.Timestamp("2026-11-16 10:00", tz="UTC")


def hours(n: float) -> pd.Timedelta:
    return pd.Timedelta(hours=n)


async def ticket(uow: UnitOfWork, severity: str, respond_after: float, resolve_after: float | None) -> None:
    customer = await uow.respondents.touch(8001, "zh", None)
    complaint = await uow.complaints.open_ticket(
        customer.id,
        "zh",
        NewComplaint("等太久", "process", 0.9, "process", None, None, severity, False, None),
    )
    await uow.session.execute(update(Complaint).where(Complaint.id == complaint.id).values(created_at=T0))
    await uow.session.refresh(complaint)
    await uow.complaints.record(
        complaint,
        actor_role="admin",
        actor_id=1,
        action="acknowledge",
        to_status="in_progress",
        at=(T0 + hours(respond_after)).to_pydatetime(),
    )
    if resolve_after is not None:
        await uow.complaints.record(
            complaint,
            actor_role="admin",
            actor_id=1,
            action="resolve",
            to_status="resolved",
            at=(T0 + hours(resolve_after)).to_pydatetime(),
        )


async def test_first_response_and_resolution_times_and_sla_share(db: AsyncEngine) -> None:
    async with session_factory(db)() as session, session.begin():
        uow = UnitOfWork(session)
        await ticket(uow, "high", respond_after=0.5, resolve_after=4)  # within the 24 h resolution SLA
        await ticket(uow, "high", respond_after=2, resolve_after=30)  # resolved after 30 h: breached
        await ticket(uow, "high", respond_after=6, resolve_after=None)  # open, 40 h old at `now`: overdue
    now = T0 + hours(40)
    frame = await complaints_frame(db, T0 - hours(1), now)
    assert sorted(frame["status"]) == ["in_progress", "resolved", "resolved"]
    table = timeliness(frame, {"low": 168, "medium": 72, "high": 24}, now, by=())
    row = table.iloc[0]
    assert row["tickets"] == 3 and row["responded"] == 3 and row["resolved"] == 2
    assert math.isclose(row["first_response_median_h"], 2.0)  # median of 0.5, 2, 6
    assert math.isclose(row["resolution_median_h"], 17.0)  # median of 4 and 30
    assert row["within_sla"] == 1 and row["sla_known"] == 3  # one in time, one late, one overdue open
    assert math.isclose(row["within_sla_share"], 1 / 3)
    assert row["overdue_open"] == 1

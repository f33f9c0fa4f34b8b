"""Report aggregates: kept when a response completes, equal to a rebuild from raw rows, days in the zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.aggregate_frames import load_for_report
from storage.aggregates import add_completed, rebuild
from storage.database import session_factory
from storage.unit_of_work import UnitOfWork

# Sunday 2025-03-02 23:59 and Monday 00:01 in Asia/Shanghai (UTC+8): one week apart in reports.
LATE_SUNDAY = pd.Timestamp("2025-03-02T15:59:00Z")
EARLY_MONDAY = pd.Timestamp("2025-03-02T16:01:00Z")

VARIED = {"func_needs": 4, "func_practical": 5, "safety_process": 2, "comfort_attitude": 3, "overall": 4}
FLAT = {"func_needs": 3, "func_practical": 3, "safety_process": 3, "comfort_attitude": 3, "resp_speed": 3}


def _at(stamp: pd.Timestamp, seconds: float) -> datetime:
    result: datetime = (stamp + pd.Timedelta(seconds=seconds)).to_pydatetime()
    return result


async def _answered(
    engine: AsyncEngine, telegram_id: int, scores: dict[str, int], start: pd.Timestamp, gap: float
) -> int:
    """A response with ``scores`` answered ``gap`` seconds apart from ``start``; not yet completed."""
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        loaded = await uow.surveys.store(load_survey_file(default_survey_path()))
        stored = await uow.surveys.by_version(loaded.version_id)
        who = await uow.respondents.touch(telegram_id, "zh", None)
        response = await uow.responses.open(who.id, loaded.version_id)
        for key, score in scores.items():
            await uow.responses.record_answer(response, stored.question_ids[key], score, None)
        await session.execute(
            text("UPDATE responses SET started_at = :t, context = CAST(:c AS jsonb) WHERE id = :id"),
            {"t": start.to_pydatetime(), "id": response, "c": '{"branch": "东城店", "staff": "7"}'},
        )
        for position, key in enumerate(scores):
            await session.execute(
                text("UPDATE answers SET answered_at = :t WHERE response_id = :r AND question_id = :q"),
                {"t": _at(start, gap * (position + 1)), "r": response, "q": stored.question_ids[key]},
            )
    return response


async def _complete(engine: AsyncEngine, response: int) -> None:
    async with session_factory(engine)() as session, session.begin():
        await UnitOfWork(session).responses.complete(response)


async def _rows(engine: AsyncEngine, table: str) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        result = await connection.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"))
        return [dict(row._mapping) for row in result]


async def _snapshot(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    tables = ("response_summaries", "daily_response_counts", "daily_answer_counts", "daily_dimension_counts")
    return {table: await _rows(engine, table) for table in tables}


async def test_completing_a_response_fills_the_aggregates_once(db: AsyncEngine) -> None:
    varied = await _answered(db, 1, VARIED, LATE_SUNDAY, gap=10)
    flat = await _answered(db, 2, FLAT, EARLY_MONDAY, gap=10)
    speedy = await _answered(db, 3, VARIED, EARLY_MONDAY, gap=0.5)
    open_one = await _answered(db, 4, VARIED, EARLY_MONDAY, gap=10)
    assert await _rows(db, "response_summaries") == []
    for response in (varied, flat, speedy):
        await _complete(db, response)

    summaries = {row["response_id"]: row for row in await _rows(db, "response_summaries")}
    assert set(summaries) == {varied, flat, speedy}  # the unfinished one is not summarised
    assert open_one not in summaries
    assert str(summaries[varied]["day"]) == "2025-03-02"  # 23:59:10 Sunday in Shanghai
    assert str(summaries[flat]["day"]) == "2025-03-03"
    assert (summaries[varied]["straightline"], summaries[varied]["speeder"]) == (False, False)
    assert (summaries[flat]["straightline"], summaries[flat]["speeder"]) == (True, False)
    assert (summaries[speedy]["straightline"], summaries[speedy]["speeder"]) == (False, True)
    assert summaries[varied]["branch"] == "东城店" and summaries[varied]["staff"] == "7"

    # Only the kept response is counted: straight-liners and speeders stay out of the histograms.
    counts = await _rows(db, "daily_answer_counts")
    assert sorted((str(r["day"]), r["score"], r["n"]) for r in counts) == [
        ("2025-03-02", 2.0, 1),
        ("2025-03-02", 3.0, 1),
        ("2025-03-02", 4.0, 1),
        ("2025-03-02", 4.0, 1),
        ("2025-03-02", 5.0, 1),
    ]
    dimensions = {
        (r["dimension"], r["item_sum"], r["item_count"]): r["n"]
        for r in await _rows(db, "daily_dimension_counts")
    }
    assert dimensions == {("functionality", 9.0, 2): 1, ("safety", 2.0, 1): 1, ("comfort", 3.0, 1): 1}

    before = await _snapshot(db)
    async with session_factory(db)() as session, session.begin():
        assert await add_completed(session, varied) is False  # a second completion adds nothing
    assert await _snapshot(db) == before


async def test_rebuild_equals_the_upkeep_and_recuts_days_in_another_zone(db: AsyncEngine) -> None:
    responses = [
        await _answered(db, 10 + i, VARIED if i % 2 else FLAT, LATE_SUNDAY + pd.Timedelta(minutes=i), gap=10)
        for i in range(4)
    ]
    for response in responses:
        await _complete(db, response)
    kept = await _snapshot(db)
    assert len(kept["daily_answer_counts"]) > 0

    assert await rebuild(db, "Asia/Shanghai") == 4
    assert await _snapshot(db) == kept
    assert await rebuild(db, "Asia/Shanghai") == 4  # idempotent
    assert await _snapshot(db) == kept

    await rebuild(db, "UTC")
    days = {str(row["day"]) for row in await _rows(db, "response_summaries")}
    assert days == {"2025-03-02"}  # 15:59–16:03 UTC is all Sunday in UTC
    async with db.connect() as connection:  # days cut in UTC cannot serve a Shanghai report
        with pytest.raises(ValueError, match="rebuild"):
            await load_for_report(connection, EARLY_MONDAY, "week", "Asia/Shanghai")
        assert len((await load_for_report(connection, EARLY_MONDAY, "week", "UTC")).answer_counts) > 0
    await rebuild(db, "Asia/Shanghai")
    days = {str(row["day"]) for row in await _rows(db, "response_summaries")}
    assert days == {"2025-03-02", "2025-03-03"}


async def test_a_response_completed_late_makes_the_later_started_one_a_repeat(db: AsyncEngine) -> None:
    """The repeat rule orders by start: an earlier start completed last takes over as the first."""
    later = await _answered(db, 20, VARIED, EARLY_MONDAY + pd.Timedelta(hours=3), gap=10)
    earlier = await _answered(db, 20, FLAT | {"resp_speed": 5}, EARLY_MONDAY, gap=10)
    await _complete(db, later)
    first_alone = {r["response_id"]: r["repeats"] for r in await _rows(db, "response_summaries")}
    assert first_alone == {later: 0}
    await _complete(db, earlier)

    repeats = {r["response_id"]: r["repeats"] for r in await _rows(db, "response_summaries")}
    assert repeats == {earlier: 0, later: 1 | 2 | 4}  # same local day, week and month
    counts = await _rows(db, "daily_answer_counts")
    assert {r["repeats"] for r in counts if r["n"] > 0} == {0, 7}
    kept = await _snapshot(db)
    await rebuild(db, "Asia/Shanghai")
    rebuilt = await _snapshot(db)
    # The upkeep may leave rows at n = 0 where counts moved; the rebuild never writes them.
    for table in ("daily_response_counts", "daily_answer_counts", "daily_dimension_counts"):
        kept[table] = [row for row in kept[table] if row["n"] != 0]
    assert rebuilt == kept

"""Demo histories written in bulk: what lands in PostgreSQL agrees with itself and with the survey."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.frames import FRAME_COLUMNS, RESPONSE_STATUSES
from dialogs.survey_loader import default_survey_path, load_survey_file
from dialogs.terms import CATEGORIES
from storage.analytics import load_frames
from storage.database import session_factory
from storage.demo_data import DemoConfig, DemoSummary, write_demo_data
from storage.unit_of_work import UnitOfWork

END = pd.Timestamp("2025-06-01T00:00:00Z")
CONFIG = DemoConfig(customers=300, weeks=3, seed=7, complaints_per_week=40, responses_per_week=60, end=END)


async def _store_survey(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session, session.begin():
        loaded = await UnitOfWork(session).surveys.store(load_survey_file(default_survey_path()))
    return loaded.version_id


async def _scalar(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(sql))).scalar_one())


async def test_demo_history_round_trips_through_the_frames(db: AsyncEngine) -> None:
    version_id = await _store_survey(db)
    summary = await write_demo_data(db, version_id, CONFIG)
    assert (summary.responses, summary.start, summary.end) == (180, END - pd.Timedelta(weeks=3), END)
    # More complaints than the generator gives for 60 responses a week: the top-up fills each week.
    assert summary.complaints >= 3 * 40
    frames = await load_frames(db, summary.start, summary.end)
    assert len(frames.responses) == summary.responses
    assert len(frames.answers) == summary.answers
    assert len(frames.complaints) == summary.complaints
    for kind in ("answers", "responses", "complaints"):
        frame = getattr(frames, kind)
        assert {str(k): str(v) for k, v in frame.dtypes.items()} == dict(FRAME_COLUMNS[kind])

    stored_keys = {q.key for q in load_survey_file(default_survey_path()).questions}
    assert set(frames.answers["question_key"]) <= stored_keys
    assert set(frames.answers["survey_version_id"]) == {version_id}
    assert set(frames.responses["status"]) <= set(RESPONSE_STATUSES)
    assert set(frames.complaints["category"]) <= set(CATEGORIES)
    # analysis.complaints.keywords finds nothing in a bare "其他。"; every other text has keywords.
    assert (frames.complaints["keywords"].map(len) >= 1).mean() > 0.9
    assert frames.complaints["created_at"].between(summary.start, summary.end).all()
    # Every completed response answered every required question; comments only after a low rating.
    completed = frames.responses.loc[frames.responses["status"] == "completed", "response_id"]
    answered = frames.answers[frames.answers["response_id"].isin(completed)]
    assert answered.groupby("response_id")["question_key"].nunique().min() >= 16
    commented = set(answered.loc[answered["role"] == "comment", "response_id"])
    rated = answered[answered["role"].isin(["item", "overall"])]
    low = set(rated.loc[rated["score"] <= 2, "response_id"])
    assert commented and commented <= low


async def test_ticket_timestamps_events_and_statuses_agree(db: AsyncEngine) -> None:
    version_id = await _store_survey(db)
    summary = await write_demo_data(db, version_id, CONFIG)
    inconsistent = await _scalar(
        db,
        """
        SELECT count(*) FROM complaints WHERE NOT (
            (status = 'received' AND first_response_at IS NULL AND resolved_at IS NULL)
         OR (status = 'in_progress' AND first_response_at IS NOT NULL AND resolved_at IS NULL)
         OR (status = 'resolved' AND resolved_at >= first_response_at AND closed_at IS NULL)
         OR (status = 'closed' AND closed_at >= resolved_at))
         OR (resolution_rating IS NOT NULL AND resolved_at IS NULL)
         OR first_response_at < created_at
        """,
    )
    assert inconsistent == 0
    assert await _scalar(db, "SELECT count(*) FROM ticket_events") == summary.ticket_events
    # One 'open' event per ticket; a resolve event exactly at resolved_at; a close per closed ticket.
    assert await _scalar(db, "SELECT count(*) FROM ticket_events WHERE action = 'open'") == summary.complaints
    mismatched = await _scalar(
        db,
        """
        SELECT count(*) FROM complaints c
        LEFT JOIN ticket_events e ON e.complaint_id = c.id AND e.action = 'resolve'
        WHERE (c.resolved_at IS NULL) <> (e.id IS NULL) OR e.at <> c.resolved_at
        """,
    )
    assert mismatched == 0
    closed = await _scalar(db, "SELECT count(*) FROM complaints WHERE status = 'closed'")
    assert await _scalar(db, "SELECT count(*) FROM ticket_events WHERE action = 'close'") == closed
    assert await _scalar(db, "SELECT count(*) FROM ticket_events WHERE at > '2025-06-01T00:00:00Z'") == 0


async def test_a_second_run_reuses_the_demo_customers(db: AsyncEngine) -> None:
    version_id = await _store_survey(db)
    first: DemoSummary = await write_demo_data(db, version_id, CONFIG)
    await write_demo_data(db, version_id, CONFIG)
    assert await _scalar(db, "SELECT count(*) FROM respondents") == first.respondents
    assert await _scalar(db, "SELECT count(*) FROM responses") == 2 * first.responses
    assert await _scalar(db, "SELECT count(*) FROM respondents WHERE first_name IS NOT NULL") == 0

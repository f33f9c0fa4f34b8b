"""Loading the analysis frames from PostgreSQL: a known dataset written through the repositories."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.frames import FRAME_COLUMNS
from dialogs.complaint_io import NewComplaint
from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.analytics import answers_frame, complaints_frame, load_frames, responses_frame
from storage.database import session_factory
from storage.unit_of_work import UnitOfWork

T0 = pd.Timestamp("2025-03-03T02:00:00Z")  # Monday 10:00 in Asia/Shanghai
WINDOW = (pd.Timestamp("2025-03-02T16:00:00Z"), pd.Timestamp("2025-03-09T16:00:00Z"))  # that week


def at(minutes: float) -> datetime:
    stamp: datetime = (T0 + pd.Timedelta(minutes=minutes)).to_pydatetime()
    return stamp


def complaint(description: str, category: str, dimension: str | None, keywords: list[str]) -> NewComplaint:
    return NewComplaint(
        description=description,
        category_auto="other",
        category_confidence=0.5,
        category=category,
        dimension_auto=dimension,
        dimension=dimension,
        severity="high",
        wants_contact=True,
        phone="13812345678",
        keywords=keywords,
    )


async def _write_known_dataset(engine: AsyncEngine) -> dict[str, int]:
    """Two responses in the window, one before it, three complaints; timestamps set explicitly."""
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        loaded = await uow.surveys.store(load_survey_file(default_survey_path()))
        stored = await uow.surveys.by_version(loaded.version_id)
        q = stored.question_ids
        alice = await uow.respondents.touch(1001, "zh", "王小明")
        bob = await uow.respondents.touch(1002, "en", "Bob")
        done = await uow.responses.open(alice.id, loaded.version_id)
        for key, score, note in (
            ("func_needs", 4, None),
            ("safety_process", 2, None),
            ("overall", 5, None),
            ("recommend", 9, None),
            ("comment", None, "等了很久"),
        ):
            await uow.responses.record_answer(done, q[key], score, note)
        await uow.responses.complete(done)
        left = await uow.responses.open(bob.id, loaded.version_id)
        await uow.responses.record_answer(left, q["resp_speed"], 1, None)
        await uow.responses.abandon(left)
        old = await uow.responses.open(bob.id, loaded.version_id)
        await uow.responses.record_answer(old, q["func_needs"], 3, None)
        first = await uow.complaints.open_ticket(
            alice.id,
            "zh",
            complaint("态度差，电话13812345678", "personnel", "responsiveness", ["态度差", "推诿"]),
        )
        await uow.complaints.record(
            first, actor_role="admin", actor_id=9, action="start", to_status="in_progress"
        )
        await uow.complaints.record(
            first, actor_role="admin", actor_id=9, action="resolve", to_status="resolved"
        )
        await uow.complaints.rate(first, 4)
        reopened = await uow.complaints.open_ticket(bob.id, "en", complaint("slow", "process", None, []))
        await uow.complaints.record(
            reopened, actor_role="admin", actor_id=9, action="resolve", to_status="resolved"
        )
        await uow.complaints.record(
            reopened, actor_role="admin", actor_id=9, action="reopen", to_status="reopened"
        )
        stale = await uow.complaints.open_ticket(bob.id, "en", complaint("old", "other", None, ["旧"]))
        ids = {"survey": loaded.version_id, "done": done, "left": left, "old": old}
        ids |= {"first": first.id, "reopened": reopened.id, "stale": stale.id}
        # Known timestamps: the repositories stamp now(), so move everything to fixed instants.
        await session.execute(
            text("UPDATE responses SET started_at = :s, completed_at = :c WHERE id = :id"),
            [
                {"id": done, "s": at(0), "c": at(2)},
                {"id": left, "s": at(60), "c": None},
                {"id": old, "s": at(-60 * 24 * 7), "c": None},
            ],
        )
        await session.execute(text("UPDATE answers SET answered_at = :t WHERE response_id = :r"), [
            {"r": done, "t": at(1)}, {"r": left, "t": at(61)}, {"r": old, "t": at(-60 * 24 * 7 + 1)}
        ])  # fmt: skip
        await session.execute(
            text(
                "UPDATE complaints SET created_at = :c, first_response_at = :f, resolved_at = :r "
                "WHERE id = :id"
            ),
            [
                {"id": first.id, "c": at(10), "f": at(70), "r": at(600)},
                {"id": reopened.id, "c": at(20), "f": at(30), "r": None},
                {"id": stale.id, "c": at(-60 * 24 * 10), "f": None, "r": None},
            ],
        )
    return ids


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {str(name): str(dtype) for name, dtype in frame.dtypes.items()}


async def test_frames_follow_the_contract_and_carry_the_stored_values(db: AsyncEngine) -> None:
    ids = await _write_known_dataset(db)
    answers = await answers_frame(db, *WINDOW)
    responses = await responses_frame(db, *WINDOW)
    complaints = await complaints_frame(db, *WINDOW)
    for kind, frame in (("answers", answers), ("responses", responses), ("complaints", complaints)):
        assert _dtypes(frame) == dict(FRAME_COLUMNS[kind]), kind

    rows = answers.sort_values(["response_id", "question_key"]).reset_index(drop=True)
    assert rows["response_id"].tolist() == [ids["done"]] * 5 + [ids["left"]]
    assert rows["question_key"].tolist() == [
        "comment", "func_needs", "overall", "recommend", "safety_process", "resp_speed",
    ]  # fmt: skip
    assert rows["role"].tolist() == ["comment", "item", "overall", "nps", "item", "item"]
    assert rows["dimension"].tolist()[1] == "functionality" and rows["dimension"].isna().tolist() == [
        True, False, True, True, False, False,
    ]  # fmt: skip
    assert rows["score"].isna().tolist() == [True, False, False, False, False, False]
    assert rows["score"].dropna().tolist() == [4.0, 5.0, 9.0, 2.0, 1.0]
    assert rows.loc[0, "answered_at"] == pd.Timestamp(at(1))
    assert set(rows["survey_version_id"]) == {ids["survey"]}

    by_id = responses.set_index("response_id")
    assert sorted(by_id.index) == [ids["done"], ids["left"]]  # the old one started before the window
    assert by_id.loc[ids["done"], "status"] == "completed"
    assert by_id.loc[ids["done"], "completed_at"] == pd.Timestamp(at(2))
    assert by_id.loc[ids["left"], "status"] == "abandoned" and pd.isna(by_id.loc[ids["left"], "completed_at"])
    assert by_id.loc[ids["left"], "started_at"] == pd.Timestamp(at(60))
    assert by_id.loc[ids["done"], "channel"] == "telegram"

    tickets = complaints.set_index("complaint_id")
    assert sorted(tickets.index) == [ids["first"], ids["reopened"]]
    first = tickets.loc[ids["first"]]
    assert first["ticket_no"] == f"TJ-{ids['first']:06d}"
    assert (first["status"], first["category"], first["dimension"]) == (
        "resolved",
        "personnel",
        "responsiveness",
    )
    assert first["keywords"] == ["态度差", "推诿"]
    assert first["resolution_rating"] == 4.0
    assert (first["created_at"], first["first_response_at"], first["resolved_at"]) == (
        pd.Timestamp(at(10)), pd.Timestamp(at(70)), pd.Timestamp(at(600)),
    )  # fmt: skip
    reopened = tickets.loc[ids["reopened"]]
    # The frame contract has no 'reopened': such a ticket is worked like one in progress.
    assert reopened["status"] == "in_progress" and pd.isna(reopened["resolved_at"])
    assert reopened["keywords"] == [] and pd.isna(reopened["dimension"])
    assert pd.isna(reopened["resolution_rating"])


async def test_open_tickets_from_before_the_window_and_survey_filters(db: AsyncEngine) -> None:
    ids = await _write_known_dataset(db)
    with_open = await complaints_frame(db, *WINDOW, include_open=True)
    assert ids["stale"] in set(with_open["complaint_id"])
    frames = await load_frames(db, *WINDOW)
    assert set(frames.complaints["complaint_id"]) == set(with_open["complaint_id"])
    assert len(frames.answers) == 6 and len(frames.responses) == 2

    assert len(await answers_frame(db, *WINDOW, survey_key="service_quality")) == 6
    assert len(await answers_frame(db, *WINDOW, version_id=ids["survey"])) == 6
    assert (await answers_frame(db, *WINDOW, survey_key="nope")).empty
    assert (await responses_frame(db, *WINDOW, version_id=ids["survey"] + 1)).empty


async def test_an_empty_window_gives_empty_frames_of_the_right_shape(db: AsyncEngine) -> None:
    frames = await load_frames(db, *WINDOW)
    for kind in ("answers", "responses", "complaints"):
        frame = getattr(frames, kind)
        assert frame.empty and _dtypes(frame) == dict(FRAME_COLUMNS[kind])


async def test_loading_inside_a_callers_transaction_sees_its_uncommitted_rows(db: AsyncEngine) -> None:
    async with db.connect() as connection, connection.begin():
        await connection.execute(text("INSERT INTO respondents (telegram_id, language) VALUES (5, 'zh')"))
        await connection.execute(
            text(
                "INSERT INTO complaints (respondent_id, created_at, language, description, category_auto,"
                " category_confidence, category, severity, status, keywords, wants_contact)"
                " SELECT id, :t, 'zh', '排队太久', 'process', 0.9, 'process', 'low', 'received',"
                " '{排队}', false"
                " FROM respondents WHERE telegram_id = 5"
            ),
            {"t": at(5)},
        )
        frames = await load_frames(connection, *WINDOW)
        assert frames.complaints["keywords"].tolist() == [["排队"]]
        await connection.rollback()


@pytest.mark.parametrize("start", [T0, T0.tz_convert(None)])
async def test_naive_instants_are_read_as_utc(db: AsyncEngine, start: pd.Timestamp) -> None:
    await _write_known_dataset(db)
    assert len(await responses_frame(db, start, WINDOW[1])) == 2

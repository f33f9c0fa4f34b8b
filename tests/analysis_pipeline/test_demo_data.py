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
    # One 'open' event per ticket (complaints and follow-up cases); a resolve event exactly at
    # resolved_at; a close per closed ticket.
    tickets = summary.complaints + summary.follow_up_cases
    assert await _scalar(db, "SELECT count(*) FROM ticket_events WHERE action = 'open'") == tickets
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


async def test_the_demo_report_and_digest_read_without_contradictions(db: AsyncEngine) -> None:
    from analysis import text as tx
    from analysis.digest import digest_text
    from analysis.report import ReportSettings, build_report
    from storage.analytics import question_texts

    version_id = await _store_survey(db)
    config = DemoConfig(seed=0, end=END)  # the operator's `tingjian demo-data`, at a fixed end
    summary = await write_demo_data(db, version_id, config)
    frames = await load_frames(db, summary.start, summary.end)
    texts = await question_texts(db)
    survey = load_survey_file(default_survey_path())
    reports = {
        lang: build_report(
            frames.answers,
            frames.responses,
            frames.complaints,
            summary.end - pd.Timedelta(seconds=2),
            "week",
            ReportSettings(lang=lang, charts=False, question_texts=texts),
        )
        for lang in ("zh", "en")
    }
    shown = {lang: (report.to_text(), digest_text(report, lang)) for lang, report in reports.items()}

    # Questions by their wording, never by key.
    for lang, (full, _) in shown.items():
        assert [q.key for q in survey.questions if f"\n{q.key} " in full] == [], lang
        assert survey.question("comfort_attitude").text.get(lang) in full
    # Each priority's reason quotes the figures the dimension lines and the ranking use, and no
    # quadrant name that could read as a priority of its own.
    zh = reports["zh"]
    means = {row.dimension: row.mean for row in zh.dimension_rows()}
    top = zh.top_priorities(3)
    assert top
    for priority in top:
        assert f"表现{means[priority.dimension]:.2f}" in priority.why
    for claim in ("低优先级", "重点改进", "可能过度投入", "继续保持"):
        assert claim not in shown["zh"][0] and claim not in shown["zh"][1]
    # One quotation style per language.
    assert not any(mark in "".join(shown["zh"]) for mark in '“”"')
    assert not any(mark in "".join(shown["en"]) for mark in "「」")
    # Hot words are whole words.
    hot = list(zh.keywords["keyword"])
    assert hot and [w for w in hot if tx.has_han(w) and not tx.is_content_word(w)] == []


async def test_the_demo_closed_loop_reaches_the_report_and_the_digest(db: AsyncEngine) -> None:
    import json

    from analysis.digest import digest_text
    from analysis.report import ReportSettings, build_report, report_window

    version_id = await _store_survey(db)
    config = DemoConfig(customers=600, weeks=4, seed=5, responses_per_week=150, end=END)
    summary = await write_demo_data(db, version_id, config)
    assert summary.follow_up_cases > 10 and summary.reasons > 10
    # A case for every completed response rated overall at most 2, and for no other.
    assert (
        await _scalar(db, "SELECT count(*) FROM complaints WHERE kind = 'follow_up'")
        == summary.follow_up_cases
    )
    mismatched = await _scalar(
        db,
        """
        SELECT count(*) FROM complaints c
        FULL JOIN (SELECT a.response_id, a.score FROM answers a JOIN questions q ON q.id = a.question_id
                   JOIN responses r ON r.id = a.response_id
                   WHERE q.role = 'overall' AND a.score <= 2 AND r.status = 'completed') low
          ON low.response_id = c.source_response_id
        WHERE (c.kind = 'follow_up' OR c.id IS NULL)
          AND (c.id IS NULL OR low.response_id IS NULL OR c.rating_before <> low.score)
        """,
    )
    assert mismatched == 0
    # Reasons only after a low item or overall score, on completed responses, at completion.
    stray = await _scalar(
        db,
        """
        SELECT count(*) FROM rating_reasons rr JOIN responses r ON r.id = rr.response_id
        WHERE r.status <> 'completed' OR rr.picked_at <> r.completed_at OR NOT EXISTS (
            SELECT 1 FROM answers a JOIN questions q ON q.id = a.question_id
            WHERE a.response_id = rr.response_id AND q.role IN ('item', 'overall') AND a.score <= 2)
        """,
    )
    assert stray == 0
    # Deadlines in working days after the rating; statuses agree with the timestamps; re-ratings after fixes.
    inconsistent = await _scalar(
        db,
        """
        SELECT count(*) FROM complaints WHERE kind = 'follow_up' AND NOT (
            revisit_due_at > created_at AND fix_due_at > revisit_due_at
            AND (first_response_at IS NULL OR first_response_at >= created_at)
            AND ((status = 'received' AND first_response_at IS NULL AND resolved_at IS NULL)
              OR (status = 'in_progress' AND first_response_at IS NOT NULL AND resolved_at IS NULL)
              OR (status = 'resolved' AND resolved_at >= first_response_at AND closed_at IS NULL)
              OR (status = 'closed' AND closed_at >= resolved_at))
            AND (rerating IS NULL OR (rerated_at >= resolved_at AND rerating BETWEEN rating_before AND 5))
            AND coalesce(greatest(first_response_at, resolved_at, closed_at, rerated_at), created_at) <= $1)
        """.replace("$1", f"'{END.isoformat()}'"),
    )
    assert inconsistent == 0
    late = await _scalar(db, "SELECT count(*) FROM complaints WHERE first_response_at > revisit_due_at")
    rerates = await _scalar(db, "SELECT count(*) FROM ticket_events WHERE action = 'rerate'")
    assert late > 0 and rerates == await _scalar(
        db, "SELECT count(*) FROM complaints WHERE rerating IS NOT NULL"
    )
    assert rerates > 0

    now = summary.end - pd.Timedelta(seconds=2)
    settings = ReportSettings(lang="zh", charts=False)
    start, end = report_window(now, "week", settings.trend_periods, settings.tz)
    frames = await load_frames(db, start, end)
    report = build_report(
        frames.answers, frames.responses, frames.complaints, now, "week", settings,
        follow_ups=frames.follow_ups, reasons=frames.reasons,
    )  # fmt: skip
    document = json.loads(report.to_json())
    headline = document["follow_up_headline"]
    assert headline["cases"] > 0 and 0 < headline["recovery_rate"] <= 1
    section = next(s for s in document["sections"] if s["key"] == "follow_ups")
    tables = {table["key"]: table["rows"] for table in section["tables"]}
    # Over the weeks shown, some low ratings were revisited late: the rate is not a constant 100%.
    weeks = tables["follow_ups"]
    assert len(weeks) >= 2 and sum(row["revisited_on_time"] for row in weeks) < sum(
        row["revisit_judged"] for row in weeks
    )
    picks = {row["label"]: row["picks"] for row in tables["reasons"]}
    assert sum(picks.values()) > 0 and sum(1 for n in picks.values() if n) >= 3, picks
    assert "差评回访：" in digest_text(report, "zh")


async def test_the_questions_table_lists_questions_in_the_surveys_asking_order(db: AsyncEngine) -> None:
    import json

    from analysis.report import ReportSettings, build_report
    from storage.analytics import question_texts

    version_id = await _store_survey(db)
    summary = await write_demo_data(db, version_id, CONFIG)
    frames = await load_frames(db, summary.start, summary.end)
    texts = await question_texts(db)
    survey = load_survey_file(default_survey_path())
    asked = [q.key for q in survey.questions]
    assert list(texts) == asked
    report = build_report(
        frames.answers, frames.responses, frames.complaints, summary.end - pd.Timedelta(seconds=2), "week",
        ReportSettings(lang="en", charts=False, question_texts=texts),
    )  # fmt: skip
    keys = list(report.questions["question_key"])
    assert len(keys) >= 10 and keys == [key for key in asked if key in keys]
    assert keys != sorted(keys)  # the survey does not ask in key order, so this tells the two apart
    section = next(s for s in json.loads(report.to_json())["sections"] if s["key"] == "questions")
    shown = [row["question_key"] for row in section["tables"][0]["rows"]]  # as worded
    assert shown == [survey.question(key).text.get("en") for key in keys]

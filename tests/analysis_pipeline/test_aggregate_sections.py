"""The report sections from aggregates and bounded reads equal build_report's from raw rows (issue 15).

The generated history of test_aggregate_report (COPY, then a rebuild; edge responses at local
midnight on the week's and month's boundaries in America/New_York, completed through the
repository), plus responses to a survey that pairs expectation with perception items (two pairs in
one dimension) and asks a Kano pair, completed through the repository (the in-transaction upkeep):
speeders, repeats, skipped expectations and both periods among them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis import aggregate_figures as agg
from analysis import aggregate_sections as sec
from analysis.periods import Freq
from analysis.report import Report, ReportSettings, SurveyDesign, build_report, report_window
from analysis.report_follow_ups import follow_up_tables, with_reason_picks
from bot.jobs.reports import load_survey_design
from dialogs.survey import Survey
from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.aggregate_frames import load_for_report
from storage.aggregates import rebuild
from storage.analytics import Frames, load_frames
from storage.database import session_factory
from storage.demo_data import write_demo_data
from storage.report_reads import load_report_reads
from storage.unit_of_work import UnitOfWork
from tests.analysis_pipeline.test_aggregate_report import CONFIG, EDGES, NOW, TZ, _edge_response

# Two expectation pairs in comfort, one in responsiveness; a Kano pair.
PAIRED: dict[str, Any] = {
    "key": "paired_sections",
    "title": {"zh": "期望", "en": "Expectations"},
    "intro": {"zh": "请评价", "en": "Please rate"},
    "scales": {
        "agree": {
            "kind": "rating",
            "options": [{"value": v, "label": {"zh": str(v), "en": str(v)}} for v in range(1, 6)],
        }
    },
    "dimensions": [
        {"key": "comfort", "name": {"zh": "舒适性", "en": "Comfort"}},
        {"key": "responsiveness", "name": {"zh": "响应性", "en": "Responsiveness"}},
    ],
    "questions": [
        *(
            {
                "key": f"exp_{key}",
                "role": "expectation",
                "dimension": dim,
                "pairs_with": key,
                "scale": "agree",
                "text": {"zh": key, "en": key},
            }
            for key, dim in (
                ("p_comfort_a", "comfort"),
                ("p_comfort_b", "comfort"),
                ("p_resp", "responsiveness"),
            )
        ),
        *(
            {"key": key, "role": "item", "dimension": dim, "scale": "agree", "text": {"zh": key, "en": key}}
            for key, dim in (
                ("p_comfort_a", "comfort"),
                ("p_comfort_b", "comfort"),
                ("p_resp", "responsiveness"),
            )
        ),
        {"key": "k_sms", "role": "kano_func", "text": {"zh": "短信", "en": "sms"}},
        {
            "key": "k_sms_absent",
            "role": "kano_dysf",
            "pairs_with": "k_sms",
            "text": {"zh": "无短信", "en": "no"},
        },
        {"key": "p_overall", "role": "overall", "scale": "agree", "text": {"zh": "总体", "en": "overall"}},
    ],
}


def _paired_answers(i: int) -> dict[str, int]:
    """Varied answers; every fifth skips an expectation, every seventh the Kano pair."""
    rng = np.random.default_rng(i)
    answers = {
        "exp_p_comfort_a": int(rng.integers(3, 6)),
        "exp_p_comfort_b": int(rng.integers(2, 6)),
        "exp_p_resp": int(rng.integers(3, 6)),
        "p_comfort_a": int(rng.integers(1, 6)),
        "p_comfort_b": int(rng.integers(1, 6)),
        "p_resp": int(rng.integers(1, 6)),
        "k_sms": int(rng.integers(1, 6)),
        "k_sms_absent": int(rng.integers(1, 6)),
        "p_overall": int(rng.integers(1, 6)),
    }
    if i % 5 == 0:
        del answers["exp_p_comfort_b"]
    if i % 7 == 0:
        del answers["k_sms"], answers["k_sms_absent"]
    return answers


async def _paired_response(
    engine: AsyncEngine, version_id: int, i: int, first: pd.Timestamp, gap: float
) -> None:
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        stored = await uow.surveys.by_version(version_id)
        who = await uow.respondents.touch(5000 + i % 40, "zh", None)
        response = await uow.responses.open(who.id, version_id)
        answers = _paired_answers(i)
        for key, score in answers.items():
            await uow.responses.record_answer(response, stored.question_ids[key], score, None)
        await session.execute(
            text("UPDATE responses SET started_at = :t WHERE id = :id"),
            {"t": (first - pd.Timedelta(seconds=5)).to_pydatetime(), "id": response},
        )
        for position, key in enumerate(answers):
            await session.execute(
                text("UPDATE answers SET answered_at = :t WHERE response_id = :r AND question_id = :q"),
                {
                    "t": (first + pd.Timedelta(seconds=gap * position)).to_pydatetime(),
                    "r": response,
                    "q": stored.question_ids[key],
                },
            )
    async with session_factory(engine)() as session, session.begin():
        await UnitOfWork(session).responses.complete(response)


@pytest.fixture
async def history(db: AsyncEngine) -> tuple[AsyncEngine, SurveyDesign]:
    default = load_survey_file(default_survey_path())
    paired = Survey.model_validate(PAIRED)
    async with session_factory(db)() as session, session.begin():
        version_id = (await UnitOfWork(session).surveys.store(default)).version_id
        paired_id = (await UnitOfWork(session).surveys.store(paired)).version_id
    await write_demo_data(db, version_id, CONFIG)
    for name, first in EDGES.items():
        telegram_id = 77 if name.startswith("month") or name == "repeat" else 78 + len(name)
        await _edge_response(db, version_id, telegram_id, first)
    # The current week is 2.5 days old: bring last week's complaints 4 days on, so it has some (and
    # some of their later steps lie after NOW, which the report must not see yet).
    async with db.begin() as connection:
        await connection.execute(
            text(
                "UPDATE complaints SET created_at = created_at + interval '4 days',"
                " first_response_at = first_response_at + interval '4 days',"
                " resolved_at = resolved_at + interval '4 days', closed_at = closed_at + interval '4 days'"
                " WHERE created_at BETWEEN :a AND :b"
            ),
            {
                "a": (NOW - pd.Timedelta(days=7)).to_pydatetime(),
                "b": (NOW - pd.Timedelta(days=4)).to_pydatetime(),
            },
        )
    # 70 paired responses over the last five weeks, every ninth a speeder (1 s per answer).
    for i in range(70):
        first = NOW - pd.Timedelta(hours=8 * i + 1)
        await _paired_response(db, paired_id, i, first, gap=1.0 if i % 9 == 0 else 12.0)
    return db, await load_survey_design(db)


async def _inputs(
    engine: AsyncEngine, freq: Freq, design: SurveyDesign
) -> tuple[Frames, ReportSettings, agg.Histograms, sec.ReportReads]:
    start, end = report_window(NOW, freq, 8, TZ)
    frames = await load_frames(engine, start, end)
    cfg = ReportSettings(tz=TZ, charts=False, design=design)
    async with engine.connect() as connection:
        stored = await load_for_report(connection, NOW, freq, TZ)
        reads = await load_report_reads(connection, NOW, freq, TZ)
    hist = agg.histograms(
        stored.answer_counts, stored.dimension_counts, stored.response_counts, NOW, freq, TZ
    )
    return frames, cfg, hist, reads


def _equal(raw: pd.DataFrame, mine: pd.DataFrame) -> None:
    assert_frame_equal(
        raw.reset_index(drop=True), mine.reset_index(drop=True), check_dtype=False, rtol=1e-9, atol=1e-12
    )


def _weights(report: Report) -> dict[str, float]:
    return {
        str(d): float(w) for d, w in zip(report.weights["dimension"], report.weights["used"], strict=True)
    }


@pytest.mark.parametrize("freq", ["week", "month"])
async def test_every_section_equals_the_raw_one(
    history: tuple[AsyncEngine, SurveyDesign], freq: Freq
) -> None:
    engine, design = history
    frames, cfg, hist, reads = await _inputs(engine, freq, design)
    report = build_report(
        frames.answers,
        frames.responses,
        frames.complaints,
        NOW,
        freq,
        cfg,
        follow_ups=frames.follow_ups,
        reasons=frames.reasons,
    )
    notes: dict[str, list[str]] = {}
    weights = _weights(report)
    dims = agg.dimension_table(hist, cfg.min_n)
    complaints = sec.complaints_window(reads, NOW, freq, TZ)

    # Response counts, customers and where abandoned responses stopped (all present in the data).
    _equal(report.responses, sec.responses_table(reads, hist, freq, TZ))
    assert report.responses["abandoned"].iloc[0] > 0 and report.responses["active_customers"].iloc[0] > 0
    assert len(report.dropoff) > 1
    _equal(
        report.dropoff.sort_values(["abandoned", "question_key"], ignore_index=True),
        sec.dropoff_table(reads).sort_values(["abandoned", "question_key"], ignore_index=True),
    )

    # The GB/T part: plan and margins, collection, model, SERVQUAL, Kano, NPS.
    measured = report.measurement
    plan, required = sec.plan_table(cfg, notes)
    _equal(measured.plan, plan)
    index_n = int(report.index["n"].iloc[0])
    _equal(measured.margins, sec.margins_section(hist, index_n, dims, required, cfg, notes))
    collection = sec.collection_section(reads, hist, freq, TZ, cfg, notes)
    assert len(collection) >= 2
    _equal(measured.collection, collection)
    _equal(measured.model, sec.model_section(hist, list(report.dimensions["dimension"]), weights, cfg, notes))
    servqual, overall = sec.servqual_table(reads, hist, dims, weights, cfg, notes)
    assert len(measured.servqual) == 2 and measured.servqual_overall is not None and overall is not None
    _equal(measured.servqual, servqual)
    np.testing.assert_allclose(overall, measured.servqual_overall, rtol=1e-9)
    kano = sec.kano_section(reads, hist, cfg, notes)
    assert list(measured.kano["feature"]) == ["k_sms"]
    _equal(measured.kano, kano)
    _equal(measured.nps, sec.nps_section(hist, cfg))

    # Trend counts, correlation, IPA, priorities.
    _equal(
        report.trend[["period", "n", "responses", "complaints", "complaint_rate"]],
        sec.trend_counts(reads, hist, complaints, freq, TZ),
    )
    _equal(report.correlation, sec.correlation_table(reads, hist, complaints, freq, TZ))
    ipa = sec.ipa_table(hist, dims, weights, cfg, notes)
    _equal(report.ipa, ipa)
    _equal(report.priorities, sec.priorities_table(ipa, dims, complaints, hist, cfg))

    # Complaints (raw, few), with the reasons picked after low ratings beside the categories.
    tables = sec.complaint_sections(reads, hist, complaints, NOW, freq, TZ, cfg, notes)
    assert int(report.complaints["complaints"].iloc[0]) > 0
    _equal(report.complaints, tables["summary"])
    _equal(report.complaints_by_category, with_reason_picks(tables["by_category"], report.reasons))
    _equal(report.complaints_by_dimension, tables["by_dimension"])
    _equal(report.timeliness, tables["timeliness"])
    _equal(report.overdue, tables["overdue"])
    _equal(report.keywords, tables["keywords"])
    _equal(report.rising_keywords, tables["rising"])
    loop = follow_up_tables(
        reads.follow_ups, reads.reasons, report.meta.current, report.meta.previous, NOW, cfg.lang, notes
    )
    assert int(report.reasons["picks"].sum()) > 0 and len(report.follow_up_overdue) > 0
    _equal(report.follow_ups, loop["summary"])
    _equal(report.follow_up_overdue, loop["overdue"])
    _equal(report.reasons, loop["reasons"])

    for section, texts in notes.items():
        assert report.notes[section] == tuple(texts), section


@pytest.mark.parametrize("freq", ["week", "month"])
async def test_ipa_falls_back_to_the_weights_without_stated_importance(
    history: tuple[AsyncEngine, SurveyDesign], freq: Freq
) -> None:
    engine, design = history
    frames, cfg, hist, _ = await _inputs(engine, freq, design)
    answers = frames.answers[frames.answers["role"] != "importance"]
    report = build_report(answers, frames.responses, frames.complaints, NOW, freq, cfg)
    assert report.meta.weights_used == "ahp"
    without = replace(hist, answers=hist.answers[hist.answers["role"] != "importance"])
    notes: dict[str, list[str]] = {}
    ipa = sec.ipa_table(without, agg.dimension_table(without, cfg.min_n), _weights(report), cfg, notes)
    assert len(ipa) >= 3
    _equal(report.ipa, ipa)
    assert report.notes["ipa"] == tuple(notes["ipa"])


async def test_pair_upkeep_equals_the_rebuild(history: tuple[AsyncEngine, SurveyDesign]) -> None:
    engine, _ = history

    async def rows(table: str) -> list[tuple[Any, ...]]:
        async with engine.connect() as connection:
            result = await connection.execute(text(f"SELECT * FROM {table} WHERE n <> 0"))
            return sorted(tuple(row) for row in result)

    tables = ("daily_servqual_counts", "daily_kano_counts")
    kept = {table: await rows(table) for table in tables}
    assert all(kept.values())
    await rebuild(engine, TZ)
    assert {table: await rows(table) for table in tables} == kept

"""`tingjian demo-data` and `tingjian report` as an operator runs them (real subprocesses)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.complaint_io import NewComplaint
from dialogs.survey_loader import default_survey_path
from storage.database import session_factory
from storage.models import AnswerRow, Complaint, Response
from storage.unit_of_work import UnitOfWork
from tests.cli.test_cli import tingjian

PHONE = "13912345678"
NAME = "欧阳娜娜"


async def _complaint_with_personal_data(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        customer = await uow.respondents.touch(555, "zh", NAME)
        await uow.complaints.open_ticket(
            customer.id,
            "zh",
            NewComplaint(
                description=f"支付失败，请打{PHONE}找{NAME}",
                category_auto="technology",
                category_confidence=0.9,
                category="technology",
                dimension_auto="functionality",
                dimension="functionality",
                severity="high",
                wants_contact=True,
                phone=PHONE,
                keywords=["支付失败", PHONE],
            ),
        )


async def test_demo_data_then_reports_in_every_format(
    db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    written = tingjian(
        "demo-data", "--customers", "200", "--weeks", "3", "--responses-per-week", "40",
        "--complaints-per-week", "6", "--seed", "3", DATABASE_URL=database_url,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert "demo data written: " in written.stdout and "120 responses" in written.stdout
    async with session_factory(db)() as session:
        assert await session.scalar(select(func.count()).select_from(Response)) == 120
        assert await session.scalar(select(func.count()).select_from(AnswerRow)) > 1000
        assert await session.scalar(select(func.count()).select_from(Complaint)) >= 18
    await _complaint_with_personal_data(db)

    text = tingjian("report", "--period", "week", DATABASE_URL=database_url)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("服务质量测定报告·周报")
    assert "数据清洗" in text.stdout and "投诉统计" in text.stdout

    outputs = {}
    for fmt, ext in (("json", "json"), ("md", "md"), ("html", "html")):
        target = tmp_path / f"weekly.{ext}"
        result = tingjian("report", "--format", fmt, "--output", str(target), DATABASE_URL=database_url)
        assert result.returncode == 0, result.stderr
        assert f"written to {target}" in result.stdout
        assert result.stderr == ""  # quiet by default: no library warnings or font lookups
        outputs[fmt] = target.read_text(encoding="utf-8")
    outputs["text"] = text.stdout

    document = json.loads(outputs["json"])
    keys = [section["key"] for section in document["sections"]]
    assert keys == [
        "overview", "index", "dimensions", "questions", "satisfaction", "responses", "cleaning",
        "reliability", "weights", "complaints", "timeliness", "follow_ups", "keywords", "correlation",
        "priorities", "trend", "gbt_model", "gbt_sampling", "gbt_collection", "gbt_validity", "gbt_matrix",
        "gbt_nps",
    ]  # fmt: skip
    assert document["meta"]["freq"] == "week" and len(document["meta"]["trend_periods"]) == 8
    assert document["complaint_headline"]["count"] >= 1
    assert "## 服务质量综合指数（0–100）" in outputs["md"] and "| 维度 |" in outputs["md"]
    assert outputs["html"].count('src="data:image/png;base64,') == 4
    assert '<section id="trend">' in outputs["html"]
    for fmt, output in outputs.items():
        assert PHONE not in output, fmt
        assert NAME not in output, fmt


def test_default_output_name_and_english(database_url: str, db: AsyncEngine, tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "ADMIN_IDS"}}
    environment["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--period", "month", "--at", "2025-03-10", "--format", "md",
         "--lang", "en"],
        capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "report-month.md").read_text(encoding="utf-8")
    assert written.startswith("# Service quality report — monthly report (2025-03)")
    assert "No data for this period." in written


# (question key, score) per customer of the example survey: expectations 5, perceptions 3–4,
# and the Kano pair (like it / dislike its absence → O) for every customer.
EXAMPLE_ANSWERS = {
    "exp_resp_speed": [5, 5, 5, 5], "exp_comfort_attitude": [4, 4, 4, 4], "resp_speed": [3, 4, 3, 4],
    "comfort_attitude": [4, 4, 3, 5], "sms_progress": [1, 1, 1, 2], "sms_progress_absent": [5, 5, 5, 5],
    "overall": [4, 4, 3, 5],
}  # fmt: skip


async def _answer_the_example(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        stored = await uow.surveys.latest("servqual_kano_example")
        assert stored is not None
        for customer in range(4):
            respondent = await uow.respondents.touch(9000 + customer, "zh", None)
            response_id = await uow.responses.open(respondent.id, stored.version_id)
            for key, scores in EXAMPLE_ANSWERS.items():
                await uow.responses.record_answer(
                    response_id, stored.question_ids[key], scores[customer], None
                )
            # Answered in one go here; a real customer takes a while (the cleaning drops speeders).
            # Before completing: the completion's aggregate upkeep flags speeders from started_at.
            await session.execute(
                update(Response)
                .where(Response.id == response_id)
                .values(started_at=func.now() - text("interval '1 minute'"))
            )
            await uow.responses.complete(response_id)


async def test_a_survey_with_expectations_and_a_kano_pair_gets_gaps_and_categories(
    db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    example = default_survey_path().with_name("servqual_kano_example.yaml")
    loaded = tingjian("survey", "load", str(example), DATABASE_URL=database_url)
    assert loaded.returncode == 0, loaded.stderr
    await _answer_the_example(db)
    target = tmp_path / "weekly.json"
    result = tingjian(
        "report", "--format", "json", "--output", str(target), "--keep-insignificant-drivers",
        DATABASE_URL=database_url, SAMPLE_POPULATION="500", EXPECTED_RESPONSE_RATE="0.2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    sections = {s["key"]: s for s in json.loads(target.read_text(encoding="utf-8"))["sections"]}
    gaps = {row["dimension"]: row["gap"] for row in sections["gbt_servqual"]["tables"][0]["rows"]}
    assert gaps == {"响应性": pytest.approx(3.5 - 5), "舒适性": pytest.approx(4 - 4)}
    (kano,) = sections["gbt_kano"]["tables"][0]["rows"]
    assert (kano["feature"], kano["n"], kano["O"], kano["M"], kano["category"]) == (
        "如果办理进度会通过短信通知您，您觉得如何？",  # the question as worded, never its key
        4,
        3,
        1,
        "O 期望型",
    )
    # ±5 % of 500 customers: 384.146 / (1 + 383.146/500) = 217.4 → 218 responses; at 20 % that is
    # 1,090 invitations, more than there are customers.
    (plan,) = sections["gbt_sampling"]["tables"][0]["rows"]
    assert (plan["required"], plan["invitations"]) == (218, 1090)
    index_row = sections["gbt_sampling"]["tables"][1]["rows"][0]
    assert (index_row["n"], index_row["below_plan"]) == (4, True)
    plain = tingjian(
        "campaign", "plan", DATABASE_URL=database_url, SAMPLE_POPULATION="500", EXPECTED_RESPONSE_RATE="0.2"
    )
    assert plain.stdout.splitlines() == [
        "±5% at 95% confidence of 500 customers: 218 completed responses",
        "at a 20% response rate 1,090 invitations are needed, more than the 500 customers: "
        "the margin cannot be reached this way",
    ]
    assert (
        "按预期回复率需发出 1090 份邀请，超过总体规模 500：计划样本数无法达到。"
        in sections["gbt_sampling"]["notes"]
    )


def test_the_report_from_aggregates_reads_as_the_raw_one_and_says_when_it_falls_back(
    db: AsyncEngine, database_url: str
) -> None:
    written = tingjian(
        "demo-data", "--customers", "120", "--weeks", "3", "--responses-per-week", "40",
        "--complaints-per-week", "4", "--seed", "5", DATABASE_URL=database_url,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    served = tingjian("report", "--period", "week", DATABASE_URL=database_url)
    raw = tingjian("report", "--period", "week", "--raw", DATABASE_URL=database_url)
    assert served.returncode == 0 and raw.returncode == 0, served.stderr + raw.stderr
    assert served.stderr == "" and "数据清洗" in served.stdout
    # The same text, but for the minute each was made at (the header says when).
    made_at = re.compile(r"\d{2}:\d{2} \(Asia/Shanghai\)")
    assert made_at.sub("", served.stdout) == made_at.sub("", raw.stdout)
    # The aggregates were cut in Shanghai days: a report in another zone cannot use them.
    elsewhere = tingjian("report", "--period", "week", DATABASE_URL=database_url, TIMEZONE="America/New_York")
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert "report built from raw answers: report aggregates are cut as" in elsewhere.stderr
    assert "rebuild them" in elsewhere.stderr and "数据清洗" in elsewhere.stdout

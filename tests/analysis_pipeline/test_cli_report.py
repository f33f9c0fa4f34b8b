"""`tingjian demo-data` and `tingjian report` as an operator runs them (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.complaints import NewComplaint
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
        "priorities", "trend",
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

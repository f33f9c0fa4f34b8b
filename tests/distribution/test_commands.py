"""`tingjian kpi import`, `tingjian campaign load` and `tingjian api new-key`, as an operator runs them
(the real entry point, in a worker thread with its own event loop, reading settings from the environment)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.api.keys import digest
from bot.cli import main
from bot.runner import load_default_survey
from storage.database import session_factory
from storage.models import Campaign, KpiReading

CSV = """kpi,value,measured_at,branch,source
waiting_time,12.5,2026-03-02 09:00,人民路,queue-1
waiting_time,7,2026-03-02T10:00:00+08:00,人民路,queue-1
uptime,99.95,2026-03-02T00:00:00Z,,
"""


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def tingjian(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> Callable[..., Awaitable[Result]]:
    """Run `tingjian ARGS…` against the test database."""
    for name in ("BOT_TOKEN", "ADMIN_IDS", "API_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)

    async def run(*args: str) -> Result:
        code = await asyncio.to_thread(main, list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


async def readings(engine: AsyncEngine) -> list[tuple[str, float, datetime, str]]:
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(KpiReading.kpi, KpiReading.value, KpiReading.measured_at, KpiReading.branch).order_by(
                KpiReading.id
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_kpi_import_stores_a_batch_and_refuses_a_file_with_bad_rows(
    db: AsyncEngine, tingjian: Any, tmp_path: Path
) -> None:
    good = tmp_path / "readings.csv"
    good.write_text(CSV, encoding="utf-8")
    first = await tingjian("kpi", "import", str(good))
    assert first.returncode == 0, first.stderr
    assert "stored 3 readings from readings.csv: 3 new, 0 updated" in first.stdout
    again = await tingjian("kpi", "import", str(good))
    assert "3 new" not in again.stdout and "0 new, 3 updated" in again.stdout
    assert await readings(db) == [
        ("waiting_time", 12.5, datetime(2026, 3, 2, 1, 0, tzinfo=UTC), "人民路"),  # 09:00 in Asia/Shanghai
        ("waiting_time", 7.0, datetime(2026, 3, 2, 2, 0, tzinfo=UTC), "人民路"),
        ("uptime", 99.95, datetime(2026, 3, 2, 0, 0, tzinfo=UTC), ""),
    ]

    bad = tmp_path / "bad.csv"
    bad.write_text(
        CSV + "noise_level,loud,2026-03-02 09:00,,\ncoffee,3,2026-03-02 09:00,,\n", encoding="utf-8"
    )
    refused = await tingjian("kpi", "import", str(bad))
    assert refused.returncode == 1 and "nothing was stored" in refused.stderr
    assert f"{bad}:5: value:" in refused.stderr and f"{bad}:6: kpi: unknown KPI 'coffee'" in refused.stderr
    headless = tmp_path / "headless.csv"
    headless.write_text("name,amount\nx,1\n", encoding="utf-8")
    missing = await tingjian("kpi", "import", str(headless))
    assert "missing columns kpi, measured_at, value" in missing.stderr
    assert len(await readings(db)) == 3


async def test_campaign_load_stores_updates_and_refuses(
    db: AsyncEngine, tingjian: Any, tmp_path: Path
) -> None:
    await load_default_survey(db)
    good = tmp_path / "weekly.yaml"
    good.write_text(
        "name: weekly-pulse\nsurvey: service_quality\naudience: {kind: served, days: 7}\n"
        "schedule: {start: 2026-12-07T10:00, cycle: weekly}\nreminders: {after_hours: 24, max: 1}\n",
        encoding="utf-8",
    )
    stored = await tingjian("campaign", "load", str(good))
    assert stored.returncode == 0, stored.stderr
    assert "campaign 'weekly-pulse' stored: 0 customers in its audience now" in stored.stdout
    updated = await tingjian("campaign", "load", str(good))
    assert "campaign 'weekly-pulse' updated" in updated.stdout

    wrong_survey = tmp_path / "other.yaml"
    wrong_survey.write_text(
        good.read_text().replace("weekly-pulse", "other").replace("service_quality", "nps")
    )
    refused = await tingjian("campaign", "load", str(wrong_survey))
    assert refused.returncode == 1 and "survey 'nps' is not loaded" in refused.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\naudience: {kind: ids}\n", encoding="utf-8")
    invalid = await tingjian("campaign", "load", str(broken))
    assert invalid.returncode == 1 and f"{broken}:2: audience: audience 'ids' needs" in invalid.stderr
    async with session_factory(db)() as session:
        campaigns = (await session.scalars(select(Campaign))).all()
    assert [c.name for c in campaigns] == ["weekly-pulse"]
    assert campaigns[0].spec["schedule"]["start"] == "2026-12-07T10:00:00+08:00"


async def test_new_key_prints_a_key_and_only_its_hash_for_the_settings(tingjian: Any) -> None:
    result = await tingjian("api", "new-key")
    key = result.stdout.split("it is not stored anywhere): ")[1].split()[0]
    assert f"add to API_KEYS (comma-separated): sha256:{digest(key)}" in result.stdout

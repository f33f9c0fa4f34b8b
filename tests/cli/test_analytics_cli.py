"""`tingjian analytics rebuild` as an operator runs it (a real subprocess)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.database import session_factory
from storage.demo_data import DemoConfig, write_demo_data
from storage.unit_of_work import UnitOfWork
from tests.cli.test_cli import tingjian


async def _count(engine: AsyncEngine, sql: str) -> object:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql))).scalar_one()


async def test_rebuild_fills_emptied_aggregates_in_the_configured_zone(
    db: AsyncEngine, database_url: str
) -> None:
    async with session_factory(db)() as session, session.begin():
        version = (
            await UnitOfWork(session).surveys.store(load_survey_file(default_survey_path()))
        ).version_id
    config = DemoConfig(customers=60, weeks=2, seed=5, complaints_per_week=2, responses_per_week=20)
    await write_demo_data(db, version, replace(config, end=pd.Timestamp("2025-06-01T00:00:00Z")))
    summarised = await _count(db, "SELECT count(*) FROM response_summaries")
    assert isinstance(summarised, int) and summarised > 20  # demo-data fills them after its COPY
    async with db.begin() as connection:
        await connection.execute(
            text(
                "TRUNCATE response_summaries, daily_response_counts, daily_answer_counts,"
                " daily_dimension_counts"
            )
        )

    result = tingjian("analytics", "rebuild", DATABASE_URL=database_url, TIMEZONE="Europe/Berlin")
    assert result.returncode == 0, result.stderr
    assert (
        f"report aggregates rebuilt: {summarised} completed responses, days in Europe/Berlin" in result.stdout
    )
    assert await _count(db, "SELECT count(*) FROM response_summaries") == summarised
    assert await _count(db, "SELECT timezone FROM analytics_settings") == "Europe/Berlin"
    assert await _count(db, "SELECT sum(n) FROM daily_response_counts") == summarised

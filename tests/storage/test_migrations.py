"""Stairway: every migration goes up and down one step at a time, and the models match the schema."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from storage.database import create_engine
from storage.migrate import (
    DatabaseBehind,
    alembic_config,
    current_revision,
    downgrade,
    ensure_current,
    head_revision,
    upgrade,
)
from storage.models import Base
from tests.support.database import create_database, drop_database


@pytest.fixture
async def empty_database(pg_server: str) -> AsyncIterator[str]:
    url = await create_database(pg_server, prefix="tingjian_stairway")
    yield url
    await drop_database(pg_server, url)


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("postgresql://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def test_stairway_up_and_down_one_step_at_a_time(empty_database: str) -> None:
    engine = create_engine(empty_database)
    previous = "base"
    for revision in _revisions():
        await asyncio.to_thread(upgrade, empty_database, revision)
        assert await current_revision(engine) == revision
        await asyncio.to_thread(downgrade, empty_database, previous)
        await asyncio.to_thread(upgrade, empty_database, revision)
        previous = revision
    await engine.dispose()


async def test_models_match_the_migrated_schema(empty_database: str) -> None:
    await asyncio.to_thread(upgrade, empty_database)
    engine = create_engine(empty_database)

    def diff(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(diff) == []
    await engine.dispose()


async def test_app_refuses_a_database_that_is_behind(empty_database: str) -> None:
    engine = create_engine(empty_database)
    with pytest.raises(DatabaseBehind, match="tingjian db upgrade"):
        await ensure_current(engine)
    await asyncio.to_thread(upgrade, empty_database)
    await ensure_current(engine)
    assert await current_revision(engine) == head_revision()
    await engine.dispose()

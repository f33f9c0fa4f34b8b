"""Shared fixtures: a real, migrated PostgreSQL database per test run, cleaned between tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine
from storage.migrate import upgrade_async
from storage.models import Base
from tests.support.database import create_database, drop_database, server_url


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The maintenance URL of the test PostgreSQL server."""
    with server_url() as url:
        yield url


@pytest.fixture(scope="session")
async def database_url(pg_server: str) -> AsyncIterator[str]:
    """A database created for this test run and migrated to head."""
    url = await create_database(pg_server)
    await upgrade_async(url)
    yield url
    await drop_database(pg_server, url)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The engine tests and the bot under test share."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine, with every table emptied first so each test starts from a clean database."""
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine

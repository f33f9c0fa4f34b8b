"""PostgreSQL restarting: while it shuts down and starts up it refuses connections with SQLSTATE
57P03 ("the database system is shutting down"); an update arriving then waits and goes through."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import BotAPIEmulator
from storage.database import create_engine
from tests.support.botapp import running_bot
from tests.support.proxy import DatabaseProxy
from tests.support.survey_steps import answer, option_button, start_survey, stored_answers, wait_for_question

SSL_REQUEST = 80877103


def error_response(code: str, message: str) -> bytes:
    """A PostgreSQL protocol ErrorResponse message."""
    fields = b"".join(
        key + value.encode() + b"\0" for key, value in ((b"S", "FATAL"), (b"C", code), (b"M", message))
    )
    body = fields + b"\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


class RestartingDatabase(DatabaseProxy):
    """The proxy, answering new connections as a restarting server does while it is "cut"."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.refused = 0
        self._refusals = asyncio.Condition()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.available:
            await super()._serve(reader, writer)
            return
        length, code = struct.unpack("!II", await reader.readexactly(8))
        if code == SSL_REQUEST:
            writer.write(b"N")  # no TLS; the startup message follows
            (length,) = struct.unpack("!I", await reader.readexactly(4))
            await reader.readexactly(length - 4)
        else:
            await reader.readexactly(length - 8)
        writer.write(error_response("57P03", "the database system is shutting down"))
        await writer.drain()
        writer.close()
        async with self._refusals:
            self.refused += 1
            self._refusals.notify_all()

    async def wait_refused(self, count: int, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        """Until ``count`` connections were refused."""
        async with asyncio.timeout(timeout), self._refusals:
            await self._refusals.wait_for(lambda: self.refused >= count)


@pytest.fixture
async def database(db: AsyncEngine, database_url: str) -> AsyncIterator[RestartingDatabase]:
    proxy = RestartingDatabase(database_url)
    await proxy.start()
    yield proxy
    await proxy.stop()


async def test_an_answer_given_while_postgresql_restarts_is_stored_once_it_is_up(
    db: AsyncEngine, emulator: BotAPIEmulator, database: RestartingDatabase
) -> None:
    engine = create_engine(database.url)
    customer = emulator.customer(4601, timeout=15)
    try:
        async with running_bot(engine, emulator):
            await start_survey(customer)
            await answer(customer, 4)
            await wait_for_question(customer, "第 2/16 题")
            database.cut()  # connections drop; new ones hear "shutting down"
            emulator.press(4601, option_button(customer, 5))
            await database.wait_refused(2)  # the bot tried, and tried again
            database.restore()
            await wait_for_question(customer, "第 3/16 题")
    finally:
        await engine.dispose()
    assert await stored_answers(db, 4601) == {"func_needs": 4.0, "func_practical": 5.0}

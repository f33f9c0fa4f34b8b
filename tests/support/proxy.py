"""A TCP proxy in front of PostgreSQL that a test can cut, to play 'the database went away'."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import parse_qs

from sqlalchemy.engine import make_url


class DatabaseProxy:
    """Listens on 127.0.0.1 and forwards to the database of `url` (TCP or Unix socket)."""

    def __init__(self, url: str) -> None:
        self.target = make_url(url)
        self.server: asyncio.Server | None = None
        self.available = True
        self._pipes: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """The database URL through the proxy."""
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        proxied = self.target.set(host="127.0.0.1", port=port, query={})
        return proxied.render_as_string(hide_password=False)

    async def start(self) -> None:
        """Start listening."""
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until restore()."""
        self.available = False
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    def restore(self) -> None:
        """Accept connections again."""
        self.available = True

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        query = {
            k: v
            for k, v in parse_qs(
                str(self.target.query and "&".join(f"{k}={v}" for k, v in self.target.query.items()))
            ).items()
        }
        host = query.get("host", [self.target.host or "127.0.0.1"])[0]
        port = self.target.port or 5432
        if host.startswith("/"):
            return await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
        return await asyncio.open_connection(host, port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.available:
            writer.transport.abort()
            return
        up_reader, up_writer = await self._open_upstream()
        self._pipes.update({writer, up_writer})
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self._pipes.discard(writer)

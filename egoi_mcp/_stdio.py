"""stdio without worker threads: over pipes, the event loop reads and writes the MCP messages itself.

The SDK's stdio transport reads every line and writes every message through anyio's worker threads (three
hand-offs a tool call: about a third of a cheap call's latency, measured against the SDK's own `ping`). When stdin
and stdout are pipes or sockets, which is how an MCP client starts a server, `run_stdio` gives the SDK's own
`stdio_server` (its parsing, its writing) streams that asyncio reads and writes directly. Anything else (a file, a
terminal, Windows) is served by the SDK's transport as it is.

As the SDK does while it serves, fd 0 reads /dev/null and fd 1 writes to stderr, so that a stray `print` or a child
process cannot corrupt the protocol stream; both are restored when the server stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final, cast

from mcp.server import MCPServer
from mcp.server.stdio import stdio_server

from egoi_mcp import _sdk

__all__ = ["MAX_LINE", "run_stdio"]

logger = logging.getLogger("egoi_mcp")

MAX_LINE: Final = 256 * 1024 * 1024  # bytes of one JSON-RPC message read at most (the SDK's reader has no bound)


async def run_stdio(server: MCPServer) -> None:
    """`server.run_stdio_async()`, without its threads when stdin and stdout are pipes or sockets."""
    if not _pipes(0, 1):
        await server.run_stdio_async()
        return
    async with (
        _claimed_pipes() as (reader, writer),
        stdio_server(cast(Any, _Lines(reader)), cast(Any, _Output(writer))) as (read, write),
    ):
        lowlevel = _sdk.lowlevel_server(server)
        await lowlevel.run(read, write, lowlevel.create_initialization_options())


def _pipes(*fds: int) -> bool:
    if sys.platform == "win32":
        return False
    try:
        modes = [os.fstat(fd).st_mode for fd in fds]
    except OSError:
        return False
    return all(stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) for mode in modes)


@asynccontextmanager
async def _claimed_pipes() -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """The client's pipes as asyncio streams, on their own descriptors (above 2); fds 0 and 1 diverted meanwhile,
    and restored whatever happens."""
    loop = asyncio.get_running_loop()
    sys.stdout.flush()
    restore = _private(0), _private(1)
    opened: list[asyncio.BaseTransport] = []
    try:
        pipe_in, pipe_out = _private(0), _private(1)
        _divert(0, os.open(os.devnull, os.O_RDONLY))
        _divert(1, _stdout_diversion())
        reader = asyncio.StreamReader(limit=MAX_LINE)
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(pipe_in, "rb", buffering=0)
        )
        opened.append(read_transport)
        write_protocol = asyncio.StreamReaderProtocol(asyncio.StreamReader())  # gives `drain` its flow control
        write_transport, _ = await loop.connect_write_pipe(
            lambda: write_protocol, os.fdopen(pipe_out, "wb", buffering=0)
        )
        opened.append(write_transport)
        # `drain` then waits until every byte is in the pipe, as the SDK's blocking flush does: nothing a client has
        # been answered is left in a buffer when the server stops.
        write_transport.set_write_buffer_limits(high=0)
        yield reader, asyncio.StreamWriter(write_transport, write_protocol, None, loop)
    finally:
        for transport in opened:
            transport.close()
        for fd, original in zip((0, 1), restore, strict=True):
            os.set_blocking(original, True)  # asyncio made the pipes non-blocking; whoever reads them next expects not
            os.dup2(original, fd)
            os.close(original)


def _private(fd: int) -> int:
    """A close-on-exec copy of `fd` numbered above 2, so that diverting 0 and 1 cannot touch it."""
    import fcntl  # POSIX only: on Windows the SDK's transport serves (`run_stdio`)

    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)


def _divert(fd: int, to: int) -> None:
    os.dup2(to, fd)
    os.close(to)


def _stdout_diversion() -> int:
    """Where a stray write to fd 1 goes while serving: stderr, or nowhere when there is none."""
    try:
        return os.dup(2)
    except OSError:
        return os.open(os.devnull, os.O_WRONLY)


class _Lines:
    """What `stdio_server` reads: `async for line in stdin`, each line decoded as the SDK's reader does."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> str:
        try:
            line = await self._reader.readline()
        except ValueError:  # a line longer than MAX_LINE: no message of ours; the connection ends, said once
            logger.error("a message longer than %d bytes was read on stdin: closing the connection", MAX_LINE)
            raise StopAsyncIteration from None
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", errors="replace")


class _Output:
    """What `stdio_server` writes to: `write(text)`, then `flush()` (which waits while the pipe is full)."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode())

    async def flush(self) -> None:
        await self._writer.drain()

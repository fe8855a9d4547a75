"""stdio without worker threads (`egoi_mcp._stdio`): over pipes a server writes, byte for byte, what the SDK's own
transport writes; a stray print while serving reaches stderr, never the protocol stream; both eras work."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

SERVER = '''
import sys

import anyio
from mcp.server import MCPServer

from egoi_mcp._stdio import run_stdio

server = MCPServer("stray")


@server.tool()
async def shout(word: str) -> str:
    """Print to stdout while serving, and answer."""
    print("stray print", flush=True)
    return word.upper() + " é"


@server.tool()
async def big(size: int) -> str:
    """A long answer: more than a pipe holds."""
    return "x" * size


if sys.argv[1:] == ["short"]:  # a small line bound, to send a line past it
    import egoi_mcp._stdio

    egoi_mcp._stdio.MAX_LINE = 1000
anyio.run(server.run_stdio_async) if sys.argv[1:] == ["sdk"] else anyio.run(run_stdio, server)
'''

MESSAGES = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"},
    }},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "shout", "arguments": {"word": "ola"}}},
]  # fmt: skip


def _served(script: Path, transport: str, stderr: Path) -> bytes:
    """The three answers, read before the input ends (a call still running at its end is dropped by either)."""
    with open(stderr, "w") as errors:
        proc = subprocess.Popen(
            [sys.executable, str(script), transport], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
        )
        watchdog = threading.Timer(60, proc.kill)
        watchdog.start()
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("".join(json.dumps(message) + "\n" for message in MESSAGES).encode())
            proc.stdin.flush()
            answers = b"".join(proc.stdout.readline() for _ in range(3))
            proc.stdin.close()
            assert proc.wait() == 0
        finally:
            watchdog.cancel()
    return answers


def test_pipes_get_the_bytes_the_sdk_transport_writes(tmp_path: Path) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    ours = _served(script, "ours", tmp_path / "ours.txt")
    assert ours == _served(script, "sdk", tmp_path / "sdk.txt")
    answers = [json.loads(line) for line in ours.splitlines()]
    assert [answer["id"] for answer in answers] == [1, 2, 3]
    assert answers[2]["result"]["content"][0]["text"] == "OLA é"
    assert "stray print" in (tmp_path / "ours.txt").read_text()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_stray_print_reaches_stderr_not_the_client(tmp_path: Path, mode: str) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    params = StdioServerParameters(command=sys.executable, args=[str(script), "ours"])
    with open(tmp_path / "stderr.txt", "w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode=mode) as client:
            results = [await client.call_tool("shout", {"word": word}) for word in ("um", "dois")]
    assert [r.structured_content for r in results] == [{"result": "UM é"}, {"result": "DOIS é"}]
    assert (tmp_path / "stderr.txt").read_text().count("stray print") == 2


def _start(script: Path, transport: str, stderr: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(script), transport], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
    )


def test_a_long_answer_to_a_slow_reader_arrives_whole(tmp_path: Path) -> None:
    """Several times what a pipe holds, read only after a pause: `flush` waits until the pipe took every byte."""
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    call = {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "big", "arguments": {"size": 10**6}}}
    proc = _start(script, "ours", subprocess.DEVNULL)
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("".join(json.dumps(m) + "\n" for m in [*MESSAGES[:2], call]).encode())
        proc.stdin.flush()
        time.sleep(1)
        first, answer = proc.stdout.readline(), proc.stdout.readline()
        proc.stdin.close()
        assert proc.wait() == 0
    finally:
        watchdog.cancel()
    assert json.loads(first)["id"] == 1
    assert json.loads(answer)["result"]["content"][0]["text"] == "x" * 10**6


def test_a_line_past_the_bound_ends_the_connection_in_one_line(tmp_path: Path) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    with open(tmp_path / "stderr.txt", "w") as errors:
        proc = _start(script, "short", errors)
        out, _ = proc.communicate(json.dumps(MESSAGES[0]).encode() + b"\n" + b"[" + b" " * 5000 + b"]\n", timeout=60)
    assert proc.returncode == 0
    assert json.loads(out.splitlines()[0])["id"] == 1
    said = (tmp_path / "stderr.txt").read_text()
    assert "longer than 1000 bytes" in said and "Traceback" not in said

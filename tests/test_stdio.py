"""stdio without worker threads (`egoi_mcp._stdio`): over pipes a server writes, byte for byte, what the SDK's own
transport writes; a stray print while serving reaches stderr, never the protocol stream; both eras work."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

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

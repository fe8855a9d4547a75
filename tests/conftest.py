"""Shared fixtures: the anyio backend, E-goi's spec served by Prism, and a sandbox-backed MCP server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import types as stdtypes
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import mcp.types as types
import pytest
from mcp import Client

from egoi_mcp.config import Settings
from egoi_mcp.server import EgoiServer, build_server
from egoi_mcp.store import SQLiteStore as EventStore
from tests.postgres import postgres_server, postgres_url  # noqa: F401 (fixtures: a throwaway PostgreSQL)

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
SPEC = REPO / "spec"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[EventStore]:
    """An empty event store in a temporary directory."""
    async with EventStore(tmp_path / "events.db") as store:
        yield store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            httpx.request("POST" if url.endswith("/ping") else "GET", url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout}s")


@pytest.fixture(scope="session")
def prism_url() -> Iterator[str]:
    """E-goi's own OpenAPI served as a validating mock (Stoplight Prism): the judge of our requests."""
    tool = SCRIPTS / "egoi-prism"
    if not shutil.which("npm"):
        pytest.fail("npm is needed to install Stoplight Prism (apt-get install npm); the contract tests never skip")
    port = free_port()
    proc = subprocess.Popen(
        [str(tool), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ}
    )
    try:
        try:
            wait_http(f"http://127.0.0.1:{port}/ping", timeout=300, proc=proc)
        except RuntimeError as exc:
            why = proc.stderr.read().decode(errors="replace")[-3000:] if proc.poll() is not None and proc.stderr else ""
            pytest.fail(f"Stoplight Prism did not start ({exc}); the contract tests never skip:\n{why}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


# The MCP server on the sandbox, and a real client of it in both protocol eras.

ERAS = ["auto", "legacy"]


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        **{
            "sandbox": True,
            "db": tmp_path / "events.db",
            "webhook_secret": "test-webhook-secret",
            "tools_cache": tmp_path / "cache",
            **overrides,
        }
    )


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[EgoiServer]:
    yield build_server(make_settings(tmp_path))


@pytest.fixture(params=ERAS)
async def client(request: pytest.FixtureRequest, server: EgoiServer) -> AsyncIterator[Client]:
    async with Client(server.mcp, mode=request.param) as c:
        yield c


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch, clock: Any) -> list[float]:
    """The rate limiter's sleeps made instant: each advances the module's fake `clock` instead, and is recorded."""
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.now += seconds

    fake_anyio = stdtypes.SimpleNamespace(sleep=fake_sleep, Semaphore=anyio.Semaphore, Lock=anyio.Lock)
    monkeypatch.setattr("egoi_mcp.ratelimit.anyio", fake_anyio)
    return sleeps


async def every_tool(client: Client) -> list[types.Tool]:
    """Every tool the server registered: what it lists, after asking `egoi_find_tools` for each toolset (with
    `--toolsets` there is no discovery, and everything is listed already)."""
    listed = (await client.list_tools()).tools
    if any(t.name == "egoi_find_tools" for t in listed):
        for toolset in (await call(client, "egoi_find_tools"))["toolsets"]:  # the toolsets this server offers
            await call(client, "egoi_find_tools", toolset=toolset["name"])
        listed = (await client.list_tools()).tools
    return listed


async def call(client: Client, tool: str, /, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    text = result.content[0].text if result.content else ""
    assert not result.is_error, text
    assert json.loads(text) == result.structured_content, "text and structured content differ"
    return result.structured_content


async def fails(client: Client, tool: str, /, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    return result.content[0].text

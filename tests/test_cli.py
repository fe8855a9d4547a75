"""The `egoi-mcp` command as a user runs it: help, version, the missing-key message, stdio in both eras."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

import egoi_mcp

SECRET_KEY = "sk-live-0123456789abcdef-never-print-me"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EGOI")}
    return subprocess.run(
        [sys.executable, "-m", "egoi_mcp", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **(env or {})},
    )


def test_help_and_version_need_no_key() -> None:
    assert "--sandbox" in _run("--help").stdout
    assert _run("--version").stdout.strip() == f"egoi-mcp {egoi_mcp.__version__}"


def test_no_key_explains_and_exits_nonzero() -> None:
    done = _run()
    assert done.returncode == 2
    assert "EGOI_API_KEY" in done.stderr and "--sandbox" in done.stderr
    assert done.stdout == ""


def test_refuses_to_bind_beyond_loopback_without_token(tmp_path: Path) -> None:
    done = _run(
        "--transport",
        "http",
        "--host",
        "0.0.0.0",
        env={"EGOI_API_KEY": SECRET_KEY, "EGOI_MCP_DB": str(tmp_path / "e.db")},
    )
    assert done.returncode != 0 and "EGOI_MCP_AUTH_TOKEN" in done.stderr
    assert SECRET_KEY not in done.stderr + done.stdout


def test_bad_configuration_is_explained() -> None:
    done = _run("--sandbox", "--toolsets", "contacts,nope")
    assert done.returncode != 0 and "nope" in done.stderr and "contacts" in done.stderr


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_stdio_server_in_both_eras(tmp_path: Path, mode: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EGOI")}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "egoi_mcp", "--sandbox"],
        env={**clean, "EGOI_MCP_DB": str(tmp_path / "e.db"), "EGOI_API_KEY": SECRET_KEY},
    )
    async with Client(params, mode=mode) as client:
        tools = (await client.list_tools()).tools
        assert len(tools) == 21
        result = await client.call_tool("egoi_search_contacts", {"query": "example.com", "list_id": 1})
        assert not result.is_error
        assert SECRET_KEY not in str(result.content)

"""The `egoi-mcp` command as a user runs it: help, version, the missing-key message, stdio in both eras."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
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


@pytest.mark.anyio
async def test_stdio_with_webhook_listen_receives_deliveries(tmp_path: Path) -> None:
    import httpx

    from tests.conftest import free_port

    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EGOI")}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "egoi_mcp", "--sandbox", "--webhook-listen", f"127.0.0.1:{port}"],
        env={**clean, "EGOI_MCP_DB": str(tmp_path / "e.db"), "EGOI_WEBHOOK_SECRET": "listen-secret-000001"},
    )
    async with Client(params, mode="legacy") as client, httpx.AsyncClient() as http:
        url = f"http://127.0.0.1:{port}/webhooks/egoi/listen-secret-000001"
        for _ in range(100):  # the receiver starts beside the stdio server
            try:
                answer = await http.post(url, json={"action": "email_open", "list_id": 1, "email": "o@example.com"})
                break
            except httpx.ConnectError:
                await anyio.sleep(0.1)
        assert answer.status_code == 200
        result = await client.call_tool("egoi_list_events", {"trigger": "email_opened"})
        assert [e["email"] for e in result.structured_content["items"]] == ["o@example.com"]


def test_logs_go_to_stderr_with_emails_masked(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from egoi_mcp.cli import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging("INFO")
        logging.getLogger("egoi_mcp.test").info("created contact maria.silva@example.com in list 1")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    out, err = capsys.readouterr()
    assert out == ""
    assert "maria.silva@example.com" not in err and "m***@example.com" in err


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["--log-level", "verbose"], {}, "log level"),
        (["--webhook-listen", "foo"], {}, "HOST:PORT"),
        ([], {"EGOI_WEBHOOK_SECRET": "a/b"}, "EGOI_WEBHOOK_SECRET"),
    ],
)
def test_bad_settings_exit_with_the_reason(args: list[str], env: dict[str, str], says: str) -> None:
    done = _run("--sandbox", *args, env=env)
    assert done.returncode != 0 and says in done.stderr and "Traceback" not in done.stderr

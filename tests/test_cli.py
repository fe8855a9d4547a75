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
from egoi_mcp.tools import CORE_TOOLS

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
        assert {t.name for t in tools} == CORE_TOOLS, "discovery: the core set is listed, the rest found"
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


def test_help_names_the_key_and_the_commands() -> None:
    text = _run("--help").stdout
    assert "EGOI_API_KEY" in text
    assert "sandbox" in text and "serve only the fake E-goi" in text
    assert "webhook-url" in text


@pytest.mark.parametrize("token", ["x", " " * 40, "short-token-0123456789"])
def test_beyond_loopback_the_token_must_be_long_and_not_blank(tmp_path: Path, token: str) -> None:
    done = _run(
        "--transport", "http", "--host", "0.0.0.0",
        env={"EGOI_API_KEY": SECRET_KEY, "EGOI_MCP_DB": str(tmp_path / "e.db"), "EGOI_MCP_AUTH_TOKEN": token},
    )  # fmt: skip
    assert done.returncode != 0 and "32" in done.stderr and "EGOI_MCP_AUTH_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr


def test_webhook_url_prints_the_full_url_and_the_log_masks_it(tmp_path: Path) -> None:
    env = {
        "EGOI_API_KEY": SECRET_KEY,
        "EGOI_MCP_DB": str(tmp_path / "e.db"),
        "EGOI_WEBHOOK_SECRET": "operator-secret-0123456789",
        "EGOI_MCP_PUBLIC_URL": "https://mcp.example.com",
    }
    done = _run("webhook-url", env=env)
    assert done.stdout.strip() == "https://mcp.example.com/webhooks/egoi/operator-secret-0123456789"
    # The server's own start-up log names the receiver with the secret masked (stdio ends when stdin closes).
    started = subprocess.run(
        [sys.executable, "-m", "egoi_mcp"], input="", capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("EGOI")}, **env},
    )  # fmt: skip
    assert "webhook receiver: https://mcp.example.com/webhooks/egoi/[redacted]" in started.stderr
    assert "operator-secret-0123456789" not in started.stderr + started.stdout


@pytest.mark.parametrize("kind", ["directory", "garbage"])
def test_an_unusable_store_is_one_line_and_exit_2(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "events.db"
    if kind == "directory":
        db.mkdir()
    else:
        db.write_bytes(b"this is not a database" * 100)
    done = _run("--sandbox", env={"EGOI_MCP_DB": str(db)})
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and str(db) in done.stderr and "EGOI_MCP_DB" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_the_sandbox_keeps_its_own_store_file(tmp_path: Path) -> None:
    from egoi_mcp.config import Settings

    real = Settings(api_key="k" * 20)
    sandbox = Settings(sandbox=True)
    assert sandbox.db != real.db and sandbox.db.name == "sandbox-events.db"
    assert Settings(sandbox=True, db=tmp_path / "mine.db").db == tmp_path / "mine.db"


def test_an_api_key_with_a_trailing_newline_is_stripped() -> None:
    from egoi_mcp.config import Settings

    assert Settings(api_key="abc123secret\n").key == "abc123secret"


def test_invalid_emails_are_masked_in_logs_too(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from egoi_mcp.cli import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging("INFO")
        logging.getLogger("egoi_mcp.test").info("refused e-mail 'maria.silva@localhost' and bob@")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    err = capsys.readouterr().err
    assert "maria.silva@" not in err and "m***@localhost" in err


def test_repeated_log_records_are_rate_limited(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from egoi_mcp.cli import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging("INFO")
        for n in range(500):
            logging.getLogger("uvicorn.error").error("Exception in ASGI application %d", n)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    assert capsys.readouterr().err.count("Exception in ASGI application") <= 5


def test_a_database_password_never_reaches_the_start_up_error() -> None:
    password = "Db-Pa55word-never-print"
    for db in (
        f"postgresql://egoi@127.0.0.1:1/egoi?password={password}",
        f"postgresql://egoi:{password}@127.0.0.1:1/e",
    ):
        done = _run("--sandbox", env={"EGOI_MCP_DB": db})
        assert done.returncode == 2, done.stderr
        assert "cannot reach PostgreSQL" in done.stderr and "127.0.0.1:1" in done.stderr
        assert password not in done.stderr + done.stdout and "egoi@" not in done.stderr


GOOD_TOKEN = "kq3Zt8vN2xLp0wRb7yHc5mJd1sFg6aQe"


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("a" * 32, "low-entropy"),
        ("password" * 4, "low-entropy"),
        ("0123456789abcdef" * 3, "low-entropy"),
        (GOOD_TOKEN + "\n", "whitespace"),
        (GOOD_TOKEN[:16] + " " + GOOD_TOKEN[16:], "whitespace"),
        (GOOD_TOKEN[:20], "32"),
    ],
)
def test_a_weak_or_blank_bearer_token_is_refused_in_one_line(tmp_path: Path, token: str, says: str) -> None:
    from tests.conftest import free_port

    env = {"EGOI_MCP_DB": str(tmp_path / "e.db"), "EGOI_MCP_AUTH_TOKEN": token}
    done = _run("--sandbox", "--transport", "http", "--port", str(free_port()), env=env)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "EGOI_MCP_AUTH_TOKEN" in done.stderr and says in done.stderr and "egoi-mcp token" in done.stderr
    assert token.strip() not in done.stderr


def test_token_prints_a_token_the_server_accepts() -> None:
    from egoi_mcp.config import Settings

    first, second = _run("token"), _run("token")
    assert first.returncode == 0 and first.stderr == ""
    token = first.stdout.strip()
    assert len(token) >= 32 and token != second.stdout.strip() and first.stdout == token + "\n"
    assert Settings(auth_token=token).auth_token is not None


@pytest.mark.parametrize("key", ["abc def-0123456789", "abc\tdef-0123456789", "clé-0123456789"])
def test_a_malformed_api_key_is_one_line_and_exit_2(tmp_path: Path, key: str) -> None:
    done = _run(env={"EGOI_API_KEY": key, "EGOI_MCP_DB": str(tmp_path / "e.db")})
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "EGOI_API_KEY" in done.stderr and "copy the key again" in done.stderr
    assert key not in done.stderr

"""`--auth oauth` as an operator meets it: what it needs said in one line, a real process on a public name, and
clients identified by a Client ID Metadata Document instead of registering."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import free_port, wait_http
from tests.hosted import ALICE, REDIRECT, SECRET_KEY, Person, hosted, serve, sign_in

pytestmark = pytest.mark.anyio


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EGOI")}
    return subprocess.run([sys.executable, "-m", "egoi_mcp", *args], capture_output=True, text=True, timeout=60,
                          env={**clean, **env})  # fmt: skip


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["--auth", "oauth"], {"EGOI_MCP_SECRET_KEY": SECRET_KEY}, "add --transport http"),
        (["--transport", "http", "--auth", "oauth"], {}, "needs EGOI_MCP_SECRET_KEY"),
        (["--transport", "http", "--auth", "oauth"], {"EGOI_MCP_SECRET_KEY": "short"}, "32+ characters"),
        (["--transport", "http", "--auth", "oauth", "--host", "0.0.0.0"], {"EGOI_MCP_SECRET_KEY": SECRET_KEY},
         "needs EGOI_MCP_PUBLIC_URL"),
        (["--transport", "http", "--auth", "oauth"],
         {"EGOI_MCP_SECRET_KEY": SECRET_KEY, "EGOI_MCP_PUBLIC_URL": "http://mcp.example.com"}, "https"),
        (["--transport", "http", "--auth", "oauth"],
         {"EGOI_MCP_SECRET_KEY": SECRET_KEY, "EGOI_MCP_AUTH_TOKEN": "a-long-random-token-for-tests-0123456789"},
         "exclude each other"),
    ],
)  # fmt: skip
def test_what_oauth_needs_is_said_in_one_line(args: list[str], env: dict[str, str], says: str, tmp_path: Path) -> None:
    done = _run(*args, env={"EGOI_MCP_DB": str(tmp_path / "e.db"), **env})
    assert done.returncode == 2 and says in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and SECRET_KEY not in done.stderr


def test_a_hosted_process_needs_no_api_key_and_answers_on_its_public_name(tmp_path: Path) -> None:
    port = free_port()
    env = {"EGOI_MCP_SECRET_KEY": SECRET_KEY, "EGOI_MCP_PUBLIC_URL": "https://mcp.example.com",
           "EGOI_MCP_DB": str(tmp_path / "e.db"), "PATH": os.environ["PATH"]}  # fmt: skip
    args = [sys.executable, "-m", "egoi_mcp", "--transport", "http", "--auth", "oauth", "--host", "0.0.0.0"]
    proc = subprocess.Popen([*args, "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60, proc=proc)
        prm = httpx.get(f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp").json()
        assert prm["resource"] == "https://mcp.example.com/mcp"
        refused = httpx.post(f"http://127.0.0.1:{port}/mcp", json={}, headers={"Host": "mcp.example.com"})
        assert refused.status_code == 401  # its own name passes the Host check: the token is what is missing
        assert (
            'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"'
            in (refused.headers["www-authenticate"])
        )
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=15)
    assert SECRET_KEY not in stderr


async def test_a_client_id_metadata_document_is_a_client(tmp_path: Path) -> None:
    port = free_port()
    document_url = f"http://127.0.0.1:{port}/oauth/client.json"
    documents = {
        "/oauth/client.json": {"client_id": document_url, "client_name": "Docs Assistant", "redirect_uris": [REDIRECT]},
        "/oauth/liar.json": {"client_id": "https://someone-else.example/client.json", "redirect_uris": [REDIRECT]},
    }
    app = Starlette(routes=[Route(path, lambda _, d=doc: JSONResponse(d)) for path, doc in documents.items()])
    with serve(app, port), hosted(tmp_path) as (url, _):
        person = Person(ALICE)
        code, verifier = await sign_in(url, person, document_url)
        assert "Docs Assistant" in person.pages[0].text
        async with httpx.AsyncClient(base_url=url) as http:
            form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                    "client_id": document_url, "code_verifier": verifier}  # fmt: skip
            issued = await http.post("/token", data=form)
            assert issued.status_code == 200, issued.text
            query = {"client_id": f"http://127.0.0.1:{port}/oauth/liar.json", "response_type": "code",
                     "code_challenge": "x" * 43, "redirect_uri": REDIRECT}  # fmt: skip
            liar = await http.get("/authorize", params=query)
            assert liar.status_code == 400 and "not found" in liar.text

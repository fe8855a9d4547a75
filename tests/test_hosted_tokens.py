"""The built-in authorization server's tokens: single-use codes, rotating refresh tokens, revocation, expiry,
audience binding, and nothing secret in the store (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import free_port
from tests.hosted import ALICE, REDIRECT, SECRET_KEY, Memory, Person, connected, hosted, register, sign_in

pytestmark = pytest.mark.anyio
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
HEADERS = {"Accept": "application/json, text/event-stream"}


async def _mcp_status(http: httpx.AsyncClient, token: str) -> int:
    return (await http.post("/mcp", json=PING, headers={**HEADERS, "Authorization": f"Bearer {token}"})).status_code


async def _exchange(http: httpx.AsyncClient, client_id: str, code: str, verifier: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": client_id,
            "code_verifier": verifier}  # fmt: skip
    return await http.post("/token", data=form)


async def test_a_code_acts_once_and_needs_its_pkce_verifier(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with httpx.AsyncClient(base_url=url) as http:
            client = await register(http)
            code, verifier = await sign_in(url, Person(ALICE), client["client_id"])
            wrong = await _exchange(http, client["client_id"], code, verifier[::-1])
            assert wrong.json()["error"] == "invalid_grant"
            issued = await _exchange(http, client["client_id"], code, verifier)
            assert issued.status_code == 200, issued.text
            assert issued.json()["token_type"] == "Bearer" and issued.json()["expires_in"] == 3600
            again = await _exchange(http, client["client_id"], code, verifier)
            assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_refresh_rotates_and_revocation_ends_both_tokens(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with httpx.AsyncClient(base_url=url) as http:
            client = await register(http)
            code, verifier = await sign_in(url, Person(ALICE), client["client_id"])
            first = (await _exchange(http, client["client_id"], code, verifier)).json()
            assert await _mcp_status(http, first["access_token"]) != 401
            form = {
                "grant_type": "refresh_token",
                "refresh_token": first["refresh_token"],
                "client_id": client["client_id"],
            }
            second = (await http.post("/token", data=form)).json()
            assert second["refresh_token"] != first["refresh_token"]
            assert await _mcp_status(http, first["access_token"]) == 401  # rotated away with its refresh token
            replay = await http.post("/token", data=form)
            assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
            assert await _mcp_status(http, second["access_token"]) != 401
            # The SDK's revocation handler wants a client_secret field even from a public client: an empty one.
            revoked = await http.post(
                "/revoke",
                data={"token": second["refresh_token"], "client_id": client["client_id"], "client_secret": ""},
            )
            assert revoked.status_code == 200, revoked.text
            assert await _mcp_status(http, second["access_token"]) == 401


async def test_an_expired_token_is_refused_with_the_challenge(tmp_path: Path) -> None:
    now = [1_900_000_000.0]
    with hosted(tmp_path, clock=lambda: now[0]) as (url, _):
        async with httpx.AsyncClient(base_url=url) as http:
            client = await register(http)
            code, verifier = await sign_in(url, Person(ALICE), client["client_id"])
            token = (await _exchange(http, client["client_id"], code, verifier)).json()["access_token"]
            assert await _mcp_status(http, token) != 401
            now[0] += 3601
            refused = await http.post("/mcp", json=PING, headers={**HEADERS, "Authorization": f"Bearer {token}"})
            assert refused.status_code == 401
            assert "resource_metadata=" in refused.headers["www-authenticate"]


async def test_tokens_are_bound_to_this_resource(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with httpx.AsyncClient(base_url=url) as http:
            client = await register(http)
            person = Person(ALICE)
            code, verifier = await sign_in(url, person, client["client_id"])
            token = (await _exchange(http, client["client_id"], code, verifier)).json()["access_token"]
            query = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT,
                     "code_challenge": "x" * 43, "resource": "https://other.example/mcp"}  # fmt: skip
            foreign = await person.browser.get(f"{url}/authorize", params=query)
            assert foreign.status_code == 302 and "error=invalid_target" in foreign.headers["location"]
            unregistered = await person.browser.get(
                f"{url}/authorize", params={**query, "redirect_uri": "http://127.0.0.1:9/x"}
            )
            assert unregistered.status_code == 400 and "location" not in unregistered.headers
    # Another deployment sharing the store (another public URL) does not accept this server's tokens.
    with hosted(tmp_path, public_url="http://localhost:1/") as (other, _):
        async with httpx.AsyncClient(base_url=other) as http:
            assert await _mcp_status(http, token) == 401


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_the_store_holds_no_api_key_or_token_in_clear(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    db = request.getfixturevalue("postgres_url") if engine == "postgresql" else tmp_path / "events.db"
    with hosted(tmp_path, db=db) as (url, _):
        async with httpx.AsyncClient(base_url=url) as http:
            confidential = await register(http, auth_method="client_secret_post")
        storage = Memory()
        async with connected(url, Person(ALICE), storage) as client:
            assert not (await client.call_tool("egoi_list_lists", {})).is_error
        assert storage.tokens is not None and storage.tokens.refresh_token
        secrets = [ALICE, storage.tokens.access_token, storage.tokens.refresh_token, confidential["client_secret"]]
        if engine == "sqlite":
            raw = b"".join(path.read_bytes() for path in tmp_path.glob("events.db*"))
        else:
            with psycopg.connect(str(db)) as conn:
                tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
                raw = "".join(str(conn.execute(f"SELECT * FROM {t}").fetchall()) for t in tables).encode()
        assert b"oauth:user:" in raw and b"oauth:access:" in raw  # the records are there...
        for secret in secrets:
            assert secret.encode() not in raw  # ...the secrets are not


async def test_the_secret_key_rotates_without_anyone_linking_again(tmp_path: Path) -> None:
    old, new = SECRET_KEY, "a-brand-new-secret-key-for-rotation-0123456789"
    port = free_port()  # one address, so one resource, for the four servers in turn
    with hosted(tmp_path, port=port) as (url, _):
        async with httpx.AsyncClient(base_url=url) as http:
            client = await register(http)
            code, verifier = await sign_in(url, Person(ALICE), client["client_id"])
            token = (await _exchange(http, client["client_id"], code, verifier)).json()["access_token"]
    statuses = []
    for keys in (f"{new},{old}", new, "yet-another-key-nobody-sealed-with-0123456789"):
        with hosted(tmp_path, secret_key=keys, port=port) as (url, _):
            async with httpx.AsyncClient(base_url=url) as http:
                statuses.append(await _mcp_status(http, token))
    # new,old: opened with the old key (and sealed again with the new); new alone: opens; a foreign key: link again.
    assert statuses[0] != 401 and statuses[1] != 401 and statuses[2] == 401

"""The link page: self-contained and strict, CSRF-protected, a bad key refused without being echoed, the link
replaced or removed by its user (and a removed link ends that user's tokens)."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from egoi_mcp.sandbox import create_app
from tests.hosted import ALICE, BOB, Person, field, hosted, register, sign_in

pytestmark = pytest.mark.anyio


async def _link_page(url: str, person: Person) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as http:
        client = await register(http)
    query = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": "http://127.0.0.1:9/callback",
             "code_challenge": "x" * 43, "state": "s"}  # fmt: skip
    sent = await person.browser.get(f"{url}/authorize", params=query)
    assert sent.status_code == 302 and sent.headers["location"].startswith(f"{url}/oauth/link?request=")
    return await person.browser.get(sent.headers["location"])


async def test_the_page_loads_nothing_runs_nothing_and_cannot_be_framed(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        page = await _link_page(url, Person(ALICE))
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "script-src" not in policy and "<script" not in page.text
        assert "form-action 'self' http://127.0.0.1:9" in policy
        assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
        assert 'type="password"' in page.text and "Test" not in page.text  # no client name from the test helper


async def test_a_post_without_this_browsers_csrf_token_changes_nothing(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        person = Person(ALICE)
        page = await _link_page(url, person)
        form = {"request": field(page.text, "request"), "csrf": field(page.text, "csrf"), "action": "link",
                "api_key": ALICE}  # fmt: skip
        async with httpx.AsyncClient() as stranger:  # another browser: no cookie
            assert (await stranger.post(f"{url}/oauth/link", data=form)).status_code == 403
        forged = await person.browser.post(f"{url}/oauth/link", data={**form, "csrf": "forged"})
        assert forged.status_code == 403 and ALICE not in forged.text
        assert "egoi_mcp_user" not in person.browser.cookies
        linked = await person.post(page, action="link", api_key=ALICE)
        assert linked.status_code == 200 and "Allow" in linked.text and f"…{ALICE[-4:]}" in linked.text


async def test_a_key_egoi_refuses_is_not_linked_nor_echoed_nor_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    egoi = httpx.ASGITransport(app=create_app(api_key=ALICE))  # an E-goi account that knows Alice's key only
    with hosted(tmp_path, sandbox=False, transport=egoi, base_url="http://egoi.test") as (url, _):
        person = Person(BOB)
        page = await _link_page(url, person)
        refused = await person.post(page, action="link", api_key=BOB)
        assert refused.status_code == 400 and "E-goi refused this API key" in refused.text
        assert BOB not in refused.text and "egoi_mcp_user" not in person.browser.cookies
        shaped = await person.post(page, action="link", api_key="has spaces in it")
        assert shaped.status_code == 400 and "not an E-goi API key" in shaped.text
        linked = await person.post(refused, action="link", api_key=ALICE)
        assert "Allow" in linked.text and ALICE not in linked.text
    assert ALICE not in caplog.text and BOB not in caplog.text


async def test_the_user_replaces_then_removes_the_link_and_their_tokens_stop(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        person = Person(ALICE)
        async with httpx.AsyncClient(base_url=url) as http:
            client = await register(http)
            code, verifier = await sign_in(url, person, client["client_id"])
            form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:9/callback",
                    "client_id": client["client_id"], "code_verifier": verifier}  # fmt: skip
            token = (await http.post("/token", data=form)).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"}
            ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
            assert (await http.post("/mcp", json=ping, headers=headers)).status_code != 401
            again = await _link_page(url, person)  # the same browser: straight to consent, the key's end shown
            assert "Allow" in again.text and f"…{ALICE[-4:]}" in again.text
            replaced = await person.post(again, action="link", api_key=BOB)
            assert f"…{BOB[-4:]}" in replaced.text
            removed = await person.post(replaced, action="unlink")
            assert 'name="api_key"' in removed.text and "Allow" not in removed.text
            gone = await http.post("/mcp", json=ping, headers=headers)
            assert gone.status_code == 401 and "link" in gone.json()["error_description"]


async def test_a_sign_in_tries_at_most_five_keys(tmp_path: Path) -> None:
    egoi = httpx.ASGITransport(app=create_app(api_key=ALICE))
    with hosted(tmp_path, sandbox=False, transport=egoi, base_url="http://egoi.test") as (url, _):
        person = Person(BOB)
        page = await _link_page(url, person)
        assert "Allowing sends you back" not in page.text
        tries = [await person.post(page, action="link", api_key=f"guess-number-{n}") for n in range(6)]
        assert [t.status_code for t in tries] == [400] * 5 + [429]
        late = await person.post(page, action="link", api_key=ALICE)  # even the right key: this sign-in is over
        assert late.status_code == 400 and "expired or was already used" in late.text

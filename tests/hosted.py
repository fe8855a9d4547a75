"""Helpers of the hosted-connector tests: the server on real uvicorn, a person at the link page, the SDK's client.

`Person` is a person at a browser that runs no script (the link page needs none): real HTTP requests to the real
pages, following the authorize redirect, pasting the key, ticking scopes and consenting. The Chromium tests
(tests/test_hosted_browser.py) drive the same pages in a real browser.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import uvicorn
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl

from egoi_mcp.hosted.scopes import SCOPES
from egoi_mcp.server import EgoiServer, build_app, build_server
from tests.conftest import free_port, make_settings

SECRET_KEY = "hosted-test-secret-key-0123456789abcdefABCDEF"
ALICE = "alice-egoi-key-7Qm2x9Lk"
BOB = "bob-egoi-key-3Vn8w1Pz"
REDIRECT = "http://127.0.0.1:9/callback"


@contextmanager
def hosted(tmp_path: Path, **overrides: Any) -> Iterator[tuple[str, EgoiServer]]:
    """`egoi-mcp --transport http --auth oauth` (on the sandbox unless told otherwise) on real uvicorn in a thread;
    `clock` and `transport` (E-goi's) go to `build_server`, the rest to the settings."""
    port = overrides.pop("port", None) or free_port()
    wiring = {name: overrides.pop(name) for name in ("clock", "transport") if name in overrides}
    options = {"transport": "http", "auth": "oauth", "port": port, "secret_key": SECRET_KEY, **overrides}
    server = build_server(make_settings(tmp_path, **options), **wiring)
    with serve(build_app(server), port) as url:
        yield url, server


@contextmanager
def serve(app: Any, port: int) -> Iterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", log_config=None)
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not runner.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the hosted server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        runner.should_exit = True
        thread.join(15)


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field in the page:\n{page}"
    return found[1]


class Person:
    """One user: their browser (its cookies), their E-goi key, and which scopes they tick on the consent page."""

    def __init__(self, api_key: str, grant: list[str] | None = None) -> None:
        self.api_key = api_key
        self.grant = SCOPES if grant is None else grant
        self.browser = httpx.AsyncClient(follow_redirects=False, timeout=30)
        self.landed: str | None = None
        self.pages: list[httpx.Response] = []

    async def open_authorize(self, url: str) -> None:
        """The client's redirect handler: the person's browser opens the authorization URL and goes through."""
        sent = await self.browser.get(url)
        assert sent.status_code == 302, sent.text
        page = await self.browser.get(sent.headers["location"])
        self.pages.append(page)
        if "api_key" in page.text and "Allow" not in page.text:
            page = await self.post(page, action="link", api_key=self.api_key)
            self.pages.append(page)
        assert page.status_code == 200, page.text
        done = await self.post(page, action="allow", scope=self.grant)
        assert done.status_code == 303, done.text
        self.landed = done.headers["location"]

    async def post(self, page: httpx.Response, **form: Any) -> httpx.Response:
        url = str(page.url).split("?")[0]
        data = {"request": field(page.text, "request"), "csrf": field(page.text, "csrf"), **form}
        return await self.browser.post(url, data=data)

    async def callback(self) -> AuthorizationCodeResult:
        assert self.landed is not None and self.landed.startswith(REDIRECT)
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.landed).query).items()}
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))


class Memory:
    """The OAuth client's token storage, in memory (the test reads it: the tokens must not be in the store)."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def oauth(url: str, person: Person, storage: Memory, *, auth_method: str = "none") -> OAuthClientProvider:
    metadata = OAuthClientMetadata(
        redirect_uris=[AnyUrl(REDIRECT)], client_name="Test assistant", token_endpoint_auth_method=auth_method,
        grant_types=["authorization_code", "refresh_token"], response_types=["code"],
    )  # fmt: skip
    return OAuthClientProvider(f"{url}/mcp", metadata, storage, person.open_authorize, person.callback)


@asynccontextmanager
async def connected(url: str, person: Person, storage: Memory | None = None, *, mode: str = "auto",  # type: ignore[no-untyped-def]
                    extensions: list[Any] | None = None, message_handler: Any = None, **kw: Any):  # fmt: skip
    """An MCP client of the hosted server, signed in as `person` through the SDK's OAuth client."""
    storage = storage or Memory()
    async with (
        httpx2.AsyncClient(auth=oauth(url, person, storage, **kw), timeout=60) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http), mode=mode, extensions=extensions,
               message_handler=message_handler) as client,
    ):  # fmt: skip
        yield client


def pkce() -> tuple[str, str]:
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


async def register(http: httpx.AsyncClient, *, auth_method: str = "none") -> dict[str, Any]:
    body = {"redirect_uris": [REDIRECT], "client_name": "Hand-made client", "token_endpoint_auth_method": auth_method,
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]}  # fmt: skip
    registered = await http.post("/register", json=body)
    assert registered.status_code == 201, registered.text
    return dict(registered.json())


async def sign_in(url: str, person: Person, client_id: str, **extra: str) -> tuple[str, str]:
    """An authorization code for `client_id` by `person`, through the real pages; and its PKCE verifier."""
    verifier, challenge = pkce()
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "state": "s1",
             "code_challenge": challenge, "code_challenge_method": "S256", "resource": f"{url}/mcp"}  # fmt: skip
    query.update(extra)
    await person.open_authorize(str(httpx.URL(f"{url}/authorize", params=query)))
    return (await person.callback()).code, verifier

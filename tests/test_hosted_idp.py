"""An existing identity provider (`EGOI_MCP_OAUTH_ISSUER`): its JWTs checked against its JWKS, and each user
linking their E-goi key on first use through a URL elicitation. The provider is a real one in miniature: an RSA
key, its discovery document and JWKS served over HTTP, tokens signed with PyJWT."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import free_port
from tests.hosted import ALICE, field, hosted, serve

pytestmark = pytest.mark.anyio


class IdP:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"

    def app(self) -> Starlette:
        jwk = {**jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True), "kid": "k1", "use": "sig"}
        discovery = {"issuer": self.issuer, "jwks_uri": f"{self.issuer}/jwks"}
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", lambda _: JSONResponse(discovery)),
            Route("/jwks", lambda _: JSONResponse({"keys": [jwk]})),
        ])  # fmt: skip

    def token(self, audience: str, *, key: Any = None, **claims: Any) -> str:
        body = {"iss": self.issuer, "aud": audience, "sub": "alice@corp.example", "exp": int(time.time()) + 600,
                "scope": "egoi:read egoi:write", **claims}  # fmt: skip
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
def idp() -> Iterator[IdP]:
    provider = IdP()
    with serve(provider.app(), provider.port):
        yield provider


async def test_jwts_of_the_identity_provider_are_checked(tmp_path: Path, idp: IdP) -> None:
    with hosted(tmp_path, oauth_issuer=idp.issuer) as (url, _):
        resource = f"{url}/mcp"
        async with httpx.AsyncClient(base_url=url) as http:
            prm = (await http.get("/.well-known/oauth-protected-resource/mcp")).json()
            assert [u.rstrip("/") for u in prm["authorization_servers"]] == [idp.issuer]
            assert (await http.get("/.well-known/oauth-authorization-server")).status_code == 404
            stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            for bad in (
                idp.token("https://other.example/mcp"),
                idp.token(resource, exp=int(time.time()) - 3600),
                idp.token(resource, iss="https://evil.example"),
                idp.token(resource, key=stranger),
            ):
                refused = await http.post("/mcp", json={}, headers={"Authorization": f"Bearer {bad}"})
                assert refused.status_code == 401 and "resource_metadata=" in refused.headers["www-authenticate"]


async def test_a_user_links_their_key_on_first_use(tmp_path: Path, idp: IdP) -> None:
    with hosted(tmp_path, oauth_issuer=idp.issuer) as (url, _):
        headers = {"Authorization": f"Bearer {idp.token(f'{url}/mcp')}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
        ):
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert "egoi_create_contact" in names and "egoi_send_email_to_segment" not in names  # no egoi:send
            with pytest.raises(MCPError) as raised:
                await client.call_tool("egoi_list_lists", {})
            assert raised.value.error.code == -32042
            link = raised.value.error.data["elicitations"][0]["url"]
            assert link.startswith(f"{url}/oauth/link?request=")
            async with httpx.AsyncClient() as browser:
                page = await browser.get(link)
                form = {"request": field(page.text, "request"), "csrf": field(page.text, "csrf"), "action": "link"}
                refused = await browser.post(f"{url}/oauth/link", data={**form, "api_key": "x"})
                assert refused.status_code == 400 and "not an E-goi API key" in refused.text
                linked = await browser.post(f"{url}/oauth/link", data={**form, "api_key": ALICE})
                assert linked.status_code == 200 and "E-goi account linked" in linked.text
                again = await browser.post(f"{url}/oauth/link", data={**form, "api_key": ALICE})
                assert again.status_code == 400  # the ticket acted once
            result = await client.call_tool("egoi_list_lists", {})
            assert not result.is_error and result.structured_content["total"] >= 1

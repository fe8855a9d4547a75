"""The hosted connector end to end: the `mcp` SDK's OAuth client against the real app on real uvicorn, both eras."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from egoi_mcp.hosted.scopes import SCOPES
from tests.hosted import ALICE, Memory, Person, connected, hosted

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_sdk_oauth_client_signs_in_links_a_key_and_calls_tools(tmp_path: Path, mode: str) -> None:
    with hosted(tmp_path) as (url, _):
        person, storage = Person(ALICE), Memory()
        async with connected(url, person, storage, mode=mode) as client:
            result = await client.call_tool("egoi_list_lists", {})
            assert not result.is_error, result.content
            assert result.structured_content["total"] >= 1
        assert storage.tokens is not None and set(storage.tokens.scope.split()) == set(SCOPES)
        assert storage.tokens.refresh_token


async def test_an_unauthenticated_request_learns_where_to_sign_in(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with httpx.AsyncClient(base_url=url) as http:
            refused = await http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
            assert refused.status_code == 401
            assert (
                f'resource_metadata="{url}/.well-known/oauth-protected-resource/mcp"'
                in refused.headers["www-authenticate"]
            )
            prm = (await http.get("/.well-known/oauth-protected-resource/mcp")).json()
            assert prm["resource"] == f"{url}/mcp" and [u.rstrip("/") for u in prm["authorization_servers"]] == [url]
            assert prm["scopes_supported"] == SCOPES
            meta = (await http.get("/.well-known/oauth-authorization-server")).json()
            assert meta["code_challenge_methods_supported"] == ["S256"]
            assert meta["client_id_metadata_document_supported"] is True
            assert {"registration_endpoint", "revocation_endpoint"} <= set(meta)
            assert meta["issuer"].rstrip("/") == url

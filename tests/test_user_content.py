"""Provenance labels and the user-content switch, through a real MCP client in both eras: a result carrying text
written by others names those fields in `_meta`; with EGOI_MCP_USER_CONTENT=hide, free text is left out."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from egoi_mcp.server import build_server
from egoi_mcp.untrusted import UNTRUSTED_META
from tests.conftest import ERAS, call, make_settings

pytestmark = pytest.mark.anyio


async def test_results_name_their_third_party_fields(client: Client) -> None:
    result = await client.call_tool("egoi_list_lists", {})
    assert result.meta is not None and result.meta[UNTRUSTED_META] == ["items[].name", "items[].description"]
    contact = (await call(client, "egoi_create_contact", email="label@example.com", list_id=1))["id"]
    read = await client.call_tool("egoi_get_contact", {"contact_id": contact, "list_id": 1})
    assert read.meta is not None and "email" in read.meta[UNTRUSTED_META]
    assert "tags[].name" in read.meta[UNTRUSTED_META]
    tagged = await client.call_tool("egoi_attach_tag", {"tag": "label", "contact_ids": [contact], "list_id": 1})
    assert not (tagged.meta or {}).get(UNTRUSTED_META), "a result of the server's own words carries no label"


@pytest.mark.parametrize("era", ERAS)
async def test_hide_leaves_free_text_out(tmp_path: Path, era: str) -> None:
    shown, hidden = tmp_path / "shown", tmp_path / "hidden"
    shown.mkdir(), hidden.mkdir()
    details = {}
    for where, mode in ((shown, "show"), (hidden, "hide")):
        server = build_server(make_settings(where, user_content=mode))
        async with Client(server.mcp, mode=era) as client:
            sandbox = server.current().sandbox
            assert sandbox is not None
            someone = next(c for c in sandbox.contacts_of(1) if c.email_stats.clicks > 0)
            page = await call(client, "egoi_get_contact_activity", contact_id=someone.contact_id, list_id=1)
            details[mode] = [item.get("detail") for item in page["items"]]
    assert any(details["show"]), "the sandbox's clicks carry the link"
    assert not any(details["hide"]), "hidden: no activity detail at all"

"""Discovery: a core set listed, every other tool found on demand, in both eras, for clients that follow
`list_changed` and for those that do not (egoi_call_tool)."""

from __future__ import annotations

from pathlib import Path

import anyio
import mcp.types as types
import pytest
from mcp import Client

from egoi_mcp.server import EgoiServer, build_server
from egoi_mcp.tools import CORE_TOOLS, TOOLSETS
from tests.conftest import ERAS, call, fails, make_settings

pytestmark = pytest.mark.anyio

EVERY_TOOL = {t.name for ts in TOOLSETS for t in ts.tools}


async def _listed(client: Client) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


async def test_the_core_is_listed_and_the_catalogue_names_every_tool(client: Client) -> None:
    assert await _listed(client) == CORE_TOOLS
    catalogue = await call(client, "egoi_find_tools")
    named = {t["name"]: t for ts in catalogue["toolsets"] for t in ts["tools"]}
    assert set(named) == EVERY_TOOL, "every registered tool is one call away"
    assert {n for n, t in named.items() if t["listed"]} == CORE_TOOLS - {"egoi_find_tools", "egoi_call_tool"}
    assert all("input_schema" not in t for t in named.values()), "the catalogue is names, not definitions"


async def test_a_toolset_found_is_listed_with_its_definitions_and_list_changed_in_the_2025_era(
    server: EgoiServer,
) -> None:
    changed = anyio.Event()

    async def on_message(message: object) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    async with (
        Client(server.mcp, mode="legacy", message_handler=on_message) as client,
        Client(server.mcp, mode="legacy") as other,
    ):
        assert client.server_capabilities.tools and client.server_capabilities.tools.list_changed is True
        found = await call(client, "egoi_find_tools", toolset="webhooks")
        tools = found["toolsets"][0]["tools"]
        assert {t["name"] for t in tools} == {"egoi_register_webhook", "egoi_list_webhooks", "egoi_delete_webhook"}
        assert all(t["listed"] and t["description"] and t["input_schema"]["type"] == "object" for t in tools)
        with anyio.fail_after(10):
            await changed.wait()
        assert await _listed(client) == CORE_TOOLS | {t["name"] for t in tools}
        assert await _listed(other) == CORE_TOOLS, "another connection keeps its own list"
        again = await call(client, "egoi_find_tools", toolset="webhooks")
        assert again == found, "finding it twice changes nothing"


async def test_in_the_2026_era_the_list_grows_and_listeners_hear_it(server: EgoiServer) -> None:
    async with Client(server.mcp, mode="auto") as client:
        async with client.listen(tools_list_changed=True) as changes:
            await call(client, "egoi_find_tools", toolset="tags")
            with anyio.fail_after(10):
                event = await changes.__anext__()
        assert type(event).__name__ == "ToolsListChanged"
        assert {"egoi_create_tag", "egoi_list_tags", "egoi_delete_tag", "egoi_detach_tag"} <= await _listed(client)


async def test_a_client_that_ignores_list_changed_calls_through_egoi_call_tool(client: Client) -> None:
    tags = await call(client, "egoi_call_tool", name="egoi_list_tags", arguments={"limit": 2})
    assert len(tags["items"]) == 2 and tags["next_cursor"]
    as_text = await call(client, "egoi_call_tool", name="egoi_list_tags", arguments='{"limit": 2}')
    assert as_text == tags, "JSON text (what strict-mode clients can send) means the same"

    preview = await call(client, "egoi_call_tool", name="egoi_delete_tag", arguments={"tag_id": 2})
    assert preview["status"] == "confirmation_required" and "Nothing was changed" in preview["summary"]
    done = await call(client, "egoi_call_tool", name="egoi_delete_tag", arguments=preview["call_again_with"])
    assert done["status"] == "done"
    replay = await call(client, "egoi_call_tool", name="egoi_delete_tag", arguments=preview["call_again_with"])
    assert replay["status"] == "done" and replay["summary"].startswith("Already done"), "the token acts once"
    ids = [t["id"] for t in (await call(client, "egoi_list_tags", limit=100))["items"]]
    assert 2 not in ids


async def test_egoi_call_tool_refuses_what_it_cannot_run(client: Client) -> None:
    assert "no tool 'egoi_nope'" in await fails(client, "egoi_call_tool", name="egoi_nope")
    assert "no tool 'egoi_call_tool'" in await fails(client, "egoi_call_tool", name="egoi_call_tool")
    error = await fails(client, "egoi_call_tool", name="egoi_list_tags", arguments="limit=2")
    assert "arguments must be an object" in error
    error = await fails(client, "egoi_call_tool", name="egoi_list_tags", arguments={"limit": 0, "colour": "red"})
    assert "UNKNOWN_ARGUMENT 'colour'" in error, "the called tool's own argument checks apply"
    error = await fails(client, "egoi_find_tools", toolset="nope")
    assert "INVALID_ARGUMENT" in error and "webhooks" in error
    assert "length must be 1 to 64" in await fails(client, "egoi_call_tool", name="x" * 5000)
    too_long = await fails(client, "egoi_call_tool", name="egoi_list_tags", arguments="{" * 1_000_001)
    assert "length must be 0 to 1000000" in too_long and len(too_long) < 300, "bounded, and said briefly"
    assert "length must be 0 to 40" in await fails(client, "egoi_find_tools", toolset="y" * 500)


@pytest.mark.parametrize("mode", ERAS)
async def test_read_only_discovery_reaches_only_read_tools(tmp_path: Path, mode: str) -> None:
    built = build_server(make_settings(tmp_path, read_only=True))
    async with Client(built.mcp, mode=mode) as client:
        listed = (await client.list_tools()).tools
        assert all(t.annotations and t.annotations.read_only_hint for t in listed)
        assert "no tool 'egoi_delete_tag'" in await fails(
            client, "egoi_call_tool", name="egoi_delete_tag", arguments={"tag_id": 1}
        )
        catalogue = await call(client, "egoi_find_tools")
        assert "egoi_delete_tag" not in str(catalogue)


@pytest.mark.parametrize("mode", ERAS)
async def test_toolsets_all_lists_everything_without_discovery(tmp_path: Path, mode: str) -> None:
    built = build_server(make_settings(tmp_path, toolsets=["all"]))
    async with Client(built.mcp, mode=mode) as client:
        assert await _listed(client) == EVERY_TOOL
    assert "egoi_find_tools" not in (built.mcp.instructions or "")


@pytest.mark.parametrize("mode", ERAS)
async def test_through_egoi_call_tool_the_human_is_asked_as_for_a_direct_call(tmp_path: Path, mode: str) -> None:
    """EGOI_MCP_CONFIRM=elicit: the confirm through the caller asks the user (2025 elicitation, 2026 MRTR)."""
    asked: list[str] = []

    async def accept(ctx: object, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"confirm": True})

    built = build_server(make_settings(tmp_path, confirm="elicit"))
    async with Client(built.mcp, mode=mode, elicitation_callback=accept) as client:
        preview = await call(client, "egoi_call_tool", name="egoi_delete_tag", arguments={"tag_id": 2})
        done = await call(client, "egoi_call_tool", name="egoi_delete_tag", arguments=preview["call_again_with"])
    assert done["status"] == "done"
    assert asked == ['Allow the assistant to delete tag "new-signup" (id 2) from the account and every contact?']

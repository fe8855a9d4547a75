"""The server's house rules: one toolset table, a lifespan that owns every resource, injectable dependencies."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from mcp import Client

from egoi_mcp import tools
from egoi_mcp.config import Settings
from egoi_mcp.runtime import Runtime
from egoi_mcp.server import build_server
from tests.conftest import ERAS, make_settings

pytestmark = pytest.mark.anyio


def test_the_toolset_table_is_the_one_source() -> None:
    modules = [
        tools.contacts,
        tools.lists,
        tools.tags,
        tools.campaigns,
        tools.sms,
        tools.segments,
        tools.events,
        tools.webhooks,
        tools.jobs,
    ]
    assert [m.TOOLSET for m in modules] == list(tools.TOOLSETS), "each module exports its toolset, all in the table"
    names = [t.name for ts in tools.TOOLSETS for t in ts.tools]
    assert len(names) == len(set(names)) == 36
    discovery = ["egoi_find_tools", "egoi_call_tool"]
    assert [t.name for t in tools.selected_tools(read_only=False)] == names + discovery
    assert [t.name for t in tools.selected_tools(read_only=False, toolsets=["all"])] == names
    read_only = tools.selected_tools(read_only=True)
    assert [t.name for t in read_only] == [t.name for ts in tools.TOOLSETS for t in ts.tools if t.read_only] + discovery
    assert all(t.read_only for t in read_only), "in a read-only server the caller can only run read tools"
    assert set(names + discovery) >= tools.CORE_TOOLS
    table = tools.tool_table()
    assert all(f"`{name}`" in table for name in names)
    with pytest.raises(
        ValueError, match="choose from contacts, lists, tags, campaigns, sms, segments, events, webhooks, jobs, all"
    ):
        tools.selected_tools(read_only=False, toolsets=["contacts", "nope"])
    assert not hasattr(tools, "TOOLS"), "no global list filled by import side effects"


@pytest.mark.parametrize("mode", ERAS)
async def test_the_lifespan_opens_and_closes_every_resource(tmp_path: Path, mode: str) -> None:
    server = build_server(make_settings(tmp_path))
    assert server.runtime is None, "building opens nothing"
    async with Client(server.mcp, mode=mode) as client:
        await client.call_tool("egoi_list_lists", {})
        runtime = server.current()
        assert isinstance(runtime, Runtime) and not runtime.store.closed and runtime.sandbox is not None
    assert server.runtime is None and runtime.store.closed
    with pytest.raises(RuntimeError, match="not running"):
        server.current()


async def test_the_e_goi_transport_is_injectable(tmp_path: Path) -> None:
    seen: list[str] = []

    def egoi(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(
            200, json={"total_items": 1, "items": [{"list_id": 7, "internal_name": "Injected", "public_name": "x"}]}
        )

    settings = Settings(api_key="injected-key-0001", db=tmp_path / "e.db", webhook_secret="injected-secret-0001")
    server = build_server(settings, transport=httpx.MockTransport(egoi))
    async with Client(server.mcp) as client:
        result = await client.call_tool("egoi_list_lists", {})
    assert result.structured_content["items"][0]["name"] == "Injected" and seen == ["/lists"]


def test_the_readme_tool_table_is_the_toolset_table() -> None:
    """The README's tool table is `tool_table()` verbatim: one table decides, and the README follows it."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert tools.tool_table() in readme, "paste egoi_mcp.tools.tool_table() into the README's Tools section"

"""`egoi_mcp._sdk` is the one door to the mcp SDK's private attributes: each one exists in the installed SDK,
and one that moves fails loudly, naming it."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import mcp.types as types
import pytest
from mcp import Client
from mcp.server import MCPServer, ServerRequestContext

from egoi_mcp import _sdk

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[1]


def test_registered_tool_and_lowlevel_server_are_reachable() -> None:
    server = MCPServer("sdk-check")

    @server.tool()
    def ping() -> str:
        return "pong"

    assert _sdk.registered_tool(server, "ping").parameters["type"] == "object"
    assert _sdk.registered_tool(server, "ping").fn_metadata is not None
    assert _sdk.lowlevel_server(server).get_request_handler("tools/call") is not None


@pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")
async def test_a_session_connection_and_its_exit_stack_are_reachable() -> None:
    server = MCPServer("sdk-check")
    seen: list[object] = []

    async def handler(ctx: ServerRequestContext, params: types.SubscribeRequestParams) -> types.EmptyResult:
        seen.append(_sdk.connection_of(ctx.session))
        seen.append(_sdk.connection_exit_stack(ctx.session))
        return types.EmptyResult()

    _sdk.lowlevel_server(server).add_request_handler("resources/subscribe", types.SubscribeRequestParams, handler)
    async with Client(server, mode="legacy") as client:
        await client.subscribe_resource("egoi://x")
    assert len(seen) == 2 and seen[0] is not None


def test_a_moved_attribute_is_named() -> None:
    class Moved:
        pass

    with pytest.raises(_sdk.SDKChanged, match=r"Moved\._tool_manager"):
        _sdk.registered_tool(Moved(), "x")  # type: ignore[arg-type]
    with pytest.raises(_sdk.SDKChanged, match=r"Moved\._lowlevel_server"):
        _sdk.lowlevel_server(Moved())  # type: ignore[arg-type]
    with pytest.raises(_sdk.SDKChanged, match=r"Moved\._connection"):
        _sdk.connection_of(Moved())  # type: ignore[arg-type]


def test_private_sdk_attributes_appear_only_in_sdk_module() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "egoi_mcp").rglob("*.py")
        if path.name != "_sdk.py" and re.search(r"\._tool_manager|\._lowlevel_server|_connection\b", path.read_text())
    ]
    assert offenders == []


def test_mcp_is_pinned_to_the_tested_minor() -> None:
    installed = importlib.metadata.version("mcp")
    pyproject = (REPO / "pyproject.toml").read_text()
    pin = re.search(r'"mcp>=([\d.]+),<([\d.]+)"', pyproject)
    assert pin, "pyproject.toml pins mcp"
    low, high = (tuple(int(p) for p in v.split(".")) for v in pin.groups())
    assert high == (low[0], low[1] + 1), "the pin admits one minor release: the one the suite ran on"
    assert installed.startswith(f"{low[0]}.{low[1]}."), installed

"""The one door to the mcp SDK's private attributes.

egoi-mcp needs four things the SDK (2.3) keeps private or fixed: a registered tool's record (to compact its
schemas), the low-level server (to serve `tools/list` per client, `resources/subscribe`, `resources/unsubscribe`
and `logging/setLevel`, which `MCPServer` has no public API for), the handshake's `tools.listChanged` (fixed to
false), and a session's connection (the stable identity of a 2025-era client, and its teardown hook).
Every access goes through here and fails loudly, naming the attribute, if an SDK release moves one
(tests/test_sdk.py checks each against the installed SDK).
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from mcp.server import MCPServer, Server
from mcp.server.lowlevel import NotificationOptions
from mcp.server.mcpserver.tools import Tool
from mcp.server.session import ServerSession

__all__ = [
    "SDKChanged", "advertise_tools_list_changed", "connection_exit_stack", "connection_of", "lowlevel_server",
    "registered_tool",
]  # fmt: skip


class SDKChanged(RuntimeError):
    """An SDK private attribute egoi-mcp relies on has moved: pin `mcp` back, or port `_sdk.py`."""


def _attribute(owner: object, name: str) -> Any:
    try:
        return getattr(owner, name)
    except AttributeError:
        raise SDKChanged(
            f"mcp SDK: {type(owner).__name__}.{name} is gone; egoi-mcp was tested with mcp 2.3 (see pyproject.toml)"
        ) from None


def registered_tool(server: MCPServer, name: str) -> Tool:
    """The SDK's record of a registered tool (its `parameters` and `fn_metadata.output_schema` are ours to edit)."""
    tool = _attribute(server, "_tool_manager").get_tool(name)
    if tool is None:
        raise KeyError(f"no tool {name!r} is registered")
    return tool  # type: ignore[no-any-return]


def lowlevel_server(server: MCPServer) -> Server[Any]:
    """The low-level server under `MCPServer`, for request handlers `MCPServer` does not expose."""
    lowlevel = _attribute(server, "_lowlevel_server")
    if not isinstance(lowlevel, Server):
        raise SDKChanged("mcp SDK: MCPServer._lowlevel_server is no longer a mcp.server.Server")
    return lowlevel


def advertise_tools_list_changed(server: MCPServer) -> None:
    """Say `tools.listChanged: true` in the 2025-era handshake: `MCPServer` builds its initialization options with
    no `NotificationOptions`, so the SDK says false there (it says true to 2026-era clients by itself)."""
    lowlevel = lowlevel_server(server)
    build = _attribute(lowlevel, "create_initialization_options")

    def with_list_changed(
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> Any:
        options = notification_options or NotificationOptions(tools_changed=True)
        return build(options, experimental_capabilities, extensions)

    lowlevel.create_initialization_options = with_list_changed  # type: ignore[method-assign]


def connection_of(session: ServerSession) -> Any:
    """The client connection a session belongs to: one per 2025-era client, stable across its requests.

    The SDK builds a new `ServerSession` for every request, so a subscribe and the matching unsubscribe arrive
    with different sessions; their connection is the identity that lasts.
    """
    return _attribute(session, "_connection")


def connection_exit_stack(session: ServerSession) -> AsyncExitStack:
    """The connection's teardown stack: callbacks pushed on it run when the client goes away."""
    stack = _attribute(connection_of(session), "exit_stack")
    if not isinstance(stack, AsyncExitStack):
        raise SDKChanged("mcp SDK: Connection.exit_stack is no longer an AsyncExitStack")
    return stack

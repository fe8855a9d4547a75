"""The MCP tools, one module per toolset. `register_tools` is the one rule deciding what is registered."""

from __future__ import annotations

from collections.abc import Iterable

import mcp.types as types
from mcp.server import MCPServer

from egoi_mcp.tools import campaigns, contacts, events, lists, segments, tags, webhooks  # noqa: F401 (registers)
from egoi_mcp.tools._base import TOOLS, ToolSpec

__all__ = ["TOOLS", "ToolSpec", "register_tools", "selected_tools"]


def selected_tools(*, read_only: bool, toolsets: Iterable[str]) -> list[ToolSpec]:
    """The tools a server registers: those of the chosen toolsets, and only read tools in read-only mode."""
    chosen = set(toolsets)
    return [t for t in TOOLS if t.toolset in chosen and (t.read_only or not read_only)]


def register_tools(server: MCPServer, *, read_only: bool, toolsets: Iterable[str]) -> list[str]:
    specs = selected_tools(read_only=read_only, toolsets=toolsets)
    for spec in specs:
        server.add_tool(
            spec.fn,
            name=spec.name,
            title=spec.title,
            annotations=types.ToolAnnotations(
                title=spec.title,
                read_only_hint=spec.read_only,
                destructive_hint=spec.destructive,
                idempotent_hint=spec.idempotent,
                open_world_hint=spec.open_world,
            ),
        )
    return [spec.name for spec in specs]

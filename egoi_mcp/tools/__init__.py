"""The MCP tools, one module per toolset. `register_tools` is the one rule deciding what is registered."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
                read_only_hint=spec.read_only,
                destructive_hint=spec.destructive,
                idempotent_hint=spec.idempotent,
                open_world_hint=spec.open_world,
            ),
        )
        registered = server._tool_manager.get_tool(spec.name)
        registered.parameters = compact_schema(registered.parameters, optional_null=False)
        if registered.fn_metadata.output_schema is not None:
            registered.fn_metadata.output_schema = compact_schema(registered.fn_metadata.output_schema)
    return [spec.name for spec in specs]


def compact_schema(schema: Any, *, optional_null: bool = True) -> Any:
    """The same JSON schema in fewer tokens: the model reads every tool's schemas on every turn.

    Drops pydantic's generated `title`s and `default: null`, and writes `anyOf: [{type: T}, {type: null}]`
    as `type: [T, "null"]`, or as `type: T` for an optional argument (`optional_null=False`): leaving it out
    means null. Arguments are still validated by the SDK with the pydantic model, which accepts both.
    """
    if isinstance(schema, list):
        return [compact_schema(item, optional_null=optional_null) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default" and value is None:
            continue
        if key in ("properties", "$defs"):
            out[key] = {name: compact_schema(sub, optional_null=optional_null) for name, sub in value.items()}
        else:
            out[key] = compact_schema(value, optional_null=optional_null)
    options = out.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        other = next(o for o in options if o != {"type": "null"})
        if isinstance(other.get("type"), str):
            del out["anyOf"]
            out.update({**other, "type": [other["type"], "null"] if optional_null else other["type"]})
    return out

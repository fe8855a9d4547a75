"""`EgoiMCP`: the SDK's `MCPServer` with egoi-mcp's rules for every tool call, direct or through
`egoi_call_tool`: tools built on first use, null arguments as omitted, bad arguments refused as one line each,
and a bound on the E-goi requests a call may make."""

from __future__ import annotations

from typing import Any

import mcp.types as types
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from egoi_mcp import _sdk
from egoi_mcp.client import request_budget
from egoi_mcp.runtime import Runtime
from egoi_mcp.tools._arguments import argument_errors, out_of_range, unknown_arguments
from egoi_mcp.tools._listing import ToolListing

__all__ = ["EgoiMCP"]


class EgoiMCP(MCPServer[Runtime]):
    """`MCPServer` with egoi-mcp's argument rules (null means omitted, bad arguments read as one line each) and a
    bound on the E-goi requests of each tool call, its preview and elicitation rounds included."""

    def __init__(self, *args: Any, requests_per_call: int, listing: ToolListing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requests_per_call = requests_per_call
        self.listing = listing  # builds a tool not built yet when it is called

    def _refused(self, name: str, arguments: dict[str, Any]) -> str | None:
        """What no tool takes, refused before any tool code runs: unknown names, numbers past 32 bits, NUL."""
        try:
            schema = _sdk.registered_tool(self, name).parameters
        except KeyError:
            return None  # the SDK answers an unknown tool
        return unknown_arguments(name, arguments, schema) or out_of_range(arguments)

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Runtime, Any] | None = None
    ) -> types.CallToolResult | types.InputRequiredResult:
        arguments = {key: value for key, value in arguments.items() if value is not None}
        self.listing.build((name,))
        refused = self._refused(name, arguments)
        if refused:
            return types.CallToolResult(content=[types.TextContent(type="text", text=refused)], is_error=True)
        try:
            with request_budget(self.requests_per_call):
                return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if not isinstance(exc.__cause__, ValidationError):
                raise
            schema = _sdk.registered_tool(self, name).parameters
            text = argument_errors(exc.__cause__, schema, tool=name)
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)

"""Scopes that mean something: `egoi:read`, `egoi:write`, `egoi:send`, each tool needing one.

A read-only tool needs `egoi:read`, a destructive one (sends, deletes, imports) `egoi:send`, any other
`egoi:write`. A token without the scope does not see the tool in `tools/list`, and a call of it is refused
with `insufficient_scope`, naming the scope, before any tool code runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

import mcp.types as types
from mcp.server.auth.middleware.auth_context import get_access_token

from egoi_mcp.tools.discovery import CALL_TOOL, called_tool

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

    from egoi_mcp.tools._base import ToolSpec

__all__ = ["SCOPES", "ScopeGuard", "required_scope"]

READ: Final = "egoi:read"
WRITE: Final = "egoi:write"
SEND: Final = "egoi:send"
SCOPES: Final = [READ, WRITE, SEND]


def required_scope(spec: ToolSpec) -> str:
    """The scope a tool needs: read for read-only tools, send for destructive ones, write for the rest."""
    return READ if spec.read_only else SEND if spec.destructive else WRITE


class ScopeGuard:
    """Server middleware: `tools/list` keeps the tools the token's scopes allow; `tools/call` refuses the others."""

    def __init__(self, specs: Iterable[ToolSpec]) -> None:
        self._needs = {spec.name: required_scope(spec) for spec in specs}
        if CALL_TOOL in self._needs:  # discovery's caller is judged by the tool it runs
            self._needs[CALL_TOOL] = READ

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        token = get_access_token()
        if token is None or ctx.method not in ("tools/list", "tools/call"):
            return await call_next(ctx)
        granted = set(token.scopes)
        if ctx.method == "tools/call":
            name = called_tool(ctx.params or {})
            needed = self._needs.get(name)
            if needed is not None and needed not in granted:
                text = (
                    f"insufficient_scope: {name} needs the {needed} scope, which this connection was not granted; "
                    "nothing was done. Reconnect the E-goi connector and allow it to grant that scope."
                )
                return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)
            return await call_next(ctx)
        result = await call_next(ctx)
        if not isinstance(result, dict):
            return result
        allowed = [t for t in result.get("tools", []) if self._needs.get(str(t.get("name")), READ) in granted]
        return {**result, "tools": allowed}

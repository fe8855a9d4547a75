"""What a hosted connector leaves out for now: the parts of egoi-mcp kept once for the whole server, not per account.

Jobs (the `jobs` toolset and `egoi://jobs/…`: one book and one runner, on the server's E-goi client) and the audit
trail (`egoi://audit/recent`) are one per server: with several users, one user would read audited actions of
another's account. Until they are kept per account, a hosted server hides them from every list and refuses them by
name, saying why. (Webhook events are kept per account: `egoi_mcp.store.account`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import mcp.types as types
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS

from egoi_mcp.tools import TOOLSETS
from egoi_mcp.tools.discovery import called_tool

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

__all__ = ["SHARED_TOOLSETS", "SharedGuard"]

SHARED_TOOLSETS: Final = ("jobs",)
_SHARED_URIS: Final = ("egoi://audit", "egoi://jobs")
_WHY: Final = "is not offered by a hosted connector yet: jobs and the audit trail are not yet kept per account"


class SharedGuard:
    """Server middleware hiding and refusing the server-wide tools and resources (see the module)."""

    def __init__(self) -> None:
        self._tools = {spec.name for toolset in TOOLSETS if toolset.name in SHARED_TOOLSETS for spec in toolset.tools}

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params = ctx.params or {}
        if ctx.method == "tools/call" and called_tool(params) in self._tools:
            text = f"not_per_account: {called_tool(params)} {_WHY}; nothing was done"
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)
        if ctx.method in ("resources/read", "resources/subscribe") and str(params.get("uri", "")).startswith(
            _SHARED_URIS
        ):
            raise MCPError(code=INVALID_PARAMS, message=f"{params.get('uri')} {_WHY}")
        result = await call_next(ctx)
        if not isinstance(result, dict):
            return result
        if ctx.method == "tools/list":
            return {**result, "tools": [t for t in result.get("tools", []) if t.get("name") not in self._tools]}
        if ctx.method == "resources/list":
            return {**result, "resources": [r for r in result.get("resources", []) if not self._shared(r, "uri")]}
        if ctx.method == "resources/templates/list":
            kept = [t for t in result.get("resourceTemplates", []) if not self._shared(t, "uriTemplate")]
            return {**result, "resourceTemplates": kept}
        return result

    @staticmethod
    def _shared(item: Any, key: str) -> bool:
        return isinstance(item, dict) and str(item.get(key, "")).startswith(_SHARED_URIS)

"""The views as an MCP Apps extension, and the middleware that shows them only to clients that negotiated it."""

from __future__ import annotations

from typing import Any

import anyio
from mcp.server.apps import Apps, ResourceCsp, client_supports_apps
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

from egoi_mcp.apps.pages import EVENTS, PREVIEW, REPORT, page
from egoi_mcp.apps.preview import PREVIEW_META, preview_document
from egoi_mcp.runtime import ACCOUNT, Runtime

REPORT_URI = "ui://egoi/campaign-report"
EVENTS_URI = "ui://egoi/event-stream"
PREVIEW_URI = "ui://egoi/email-preview"

VIEWS: dict[str, str] = {
    "egoi_get_campaign_report": REPORT_URI,
    "egoi_list_events": EVENTS_URI,
    "egoi_get_campaign": PREVIEW_URI,
    "egoi_create_email_campaign": PREVIEW_URI,
    "egoi_update_email_campaign": PREVIEW_URI,
}
"""Tool name -> the `ui://` view that renders its result."""

_NO_NETWORK = ResourceCsp(connect_domains=[], resource_domains=[], frame_domains=[], base_uri_domains=[])


def apps_extension() -> Apps:
    """The MCP Apps extension with both views; pass it to `MCPServer(extensions=[...])`."""
    apps = Apps()
    apps.add_html_resource(
        REPORT_URI,
        page(REPORT),
        name="campaign-report",
        title="Campaign report",
        description="The funnel, opens and clicks by day, bounces and top links of egoi_get_campaign_report",
        csp=_NO_NETWORK,
        prefers_border=True,
    )
    apps.add_html_resource(
        EVENTS_URI,
        page(EVENTS),
        name="event-stream",
        title="Event stream",
        description="Counts per trigger over time and the newest events of egoi_list_events",
        csp=_NO_NETWORK,
        prefers_border=True,
    )
    apps.add_html_resource(
        PREVIEW_URI,
        page(PREVIEW),
        name="email-preview",
        title="E-mail preview",
        description="A campaign's e-mail, inert, at desktop and phone widths, with its checklist (egoi_get_campaign)",
        csp=_NO_NETWORK,
        prefers_border=True,
    )
    return apps


async def show_views_to_apps_clients(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Server middleware: `tools/list` links the bound tools to their views for clients that negotiated MCP Apps;
    every other client's `resources/list` leaves the `ui://` views out, so it sees exactly what it saw without them.
    """
    result = await call_next(ctx)
    if ctx.method not in ("tools/list", "resources/list", "tools/call") or not isinstance(result, dict):
        return result
    negotiated = client_supports_apps(ctx)
    if ctx.method == "tools/call":
        return await _with_preview(ctx, result) if negotiated else result
    if ctx.method == "tools/list" and negotiated:
        return {**result, "tools": [_with_view(tool) for tool in result.get("tools", [])]}
    if ctx.method == "resources/list" and not negotiated:
        return {**result, "resources": [r for r in result.get("resources", []) if not _is_view(r)]}
    return result


def _with_view(tool: Any) -> Any:
    uri = VIEWS.get(str(tool.get("name"))) if isinstance(tool, dict) else None
    if uri is None:
        return tool
    meta = tool.get("_meta") or {}
    return {**tool, "_meta": {**meta, "ui": {**meta.get("ui", {}), "resourceUri": uri}}}


async def _with_preview(ctx: ServerRequestContext[Any, Any], result: dict[str, Any]) -> dict[str, Any]:
    """A campaign tool's result with, in `_meta`, the campaign's HTML as an inert document for the preview view
    (hosts hand `_meta` to the view, not to the model; content and structured result stay as they are). Written
    in a worker thread: a 1 MB e-mail takes about a quarter of a second to parse."""
    name = (ctx.params or {}).get("name")
    structured = result.get("structuredContent")
    rt = ACCOUNT.get() or ctx.lifespan_context  # hosted: the signed-in user's account wrote it
    if VIEWS.get(str(name)) != PREVIEW_URI or result.get("isError") or not isinstance(structured, dict):
        return result
    html = await rt.client.campaigns.written_html(str(structured.get("id"))) if isinstance(rt, Runtime) else None
    if html is None:
        return result
    document = await anyio.to_thread.run_sync(preview_document, html)
    return {**result, "_meta": {**(result.get("_meta") or {}), PREVIEW_META: {"document": document}}}


def _is_view(resource: Any) -> bool:
    return isinstance(resource, dict) and resource.get("uri") in VIEWS.values()

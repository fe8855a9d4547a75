"""MCP Apps views (`io.modelcontextprotocol/ui`): the campaign report and the event stream as `ui://` HTML.

Wiring, in `MCPServer(...)`:

    MCPServer(..., extensions=[apps_extension()], middleware=[show_views_to_apps_clients])

`apps_extension()` serves both views as `text/html;profile=mcp-app` resources and advertises the extension;
`show_views_to_apps_clients` links `egoi_get_campaign_report` and `egoi_list_events` to their views in
`tools/list` (`_meta.ui.resourceUri`) only for clients that negotiated MCP Apps, and hides the `ui://`
resources from every other client's `resources/list`. Tool results are never changed.
"""

from egoi_mcp.apps.views import EVENTS_URI, REPORT_URI, VIEWS, apps_extension, show_views_to_apps_clients

__all__ = ["EVENTS_URI", "REPORT_URI", "VIEWS", "apps_extension", "show_views_to_apps_clients"]

"""MCP Apps views (`io.modelcontextprotocol/ui`): the campaign report, the event stream and the e-mail preview as
`ui://` HTML.

Wiring, in `MCPServer(...)`:

    MCPServer(..., extensions=[apps_extension()], middleware=[show_views_to_apps_clients])

`apps_extension()` serves the views as `text/html;profile=mcp-app` resources and advertises the extension;
`show_views_to_apps_clients` links the campaign report, the events and the campaign tools to their views in
`tools/list` (`_meta.ui.resourceUri`) only for clients that negotiated MCP Apps, and hides the `ui://`
resources from every other client's `resources/list`. Tool results keep their content and structured result;
for an Apps client a campaign tool's result also carries the campaign as an inert document in `_meta` (the
preview view draws it; hosts do not hand `_meta` to the model).
"""

from egoi_mcp.apps.views import (
    EVENTS_URI,
    PREVIEW_URI,
    REPORT_URI,
    VIEWS,
    apps_extension,
    show_views_to_apps_clients,
)

__all__ = ["EVENTS_URI", "PREVIEW_URI", "REPORT_URI", "VIEWS", "apps_extension", "show_views_to_apps_clients"]

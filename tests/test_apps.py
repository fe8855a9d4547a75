"""MCP Apps views through a real MCP client, in both protocol eras: a client that negotiates
`io.modelcontextprotocol/ui` sees the views; any other client sees exactly what it saw without them."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client
from mcp.client.extension import advertise
from mcp.server import MCPServer
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from egoi_mcp.apps import EVENTS_URI, PREVIEW_URI, REPORT_URI, VIEWS, apps_extension, show_views_to_apps_clients
from egoi_mcp.apps.pages import EVENTS, PREVIEW, REPORT, page

pytestmark = pytest.mark.anyio

HOSTILE = '<script>alert(1)</script><img src=x onerror="window.__pwned=1">'

REPORT_RESULT: dict[str, Any] = {
    "campaign_id": "7f3a9c21e0",
    "name": "Black Friday: 30% off everything",
    "sent": 12480,
    "delivered": 12236,
    "opens": 6120,
    "unique_opens": 4674,
    "clicks": 1530,
    "unique_clicks": 1012,
    "hard_bounces": 148,
    "soft_bounces": 96,
    "unsubscribes": 37,
    "complaints": 3,
    "open_rate": 38.2,
    "click_rate": 8.3,
    "bounce_rate": 2.0,
    "top_links": [
        {"url": "https://shop.example.com/black-friday?utm_source=egoi&utm_medium=email", "clicks": 812},
        {"url": "https://shop.example.com/new-arrivals", "clicks": 344},
        {"url": "https://shop.example.com/gift-cards", "clicks": 201},
        {"url": "https://shop.example.com/account/preferences", "clicks": 96},
    ],
    "by_day": [
        {"date": "2026-11-20", "opens": 2410, "clicks": 622},
        {"date": "2026-11-21", "opens": 1380, "clicks": 390},
        {"date": "2026-11-22", "opens": 910, "clicks": 214},
        {"date": "2026-11-23", "opens": 640, "clicks": 141},
        {"date": "2026-11-24", "opens": 420, "clicks": 88},
        {"date": "2026-11-25", "opens": 230, "clicks": 51},
        {"date": "2026-11-26", "opens": 130, "clicks": 0},
    ],
    "summary": "Black Friday: 30% off everything: 12480 sent, 38.2% opened, 8.3% clicked, 2.0% bounced.",
}

_TRIGGERS = [
    ("email_opened", "open"), ("email_clicked", "click"), ("email_opened", "open"), ("new_subscriber", "subscribe"),
    ("email_opened", "open"), ("email_soft_bounced", "bounce"), ("email_clicked", "click"), ("email_opened", "open"),
    ("new_unsubscriber", "unsubscribe"), ("email_hard_bounced", "bounce"), ("email_sent", "send"), ("other", "x"),
]  # fmt: skip


def make_events(count: int, *, newest: datetime = datetime(2026, 11, 29, 11, 50, tzinfo=UTC)) -> list[dict[str, Any]]:
    """`count` events, newest first, over the ten hours before `newest`: a burst that thins out, as after a send."""
    events = []
    for i in range(count):
        trigger, action = _TRIGGERS[i % len(_TRIGGERS)]
        minutes = round(600 * (i / max(count, 1)) ** 1.6) + i % 3
        at = (newest - timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
        events.append(
            {
                "id": f"ev{1000 - i}",
                "trigger": trigger,
                "action": action,
                "list_id": 3,
                "contact_id": f"{i:010x}",
                "email": f"customer{i}@example.com",
                "campaign_id": "7f3a9c21e0" if trigger.startswith("email_") else None,
                "campaign_name": "Black Friday: 30% off everything" if trigger.startswith("email_") else None,
                "occurred_at": at if i % 5 else None,
                "received_at": at,
            }
        )
    return events


def events_result(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": events, "total": len(events), "next_cursor": None, "summary": f"{len(events)} events"}


def stand_in_server(*, with_apps: bool) -> MCPServer:
    """A small server with stand-ins for the two bound tools (the real tools' result shapes) and one unbound tool."""
    options: dict[str, Any] = (
        {"extensions": [apps_extension()], "middleware": [show_views_to_apps_clients]} if with_apps else {}
    )
    server = MCPServer("egoi-mcp", **options)

    @server.tool()
    def egoi_get_campaign_report(campaign_id: str) -> dict[str, Any]:
        """Campaign report."""
        return {**REPORT_RESULT, "campaign_id": campaign_id}

    @server.tool()
    def egoi_list_events(limit: int = 25) -> dict[str, Any]:
        """Webhook events, newest first."""
        return events_result(make_events(limit))

    @server.tool()
    def egoi_list_lists() -> dict[str, Any]:
        """Lists."""
        return {"items": [{"list_id": 3, "name": "Newsletter"}], "total": 1, "next_cursor": None}

    return server


def apps_client(server: MCPServer, mode: str) -> Client:
    """A client that negotiates MCP Apps, as Claude, ChatGPT or VS Code do."""
    return Client(server, mode=mode, extensions=[advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})])


@pytest.fixture(params=["auto", "legacy"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_client_that_negotiates_apps_sees_each_view_on_its_tool(mode: str) -> None:
    async with apps_client(stand_in_server(with_apps=True), mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert tools["egoi_get_campaign_report"].meta == {"ui": {"resourceUri": REPORT_URI}}
        assert tools["egoi_list_events"].meta == {"ui": {"resourceUri": EVENTS_URI}}
        assert tools["egoi_list_lists"].meta is None
        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        assert {REPORT_URI, EVENTS_URI} <= set(listed)
        assert {listed[uri].mime_type for uri in (REPORT_URI, EVENTS_URI)} == {APP_MIME_TYPE}
        for uri, view in ((REPORT_URI, REPORT), (EVENTS_URI, EVENTS)):
            (content,) = (await client.read_resource(uri)).contents
            assert content.mime_type == APP_MIME_TYPE
            assert content.text == page(view)  # type: ignore[union-attr]
            no_domains = {"connectDomains": [], "resourceDomains": [], "frameDomains": [], "baseUriDomains": []}
            assert content.meta == {"ui": {"csp": no_domains, "prefersBorder": True}}
        if mode == "auto":  # the 2026 era lists extensions in the server's capabilities; the SDK's 2025 era does not
            assert client.server_capabilities.extensions == {EXTENSION_ID: {}}
        result = await client.call_tool("egoi_get_campaign_report", {"campaign_id": "7f3a9c21e0"})
        assert result.structured_content == REPORT_RESULT


def _wire(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def _everything(client: Client) -> dict[str, Any]:
    return {
        "tools": _wire(await client.list_tools()),
        "resources": _wire(await client.list_resources()),
        "report": _wire(await client.call_tool("egoi_get_campaign_report", {"campaign_id": "7f3a9c21e0"})),
        "events": _wire(await client.call_tool("egoi_list_events", {"limit": 5})),
    }


async def test_a_client_that_does_not_negotiate_gets_exactly_what_it_got_without_apps(mode: str) -> None:
    async with Client(stand_in_server(with_apps=False), mode=mode) as client:
        before = await _everything(client)
    async with Client(stand_in_server(with_apps=True), mode=mode) as client:
        after = await _everything(client)
    assert after == before
    assert "ui://" not in str(after)
    assert after["report"]["structuredContent"] == REPORT_RESULT


async def test_the_views_change_no_tool_result(mode: str) -> None:
    async with Client(stand_in_server(with_apps=False), mode=mode) as client:
        plain = _wire(await client.call_tool("egoi_list_events", {"limit": 7}))
    async with apps_client(stand_in_server(with_apps=True), mode) as client:
        with_views = _wire(await client.call_tool("egoi_list_events", {"limit": 7}))
    assert with_views == plain


async def test_a_client_advertising_apps_without_the_html_mime_type_is_not_shown_views(mode: str) -> None:
    client = Client(stand_in_server(with_apps=True), mode=mode, extensions=[advertise(EXTENSION_ID, {})])
    async with client:
        tools = (await client.list_tools()).tools
        assert all(t.meta is None for t in tools)
        assert not [r for r in (await client.list_resources()).resources if str(r.uri).startswith("ui://")]


# ---- the HTML itself ---------------------------------------------------------------------------------------------


def _inline(html: str, tag: str) -> str:
    (code,) = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)
    return code


def _hash(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("view", [REPORT, EVENTS, PREVIEW])
def test_each_view_is_one_small_self_contained_document_with_a_strict_csp(view: str) -> None:
    html = page(view)
    assert len(html.encode()) < 60 * 1024
    assert html.startswith("<!DOCTYPE html>")
    (csp,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'none'"
    assert directives["script-src"] == _hash(_inline(html, "script"))  # only the page's own script runs
    if view == PREVIEW:  # the e-mail's frame inherits the policy, and e-mails are styled inline; styles fetch nothing
        assert directives["style-src"] == "'unsafe-inline'" and directives["img-src"] == "data:"
    else:
        assert directives["style-src"] == _hash(_inline(html, "style"))
        assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp and "unsafe-inline" not in directives["script-src"]
    # Nothing is fetched, and data only ever enters the page as text.
    assert not re.search(r"\b(src|href)=", html.replace(csp, ""))
    assert not re.search(r"https?://", html)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in html


def test_every_bound_tool_has_a_view() -> None:
    assert VIEWS == {
        "egoi_get_campaign_report": REPORT_URI,
        "egoi_list_events": EVENTS_URI,
        "egoi_get_campaign": PREVIEW_URI,
        "egoi_create_email_campaign": PREVIEW_URI,
        "egoi_update_email_campaign": PREVIEW_URI,
    }
    assert {binding.resource.uri for binding in apps_extension().resources()} == {REPORT_URI, EVENTS_URI, PREVIEW_URI}


def test_an_unknown_view_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown view 'chart'"):
        page("chart")

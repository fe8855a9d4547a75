"""The MCP Apps views rendered in headless Chromium, inside a host page that speaks the host side of the MCP Apps
protocol (ui/initialize, tool input and result, host context, size changes). The HTML and the tool results come
through a real MCP client from a server that serves the views.

Needs Debian's `chromium` (CI installs it); without it these tests fail and say so, they never skip.
`python -m tests.test_apps_browser` writes the screenshots in docs/.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.test_apps import (
    HOSTILE,
    REPORT_RESULT,
    apps_client,
    events_result,
    make_events,
    stand_in_server,
)

pytestmark = pytest.mark.anyio

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WIDTH = 400

HOST_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"></head>
<body style="margin:0;background:#777">
<iframe id="view" sandbox="allow-scripts" style="border:0;width:WIDTHpx;height:120px;display:block"></iframe>
<script>
  const frame = document.getElementById("view");
  window.received = [];
  window.hostContext = {};
  let ready;
  window.initialized = new Promise((resolve) => { ready = resolve; });
  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow) return;
    const msg = event.data;
    window.received.push(msg);
    if (msg.method === "ui/initialize") {
      frame.contentWindow.postMessage({ jsonrpc: "2.0", id: msg.id, result: {
        protocolVersion: "2026-01-26",
        hostInfo: { name: "egoi-test-host", version: "1.0.0" },
        hostCapabilities: {},
        hostContext: window.hostContext,
      } }, "*");
    } else if (msg.method === "ui/notifications/initialized") {
      ready();
    } else if (msg.method === "ui/notifications/size-changed") {
      frame.style.height = msg.params.height + "px";
    }
  });
  window.send = (method, params) => frame.contentWindow.postMessage({ jsonrpc: "2.0", method, params }, "*");
  window.request = (id, method, params) => frame.contentWindow.postMessage({ jsonrpc: "2.0", id, method, params }, "*");
  window.load = (html, context) => { window.hostContext = context; frame.srcdoc = html; };
</script>
</body></html>""".replace("WIDTH", str(WIDTH))


def find_chromium() -> str:
    """Debian's chromium, or the one $CHROMIUM names. No browser is ever downloaded."""
    named = os.environ.get("CHROMIUM")
    for candidate in ([named] if named else []) + ["chromium", "chromium-browser", "google-chrome"]:
        path = shutil.which(candidate)
        if path:
            return path
    pytest.fail(
        "No Chromium found: the MCP Apps views are tested in a real browser. "
        "Install Debian's package (apt-get install -y chromium) or set CHROMIUM=/path/to/chromium. "
        "CI (.ci/run) installs it; these tests never skip."
    )


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    executable = find_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


class Host:
    """One host page with one view loaded in a sandboxed iframe."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.view = page.frame_locator("#view")
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    async def send(self, method: str, params: dict[str, Any]) -> None:
        await self.page.evaluate("([m, p]) => send(m, p)", [method, params])

    async def received(self) -> list[dict[str, Any]]:
        return list(await self.page.evaluate("window.received"))

    async def frame_eval(self, expression: str) -> Any:
        frame = self.page.frame_locator("#view").owner
        handle = await frame.element_handle()
        content = await handle.content_frame()
        return await content.evaluate(expression)


async def tool_call(tool: str, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The view's HTML and one tool result, as a host gets them: through a real MCP client that negotiated Apps."""
    async with apps_client(stand_in_server(with_apps=True), "legacy") as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        uri = listed[tool].meta["ui"]["resourceUri"]  # type: ignore[index]
        (content,) = (await client.read_resource(uri)).contents
        result = await client.call_tool(tool, arguments)
    return content.text, result.model_dump(mode="json", by_alias=True, exclude_none=True)  # type: ignore[union-attr]


def with_structured(result: dict[str, Any], structured: dict[str, Any]) -> dict[str, Any]:
    return {**result, "structuredContent": structured, "content": [{"type": "text", "text": json.dumps(structured)}]}


async def open_view(
    browser: Any, html: str, *, theme: str | None = "light", scheme: str = "light", width: int = WIDTH
) -> Host:
    context = await browser.new_context(
        viewport={"width": width, "height": 2000}, color_scheme=scheme, device_scale_factor=2
    )
    page = await context.new_page()
    host = Host(page)
    await page.set_content(HOST_PAGE)
    host_context: dict[str, Any] = {"locale": "en-US", "timeZone": "UTC", "displayMode": "inline"}
    if theme:
        host_context["theme"] = theme
    await page.evaluate("([html, ctx]) => load(html, ctx)", [html, host_context])
    await page.evaluate("window.initialized")
    return host


async def show_result(host: Host, arguments: dict[str, Any], result: dict[str, Any], ready: str) -> None:
    await host.send("ui/notifications/tool-input", {"arguments": arguments})
    await host.send("ui/notifications/tool-result", result)
    await host.view.locator(ready).first.wait_for()


async def report_host(browser: Any, structured: dict[str, Any] | None = None, **options: Any) -> Host:
    html, result = await tool_call("egoi_get_campaign_report", {"campaign_id": "7f3a9c21e0"})
    host = await open_view(browser, html, **options)
    if structured is not None:
        result = with_structured(result, structured)
    await show_result(host, {"campaign_id": "7f3a9c21e0"}, result, "[data-funnel=clicked]")
    return host


async def events_host(browser: Any, limit: int = 40, **options: Any) -> tuple[Host, dict[str, Any]]:
    html, result = await tool_call("egoi_list_events", {"limit": limit})
    host = await open_view(browser, html, **options)
    await show_result(host, {"limit": limit}, result, ".event")
    return host, result


async def background(host: Host) -> tuple[int, ...]:
    rgb = await host.view.locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
    return tuple(int(x) for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])


# ---- the protocol ------------------------------------------------------------------------------------------------


async def test_the_view_initializes_then_reports_its_size(browser: Any) -> None:
    host = await report_host(browser)
    messages = await host.received()
    init = messages[0]
    assert init["method"] == "ui/initialize" and init["params"]["protocolVersion"] == "2026-01-26"
    assert init["params"]["appInfo"]["name"] == "egoi-campaign-report"
    assert messages[1] == {"jsonrpc": "2.0", "method": "ui/notifications/initialized", "params": {}}
    sizes = [m["params"] for m in messages if m.get("method") == "ui/notifications/size-changed"]
    assert sizes and sizes[-1]["width"] == WIDTH and sizes[-1]["height"] > 600
    await host.page.evaluate("request(7, 'ui/resource-teardown', {reason: 'closed'})")
    await host.page.wait_for_function("window.received.some(m => m.id === 7)")
    assert {"jsonrpc": "2.0", "id": 7, "result": {}} in await host.received()
    assert host.errors == []


# ---- the campaign report -----------------------------------------------------------------------------------------


async def test_the_funnel_shows_the_tools_numbers_as_text(browser: Any) -> None:
    host = await report_host(browser)
    view = host.view
    expected = {"sent": "12,480", "delivered": "12,236", "opened": "4,674", "clicked": "1,012"}
    for step, text in expected.items():
        assert await view.locator(f"[data-funnel={step}] .value").text_content() == text
    assert await view.locator("[data-funnel=opened] .rate").text_content() == "38.2%"
    assert await view.locator("[data-funnel=clicked] .rate").text_content() == "8.3%"
    assert await view.locator("[data-funnel=delivered] .rate").text_content() == "98.0%"
    assert await view.locator("[data-stat=hard_bounces] .stat-value").text_content() == "148"
    assert await view.locator("[data-stat=soft_bounces] .stat-value").text_content() == "96"
    assert await view.locator("[data-stat=bounce_rate] .stat-value").text_content() == "2.0%"
    assert await view.locator("[data-stat=unsubscribes] .stat-value").text_content() == "37"
    assert await view.locator("[data-stat=complaints] .stat-value").text_content() == "3"
    links = await view.locator(".link .url").all_text_contents()
    assert links == [link["url"] for link in REPORT_RESULT["top_links"]]
    assert await view.locator(".link .value").all_text_contents() == ["812", "344", "201", "96"]
    assert host.errors == []


async def test_one_bar_per_day_with_heights_proportional_to_the_values(browser: Any) -> None:
    host = await report_host(browser)
    days = REPORT_RESULT["by_day"]
    columns = host.view.locator(".chart .col")
    assert await columns.count() == len(days)
    assert [await c.get_attribute("data-key") for c in await columns.all()] == [d["date"] for d in days]
    tallest = max(max(d["opens"], d["clicks"]) for d in days)
    full = await host.view.locator(".chart").evaluate("c => c.getBoundingClientRect().height")
    for series in ("opens", "clicks"):
        bars = host.view.locator(f".chart .bar[data-series={series}]")
        heights = [await b.evaluate("b => b.getBoundingClientRect().height") for b in await bars.all()]
        assert len(heights) == len(days)
        for height, day in zip(heights, days, strict=True):
            assert height == pytest.approx(day[series] / tallest * full, abs=0.51)
    assert full == 128


async def test_a_hostile_campaign_name_link_and_summary_are_shown_as_text_and_never_run(browser: Any) -> None:
    hostile = {
        **REPORT_RESULT,
        "name": HOSTILE,
        "summary": HOSTILE,
        "top_links": [{"url": HOSTILE, "clicks": 5}],
    }
    host = await report_host(browser, hostile)
    assert await host.view.locator("h1.name").text_content() == HOSTILE
    assert await host.view.locator(".summary").text_content() == HOSTILE
    assert await host.view.locator(".link .url").text_content() == HOSTILE
    assert await host.view.locator("img").count() == 0
    assert await host.view.locator("script").count() == 1  # the view's own
    assert await host.frame_eval("window.__pwned") is None
    assert host.errors == []


async def test_a_tool_error_is_shown_as_text(browser: Any) -> None:
    html, _ = await tool_call("egoi_get_campaign_report", {"campaign_id": "7f3a9c21e0"})
    host = await open_view(browser, html)
    error = {"content": [{"type": "text", "text": "E-goi says: " + HOSTILE}], "isError": True}
    await host.send("ui/notifications/tool-result", error)
    await host.view.locator(".error").wait_for()
    assert await host.view.locator(".error").text_content() == "E-goi says: " + HOSTILE
    assert await host.view.locator("img").count() == 0


# ---- dark mode ---------------------------------------------------------------------------------------------------


def _is_dark(rgb: tuple[int, ...]) -> bool:
    return sum(rgb) / 3 < 60


async def test_dark_mode_from_the_hosts_theme_and_its_changes(browser: Any) -> None:
    host = await report_host(browser, theme="dark", scheme="light")
    assert _is_dark(await background(host))
    await host.send("ui/notifications/host-context-changed", {"theme": "light"})
    await host.view.locator("html[data-theme=light]").wait_for()
    assert not _is_dark(await background(host))
    assert await host.view.locator("[data-funnel=sent] .value").text_content() == "12,480"


async def test_dark_mode_from_prefers_color_scheme_when_the_host_sends_no_theme(browser: Any) -> None:
    dark = await report_host(browser, theme=None, scheme="dark")
    light = await report_host(browser, theme=None, scheme="light")
    assert _is_dark(await background(dark))
    assert not _is_dark(await background(light))


async def test_the_hosts_style_variables_win(browser: Any) -> None:
    host = await report_host(browser)
    await host.send(
        "ui/notifications/host-context-changed",
        {"styles": {"variables": {"--color-background-primary": "rgb(1, 2, 3)", "bad name": "red"}}},
    )
    await host.view.locator("body").evaluate("b => new Promise(r => requestAnimationFrame(r))")
    assert await background(host) == (1, 2, 3)


# ---- the event stream --------------------------------------------------------------------------------------------


def _counts(events: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for event in events:
        counts[event["trigger"]] = counts.get(event["trigger"], 0) + 1
    return counts


async def test_the_event_view_counts_each_trigger_and_lists_the_newest_first(browser: Any) -> None:
    host, result = await events_host(browser, limit=40)
    events = result["structuredContent"]["items"]
    chips = host.view.locator(".chip")
    shown = {
        await c.get_attribute("data-trigger"): await c.locator(".chip-count").text_content() for c in await chips.all()
    }
    assert shown == {trigger: str(n) for trigger, n in _counts(events).items()}
    rows = host.view.locator(".event")
    assert await rows.count() == 15
    assert await rows.first.get_attribute("data-id") == events[0]["id"]
    assert await rows.first.locator(".email").text_content() == events[0]["email"]
    assert await host.view.locator("h2").all_text_contents() == ["By hour", "Newest"]
    assert host.errors == []


async def test_the_event_timeline_stacks_every_event_into_its_hour(browser: Any) -> None:
    host, result = await events_host(browser, limit=40)
    events = result["structuredContent"]["items"]
    hour_of = [datetime.fromisoformat(e["occurred_at"] or e["received_at"]).replace(minute=0, second=0) for e in events]
    first, last = min(hour_of), max(hour_of)
    hours = [first + timedelta(hours=h) for h in range(int((last - first) / timedelta(hours=1)) + 1)]
    columns = await host.view.locator(".chart .col").all()
    assert [datetime.fromisoformat(str(await c.get_attribute("data-key"))) for c in columns] == hours
    per_trigger: dict[str, int] = {}
    for bar in await host.view.locator(".chart .bar").all():
        trigger = str(await bar.get_attribute("data-series"))
        per_trigger[trigger] = per_trigger.get(trigger, 0) + int(str(await bar.get_attribute("data-value")))
    assert per_trigger == _counts(events)
    full = await host.view.locator(".chart").evaluate("c => c.getBoundingClientRect().height")
    totals = [hour_of.count(hour) for hour in hours]
    for column, total in zip(columns, totals, strict=True):
        height = await column.locator(".bar").evaluate_all(
            "bars => bars.reduce((sum, b) => sum + b.getBoundingClientRect().height, 0)"
        )
        assert height == pytest.approx(total / max(totals) * full, abs=1)


async def test_the_event_view_redraws_when_the_host_sends_a_new_result(browser: Any) -> None:
    host, _ = await events_host(browser, limit=6)
    assert await host.view.locator("[data-shown]").get_attribute("data-shown") == "6"
    newer = events_result(make_events(30))
    newer["items"][0] = {**newer["items"][0], "campaign_name": HOSTILE, "email": HOSTILE, "trigger": "email_clicked"}
    await host.send("ui/notifications/tool-result", {"content": [], "structuredContent": newer})
    await host.view.locator("[data-shown='30']").wait_for()
    first = host.view.locator(".event").first
    assert await first.locator(".email").text_content() == HOSTILE
    assert (await first.locator(".what").text_content() or "").startswith(HOSTILE)
    assert await host.view.locator("img").count() == 0
    assert await host.frame_eval("window.__pwned") is None


async def test_the_event_view_says_which_events_the_tool_was_asked_for(browser: Any) -> None:
    html, result = await tool_call("egoi_list_events", {"limit": 5})
    host = await open_view(browser, html)
    await show_result(host, {"limit": 5, "list_id": 3, "trigger": "email_opened", "email": HOSTILE}, result, ".event")
    assert await host.view.locator("[data-shown]").text_content() == f"5 events · list 3 · opened · {HOSTILE}"


async def test_events_over_several_days_are_drawn_by_day(browser: Any) -> None:
    html, _ = await tool_call("egoi_list_events", {"limit": 3})
    host = await open_view(browser, html, theme="dark")
    events = [
        {**e, "occurred_at": None, "received_at": f"2026-11-{20 + i % 5:02d}T10:00:00Z"}
        for i, e in enumerate(make_events(20))
    ]
    await show_result(host, {}, {"content": [], "structuredContent": events_result(events)}, ".event")
    assert await host.view.locator("h2").first.text_content() == "By day"
    assert await host.view.locator(".chart .col").count() == 5


async def test_no_events_yet_says_so(browser: Any) -> None:
    html, _ = await tool_call("egoi_list_events", {"limit": 1})
    host = await open_view(browser, html)
    await host.send("ui/notifications/tool-result", {"content": [], "structuredContent": events_result([])})
    await host.view.locator(".note").wait_for()
    assert "No events yet" in (await host.view.locator(".note").text_content() or "")


# ---- screenshots -------------------------------------------------------------------------------------------------


async def screenshots(browser: Any, directory: Path) -> list[Path]:
    """The two views, light and dark, at 400 px wide: what docs/ and the README show."""
    written = []
    for theme in ("light", "dark"):
        report = await report_host(browser, theme=theme, scheme=theme)
        events, _ = await events_host(browser, limit=40, theme=theme, scheme=theme)
        for name, host in (("report", report), ("events", events)):
            path = directory / f"{name}-{theme}.png"
            await host.page.locator("#view").screenshot(path=str(path))
            written.append(path)
    return written


async def test_screenshots_of_both_views_in_both_themes(browser: Any, tmp_path: Path) -> None:
    paths = await screenshots(browser, tmp_path)
    assert [p.name for p in paths] == ["report-light.png", "events-light.png", "report-dark.png", "events-dark.png"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def _write_docs() -> None:
    from playwright.async_api import async_playwright

    docs = Path(__file__).resolve().parents[1] / "docs"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
        for path in await screenshots(launched, docs):
            print(path)
        await launched.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(_write_docs()))


# ---- defence in depth: the page's CSP, and no network --------------------------------------------------------------


async def test_the_csp_blocks_injected_scripts_and_any_network_even_if_escaping_failed(browser: Any) -> None:
    host = await report_host(browser)
    requests: list[str] = []
    host.page.on("request", lambda request: requests.append(request.url))
    async with host.page.expect_event("requestfailed") as blocked:
        outcome = await host.frame_eval(
            """async () => {
                const violated = [];
                document.addEventListener("securitypolicyviolation", (e) => violated.push(e.effectiveDirective));
                const injected = document.createElement("script");
                injected.textContent = "window.__pwned = 1";
                document.body.append(injected);
                const holder = document.createElement("div");
                holder.innerHTML = '<img src="http://127.0.0.1:9/x.png" onerror="window.__pwned = 2">';
                document.body.append(holder);
                try { await fetch("http://127.0.0.1:9/leak"); } catch (error) {}
                const expected = ["connect-src", "img-src", "script-src-attr", "script-src-elem"];
                while (!expected.every((d) => violated.includes(d))) {
                    await new Promise((resolve) => setTimeout(resolve, 10));  // the reports are dispatched as tasks
                }
                return { pwned: window.__pwned ?? null, violated: [...new Set(violated)].sort() };
            }"""
        )
    assert outcome == {"pwned": None, "violated": ["connect-src", "img-src", "script-src-attr", "script-src-elem"]}
    image = await blocked.value
    assert (image.url, image.failure) == ("http://127.0.0.1:9/x.png", "csp")
    assert requests == [image.url]  # the fetch never reached the network stack; the image was stopped by the CSP


async def test_events_as_the_store_lists_them_render(browser: Any, store: Any) -> None:
    from egoi_mcp.webhooks import parse_delivery

    deliveries = [
        {"action": "email_open", "list_id": 3, "contact_id": f"{n:010x}", "email": f"reader{n}@example.com",
         "campaign_hash": "7f3a9c21e0", "event_date": f"2026-11-29 {8 + n // 4:02d}:{n % 4 * 15:02d}:00"}
        for n in range(12)
    ] + [
        {"action": "subscription", "list_id": 3, "contact_id": "00000000ff", "email": "new@example.com"},
        {"action": "email_hard_bounce", "list_id": 3, "contact_id": "00000000fe", "email": "gone@example.com",
         "campaign_hash": "7f3a9c21e0", "event_date": "2026-11-29 09:05:00"},
    ]  # fmt: skip
    for delivery in deliveries:
        raw = json.dumps(delivery).encode()
        await store.add(raw, parse_delivery(raw, "application/json"))
    listed = (await store.list(limit=50)).model_dump(mode="json")
    html, _ = await tool_call("egoi_list_events", {"limit": 1})
    host = await open_view(browser, html)
    await show_result(host, {}, {"content": [], "structuredContent": listed}, ".event")
    chips = {
        await c.get_attribute("data-trigger"): await c.get_attribute("data-count")
        for c in await host.view.locator(".chip").all()
    }
    assert chips == {"email_opened": "12", "new_subscriber": "1", "email_hard_bounced": "1"}
    assert await host.view.locator(".event").count() == len(deliveries)
    assert host.errors == []


def test_without_chromium_the_browser_tests_fail_and_say_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CHROMIUM", raising=False)
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install -y chromium"):
        find_chromium()

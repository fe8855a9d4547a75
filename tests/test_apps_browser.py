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
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.test_apps import (
    apps_client,
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


@asynccontextmanager
async def launched_browser() -> AsyncIterator[Any]:
    """Headless Chromium, driven by Playwright."""
    executable = find_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with launched_browser() as launched:
        yield launched


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


def test_without_chromium_the_browser_tests_fail_and_say_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CHROMIUM", raising=False)
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install -y chromium"):
        find_chromium()


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
    docs = Path(__file__).resolve().parents[1] / "docs"
    async with launched_browser() as launched:
        for path in await screenshots(launched, docs):
            print(path)


if __name__ == "__main__":
    sys.exit(asyncio.run(_write_docs()))

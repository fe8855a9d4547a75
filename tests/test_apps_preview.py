"""The e-mail preview view (`ui://egoi/email-preview`) in headless Chromium: a campaign written through the real
server (sandbox) and read back with egoi_get_campaign by a client that negotiated MCP Apps, drawn by the view at
desktop and phone widths with its checklist; hostile HTML runs nothing and loads nothing. The harness (a host page
speaking the host side of MCP Apps) is test_apps_browser.py's.

`python -m tests.test_apps_preview` writes docs/email-preview-{desktop,phone}.png.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from egoi_mcp.apps import PREVIEW_URI
from egoi_mcp.server import build_server
from tests.conftest import every_tool, make_settings
from tests.test_apps import apps_client
from tests.test_apps_browser import WIDTH, Host, launched_browser, open_view, show_result
from tests.test_apps_layout import assert_fits

pytestmark = pytest.mark.anyio

NEWSLETTER = """<html><head><style>
body { margin: 0; font-family: Helvetica, Arial, sans-serif; color: #1f2430; }
.wrap { max-width: 600px; margin: 0 auto; background: #ffffff; }
.hero { background: #0f4c81; color: #ffffff; padding: 28px 24px; }
.hero h1 { margin: 0 0 6px; font-size: 26px; }
.body { padding: 20px 24px; font-size: 15px; line-height: 1.5; }
.button { display: inline-block; background: #e4572e; color: #ffffff; padding: 10px 18px; border-radius: 4px; }
.foot { padding: 16px 24px; font-size: 12px; color: #6b7280; background: #f3f4f6; }
@media (max-width: 480px) { .hero h1 { font-size: 21px; } .body { padding: 16px; } }
</style></head><body><div class="wrap">
<div class="hero"><h1>June at Acme</h1><p>Summer arrivals, 20% off for subscribers</p></div>
<div class="body"><img src="https://cdn.acme.example/summer.jpg" width="552" height="180" alt="Summer collection">
<p>Hello! Our summer collection is in: linen shirts, sandals and the beach bags you asked for.</p>
<p><a class="button" href="https://acme.example/summer?utm_source=egoi">Shop the collection</a></p>
<img src="https://cdn.acme.example/bags.jpg" width="260" height="120">
<p>Questions? Reply to this e-mail or see <a href="https://acme.example/help">our help pages</a>.</p></div>
<div class="foot">Acme Ltd, Rua Augusta 1, Lisboa.
<a href="https://acme.example/unsubscribe?c=june">Unsubscribe</a></div></div></body></html>"""

HOSTILE = """<html><head><meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/refreshed">
<base href="http://127.0.0.1:9/"><link rel="stylesheet" href="http://127.0.0.1:9/style.css">
<style>@import url("http://127.0.0.1:9/import.css"); .x { background: url(http://127.0.0.1:9/bg.png) }
.y { background: u\\72l(http://127.0.0.1:9/escaped.png) } p { color: #222 }</style></head><body>
<script>window.top.postMessage({pwned: "script"}, "*"); fetch("http://127.0.0.1:9/leak");</script>
<img src="http://127.0.0.1:9/remote.png" onerror="window.top.postMessage({pwned: 'onerror'}, '*')">
<img src="x" onerror="window.top.postMessage({pwned: 'onerror2'}, '*')" alt="">
<div class="x" style="background-image: url('http://127.0.0.1:9/inline.png')">styled</div>
<form action="http://127.0.0.1:9/post" method="post"><input name="q" value="secret"><button>Send</button></form>
<iframe src="http://127.0.0.1:9/frame"></iframe><object data="http://127.0.0.1:9/object"></object>
<svg><image href="http://127.0.0.1:9/svg.png"/></svg><video poster="http://127.0.0.1:9/poster.png"></video>
<table background="http://127.0.0.1:9/table.png"><tr><td>cell</td></tr></table>
<a href="javascript:window.top.postMessage({pwned: 'link'}, '*')" onclick="window.top.postMessage({pwned: 'click'}, '*')">Click me</a>
<p onmouseover="window.top.postMessage({pwned: 'hover'}, '*')">Unsubscribe at <a href="https://acme.example/unsubscribe">this link</a></p>
</body></html>"""  # noqa: E501


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with launched_browser() as launched:
        yield launched


async def preview_call(
    tmp_path: Path, html: str, subject: str = "June at Acme"
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The view's HTML, and egoi_get_campaign's arguments and result for a campaign created from `html`, as a
    host gets them: through a real MCP client that negotiated Apps, on the sandbox."""
    server = build_server(make_settings(tmp_path))
    async with apps_client(server.mcp, "legacy") as client:
        created = await client.call_tool(
            "egoi_create_email_campaign",
            {"list_id": 1, "subject": subject, "sender": "news@acme.example", "html": html},
        )
        assert not created.is_error, created.content
        listed = {t.name: t for t in await every_tool(client)}
        assert listed["egoi_get_campaign"].meta == {"ui": {"resourceUri": PREVIEW_URI}}
        (view,) = (await client.read_resource(PREVIEW_URI)).contents
        arguments = {"campaign_id": created.structured_content["id"]}  # type: ignore[index]
        result = await client.call_tool("egoi_get_campaign", arguments)
    return view.text, arguments, result.model_dump(mode="json", by_alias=True, exclude_none=True)  # type: ignore[union-attr]


async def preview_host(
    browser: Any, tmp_path: Path, html: str, width: int = 1000, subject: str = "June at Acme"
) -> tuple[Host, list[str]]:
    """The preview drawn in a host frame `width` px wide; and every network request the page makes from then on."""
    view, arguments, result = await preview_call(tmp_path, html, subject)
    host = await open_view(browser, view, width=width + 40)
    requests: list[str] = []
    host.page.on("request", lambda request: requests.append(request.url))
    await host.page.evaluate(
        """(w) => {
            document.getElementById('view').style.width = w + 'px';
            window.pwned = [];  // anything a script in the e-mail manages to post to the top window
            window.addEventListener('message', (e) => { if (e.data && e.data.pwned) window.pwned.push(e.data.pwned); });
        }""",
        width,
    )
    await show_result(host, arguments, result, "#email")
    await email_frame(host)
    return host, requests


async def email_frame(host: Host) -> Any:
    """The nested frame holding the e-mail, once its document has loaded."""
    handle = await host.view.locator("#email").element_handle()
    frame = await handle.content_frame()
    assert frame is not None
    await frame.wait_for_load_state("load")
    return frame


async def device_width(host: Host) -> int:
    return int(await host.frame_eval("document.querySelector('#email').getBoundingClientRect().width"))


async def test_the_preview_shows_subject_sender_checklist_and_the_email_at_both_widths(
    browser: Any, tmp_path: Path
) -> None:
    host, requests = await preview_host(browser, tmp_path, NEWSLETTER)
    view = host.view
    assert await view.locator("h1.subject").text_content() == "June at Acme"
    assert "news@acme.example" in (await view.locator(".sub").text_content() or "")
    checks = view.locator("[data-check]")
    assert [await c.get_attribute("data-ok") for c in await checks.all()] == ["true", "false", "true", "true"]
    assert "1 of 2 image(s) without alt text" in (await checks.nth(1).text_content() or "")
    assert await view.locator(".links li").all_text_contents() == [
        "https://acme.example/summer?utm_source=egoi",
        "https://acme.example/help",
        "https://acme.example/unsubscribe?c=june",
    ]
    email = await email_frame(host)
    assert await email.evaluate("document.querySelector('.hero h1').textContent") == "June at Acme"
    assert await email.evaluate("getComputedStyle(document.querySelector('.hero')).backgroundColor") == (
        "rgb(15, 76, 129)"
    ), "the e-mail's own styles apply"
    placeholders = await email.evaluate("[...document.querySelectorAll('.egoi-image')].map(e => e.textContent)")
    assert placeholders == ["image: Summer collection", "image (no alt text)"]
    assert await email.evaluate("document.images.length") == 0
    assert await device_width(host) == 600
    await view.locator("button[data-width=phone]").click()
    assert await device_width(host) == 375
    assert await email.evaluate("innerWidth") == 375, "the e-mail lays out at the phone's width"
    await view.locator("button[data-width=desktop]").click()
    assert await device_width(host) == 600
    assert requests == [], "nothing is fetched"
    assert host.errors == []


async def test_hostile_html_runs_nothing_and_loads_nothing(browser: Any, tmp_path: Path) -> None:
    host, requests = await preview_host(browser, tmp_path, HOSTILE)
    email = await email_frame(host)
    found = await email.evaluate(
        """() => ({
            url: location.href,
            scripts: document.scripts.length, images: document.images.length, forms: document.forms.length,
            frames: document.querySelectorAll(
                'iframe, object, embed, svg, video, meta[http-equiv=refresh], base, link').length,
            hrefs: document.querySelectorAll('[href], [src], [action], [background], [poster]').length,
            handlers: [...document.querySelectorAll('*')].flatMap(e => e.getAttributeNames())
                .filter(n => n.startsWith('on')),
            styled: document.querySelector('div').getAttribute('style'),
        })"""
    )
    assert found == {
        "url": "about:srcdoc", "scripts": 0, "images": 0, "forms": 0, "frames": 0, "hrefs": 0, "handlers": [],
        "styled": None,
    }  # fmt: skip
    await host.view.frame_locator("#email").locator("a", has_text="Click me").click()
    await host.view.frame_locator("#email").locator("p", has_text="Unsubscribe at").hover()
    assert await email.evaluate("location.href") == "about:srcdoc", "a click navigates nowhere"
    assert await host.page.evaluate("window.pwned") == [], "no script ran"
    assert await host.frame_eval("window.__pwned") is None
    checks = await host.view.locator("[data-check]").all_text_contents()
    assert any("unsubscribe link" in c for c in checks) and any("2 of 2 image(s) without alt text" in c for c in checks)
    assert requests == [], "not one request left the page"
    assert host.errors == []


async def test_long_unicode_text_and_a_desktop_email_fit_a_400_px_frame(browser: Any, tmp_path: Path) -> None:
    subject = "Promoção de verão 🌞 " * 8 + "שלום עולם " * 4
    link = "https://acme.example/" + "a-very-long-path-segment/" * 12 + "?utm_source=egoi"
    host, requests = await preview_host(
        browser, tmp_path, NEWSLETTER.replace("https://acme.example/help", link), width=WIDTH, subject=subject
    )
    assert await host.view.locator("h1.subject").text_content() == subject.strip()
    await assert_fits(host)
    scaled = await host.frame_eval("document.querySelector('.device').getBoundingClientRect().width")
    assert round(scaled) <= WIDTH - 32, "the 600 px e-mail is scaled down to the frame, not cut"
    assert await (await email_frame(host)).evaluate("innerWidth") == 600, "and still laid out at 600 px"
    assert requests == []


async def test_a_campaign_not_written_here_says_why_there_is_no_preview(browser: Any, tmp_path: Path) -> None:
    server = build_server(make_settings(tmp_path))
    async with apps_client(server.mcp, "legacy") as client:
        sandbox = server.current().sandbox
        assert sandbox is not None
        campaign = next(c for c in sandbox.campaigns.values() if c.status == "draft")
        (view,) = (await client.read_resource(PREVIEW_URI)).contents
        arguments = {"campaign_id": campaign.campaign_hash}
        result = await client.call_tool("egoi_get_campaign", arguments)
    assert result.meta is None or "io.egoi-mcp/preview" not in result.meta
    host = await open_view(browser, view.text)  # type: ignore[union-attr]
    await show_result(host, arguments, result.model_dump(mode="json", by_alias=True, exclude_none=True), ".note")
    assert "not written through this server" in " ".join(await host.view.locator(".note").all_text_contents())
    assert await host.view.locator("iframe").count() == 0
    assert host.errors == []


# ---- screenshots -------------------------------------------------------------------------------------------------


async def screenshots(browser: Any, directory: Path, scratch: Path) -> list[Path]:
    """The newsletter in the preview at desktop (a 1000 px host frame) and phone (700 px) widths."""
    written = []
    for name, width in (("desktop", 1000), ("phone", 700)):
        (scratch / name).mkdir()
        host, _ = await preview_host(browser, scratch / name, NEWSLETTER, width=width)
        if name == "phone":
            await host.view.locator("button[data-width=phone]").click()
        path = directory / f"email-preview-{name}.png"
        await host.page.locator("#view").screenshot(path=str(path))
        written.append(path)
    return written


async def test_screenshots_at_both_widths(browser: Any, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    paths = await screenshots(browser, tmp_path / "docs", tmp_path)
    assert [p.name for p in paths] == ["email-preview-desktop.png", "email-preview-phone.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)


async def _write_docs() -> None:
    import tempfile

    docs = Path(__file__).resolve().parents[1] / "docs"
    with tempfile.TemporaryDirectory() as scratch:
        async with launched_browser() as launched:
            for path in await screenshots(launched, docs, Path(scratch)):
                print(path)


if __name__ == "__main__":
    sys.exit(asyncio.run(_write_docs()))

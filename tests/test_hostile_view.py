"""Text written by strangers stays data in the MCP Apps views too (issue 18): a campaign named with a script and an
image that would run, planted in the sandbox, read through the real tool by a client that negotiated Apps, and
drawn by the report view in headless Chromium (the harness: test_apps_browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from egoi_mcp.server import build_server
from tests.conftest import make_settings
from tests.test_apps import HOSTILE, apps_client
from tests.test_apps_browser import launched_browser, open_view, show_result
from tests.test_hostile import sandbox_of

pytestmark = pytest.mark.anyio


async def test_a_planted_campaign_name_is_drawn_as_text_and_never_runs(tmp_path: Path) -> None:
    server = build_server(make_settings(tmp_path))
    async with apps_client(server.mcp, "legacy") as client:
        sent = next(c for c in sandbox_of(server).campaigns.values() if c.status == "sent")
        sent.internal_name = HOSTILE
        await client.call_tool("egoi_list_campaigns", {"list_id": sent.list_id})  # a report names campaigns it knows
        listed = {t.name: t for t in (await client.list_tools()).tools}
        uri = listed["egoi_get_campaign_report"].meta["ui"]["resourceUri"]  # type: ignore[index]
        (view,) = (await client.read_resource(uri)).contents
        arguments = {"campaign_id": sent.campaign_hash}
        result = await client.call_tool("egoi_get_campaign_report", arguments)
    assert result.structured_content and result.structured_content["name"] == HOSTILE
    async with launched_browser() as browser:
        host = await open_view(browser, view.text)  # type: ignore[union-attr]
        await show_result(host, arguments, result.model_dump(mode="json", by_alias=True, exclude_none=True), "h1.name")
        assert await host.view.locator("h1.name").text_content() == HOSTILE
        assert await host.view.locator("img").count() == 0
        assert await host.view.locator("script").count() == 1  # the view's own
        assert await host.frame_eval("window.__pwned") is None
        assert host.errors == []

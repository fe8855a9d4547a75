"""What the MCP Apps views draw, in headless Chromium: the campaign report's funnel, bars and links, the event
stream's counts, timeline and newest events, untrusted text shown as text, light and dark. The harness (a host page
speaking the MCP Apps host side, fed through a real MCP client) is in test_apps_browser.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.test_apps import HOSTILE, REPORT_RESULT, events_result, make_events
from tests.test_apps_browser import (
    background,
    events_host,
    launched_browser,
    open_view,
    report_host,
    show_result,
    tool_call,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with launched_browser() as launched:
        yield launched


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
    listed = (await store.page(limit=50)).model_dump(mode="json")
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

"""The views' layout at the extremes, measured in headless Chromium inside a 400 px frame: a year of days, a report
of 100,000 days as the tool summarises it, counts of 10^100, and hostile Unicode (bidi overrides, control
characters, right-to-left text, unbroken runs). Nothing is wider than the frame; others' text is cleaned and keeps
its direction to itself. `python -m tests.test_apps_layout` writes the screenshots in docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from egoi_mcp.models import CampaignReport
from tests.test_apps import REPORT_RESULT, events_result, make_events
from tests.test_apps_browser import WIDTH, Host, launched_browser, open_view, report_host, show_result, tool_call

pytestmark = pytest.mark.anyio

GOOGOL = 10**100
HEBREW = "\u05e9\u05dc\u05d5\u05dd"  # shalom
HOSTILE_NAME = (
    f"abc\u202edef\u202c \u0000\u0007\u001b[31m\u200b{HEBREW} {'W' * 120} \u0645\u0631\u062d\u0628\u0627 \U0001f389"
)
HOSTILE_URL = "https://shop.example.com/\u202egnp.exe/" + "a" * 400


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with launched_browser() as launched:
        yield launched


def year_of_days() -> dict[str, Any]:
    """A year of days, as a result that names no granularity (an older server, or another tool) would carry them."""
    start = date(2025, 1, 1)
    days = [
        {"date": (start + timedelta(days=n)).isoformat(), "opens": 400 + (n * 37) % 300, "clicks": 60 + (n * 11) % 90}
        for n in range(365)
    ]
    return {**REPORT_RESULT, "by_day": days}


def googol_report() -> dict[str, Any]:
    """What the tool answers for 100,000 days with every count 10^100: 600 months, and a note."""
    start = date(1990, 1, 1)
    body = {
        "overall": dict.fromkeys(("sends", "opens", "unique_opens", "clicks", "unique_clicks"), GOOGOL),
        "date": [
            {"date": (start + timedelta(days=n)).isoformat(), "opens": GOOGOL, "clicks": GOOGOL // 3}
            for n in range(100_000)
        ],
        "url": [{"url": f"https://shop.example.com/{n}", "clicks": GOOGOL - n} for n in range(3000)],
    }
    report = CampaignReport.from_egoi(body, "7f3a9c21e0", name="Every count is a googol")
    return report.model_dump(mode="json", exclude_none=True)


def hostile_report() -> dict[str, Any]:
    return {
        **REPORT_RESULT,
        "campaign_id": HEBREW,
        "name": HOSTILE_NAME,
        "summary": HOSTILE_NAME,
        "top_links": [{"url": HOSTILE_URL, "clicks": 12}, {"url": HEBREW + " 2024", "clicks": 3}],
    }


async def layout(host: Host) -> dict[str, float]:
    """The frame's width, the document's scroll width, and the right edge of the widest element as drawn."""
    return dict(
        await host.frame_eval(
            """() => {
                const root = document.documentElement;
                const visibleRight = (e) => {  // clipped by any ancestor that hides its overflow
                    let right = e.getBoundingClientRect().right;
                    for (let a = e.parentElement; a; a = a.parentElement) {
                        const clips = getComputedStyle(a).overflowX !== "visible";
                        if (clips) right = Math.min(right, a.getBoundingClientRect().right);
                    }
                    return right;
                };
                const rights = [...document.querySelectorAll("body *")].map(visibleRight);
                return { frame: root.clientWidth, scroll: Math.max(root.scrollWidth, document.body.scrollWidth),
                         right: Math.max(0, ...rights) };
            }"""
        )
    )


async def assert_fits(host: Host) -> None:
    measured = await layout(host)
    assert measured["frame"] == WIDTH
    assert measured["scroll"] <= WIDTH and measured["right"] <= WIDTH, measured
    assert host.errors == []


async def bar_total(host: Host, series: str) -> float:
    values = await host.view.locator(f".chart .bar[data-series={series}]").evaluate_all(
        "bars => bars.map((b) => Number(b.dataset.value))"
    )
    return float(sum(values))


# ---- a year of days, and the largest report the tool answers ----------------------------------------------------


async def test_a_year_of_days_is_drawn_by_week_inside_the_frame(browser: Any) -> None:
    report = year_of_days()
    host = await report_host(browser, report)
    await assert_fits(host)
    assert await host.view.locator("h2[data-unit]").text_content() == "Opens and clicks by week"
    assert await host.view.locator(".chart .col").count() == 53
    assert await bar_total(host, "opens") == sum(d["opens"] for d in report["by_day"])
    columns = await host.view.locator(".chart .col").evaluate_all(
        "cs => cs.map((c) => c.getBoundingClientRect().width)"
    )
    assert min(columns) >= 5, "every week is a visible bar"
    chart = await host.view.locator(".chart").evaluate("c => c.getBoundingClientRect().height")
    tallest = await host.view.locator(".chart .bar").evaluate_all(
        "bars => Math.max(...bars.map((b) => b.getBoundingClientRect().height))"
    )
    assert tallest == pytest.approx(chart, abs=0.51), "the chart is not blank"


async def test_the_tools_report_of_100000_days_of_googols_fits_drawn_by_year(browser: Any) -> None:
    report = googol_report()
    assert report["by_day_granularity"] == "month" and len(report["by_day"]) == 401  # 96 KiB of googols
    host = await report_host(browser, report)
    await assert_fits(host)
    assert await host.view.locator("h2[data-unit]").text_content() == "Opens and clicks by year"
    assert await host.view.locator(".chart .col").count() == len({d["date"][:4] for d in report["by_day"]}) == 34
    assert await host.view.locator(".report-note").text_content() == report["note"]
    assert await host.view.locator("[data-funnel=sent] .value").text_content() == "1E100"


# ---- numbers of any size ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "rate", "shown"),
    [(GOOGOL, 1e9, {"1E100", "1E9%"}), (10**15 - 1, 999_999.9, {"999,999,999,999,999", "999,999.9%"})],
)
async def test_counts_of_any_size_fit_their_boxes(browser: Any, count: int, rate: float, shown: set[str]) -> None:
    counts = ("sent", "delivered", "opens", "unique_opens", "clicks", "unique_clicks", "hard_bounces", "soft_bounces")
    report: dict[str, Any] = {
        **REPORT_RESULT,
        **dict.fromkeys((*counts, "unsubscribes", "complaints"), count),
        **dict.fromkeys(("open_rate", "click_rate", "bounce_rate"), rate),
        "top_links": [{"url": f"https://shop.example.com/{n}", "clicks": count} for n in range(10)],
        "by_day": [{**d, "opens": count, "clicks": count} for d in REPORT_RESULT["by_day"]],
    }
    host = await report_host(browser, report)
    await assert_fits(host)
    assert set(await host.view.locator(".step .value, .stat-value, .link .value").all_text_contents()) == shown
    boxes = await host.view.locator(".stat").evaluate_all("stats => stats.map((s) => [s.scrollWidth, s.clientWidth])")
    assert all(scroll <= client for scroll, client in boxes), boxes


# ---- any Unicode --------------------------------------------------------------------------------------------------

ORDER = """([selector, needle]) => {
    const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(needle);
        if (at < 0) continue;
        return [...needle].map((_, i) => {
            const range = document.createRange();
            range.setStart(node, at + i);
            range.setEnd(node, at + i + 1);
            return range.getBoundingClientRect().left;
        });
    }
    return null;
}"""


async def test_others_text_is_cleaned_and_keeps_its_direction_to_itself(browser: Any) -> None:
    host = await report_host(browser, hostile_report())
    await assert_fits(host)
    shown = await host.view.locator("h1.name").text_content() or ""
    assert shown.startswith(f"abcdef [31m{HEBREW} WWW")  # the escape character goes, its printable tail stays
    assert not [c for c in shown if ord(c) < 0x20 or c in "\u200b\u202c\u202e"], "control characters are dropped"
    lefts = await host.frame_eval(f"({ORDER})(['h1.name', 'abcdef'])")
    assert lefts == sorted(lefts), "an override no longer draws the text reversed"
    for selector in ("h1.name bdi", ".cid", ".summary bdi", ".link .url bdi"):
        assert await host.view.locator(selector).first.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    assert await host.view.locator(".cid").evaluate("e => getComputedStyle(e).direction") == "rtl"
    # A right-to-left campaign id before the count: isolated, the count stays after it, where the sentence puts it.
    cid = await host.view.locator(".cid").evaluate("e => e.getBoundingClientRect().right")
    (count, *_) = await host.frame_eval(f"({ORDER})(['.sub', '12,480'])")
    assert count > cid
    url = await host.view.locator(".link .url").first.text_content()
    assert url == HOSTILE_URL.replace("\u202e", "")


async def test_the_event_view_isolates_and_fits_hostile_text_and_huge_numbers(browser: Any) -> None:
    html, _ = await tool_call("egoi_list_events", {"limit": 3})
    host = await open_view(browser, html)
    events = [{**e, "email": HOSTILE_NAME, "campaign_name": HOSTILE_NAME, "list_id": GOOGOL} for e in make_events(20)]
    result = {**events_result(events), "total": GOOGOL, "next_cursor": "ev:1"}
    await show_result(
        host, {"list_id": GOOGOL, "email": HOSTILE_NAME}, {"content": [], "structuredContent": result}, ".event"
    )
    await assert_fits(host)
    header = await host.view.locator("[data-shown]").text_content() or ""
    assert header.startswith("20 events · list 1e+100 · abcdef") and header.endswith(" of 1E100 · more available")
    assert (
        await host.view.locator(".event .email bdi").first.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    )
    assert await host.view.locator(".event .what bdi").count() == 15
    lefts = await host.frame_eval(f"({ORDER})(['.event .email', 'abcdef'])")
    assert lefts == sorted(lefts)


# ---- screenshots of the extremes ------------------------------------------------------------------------------------


async def screenshots(browser: Any, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    html, _ = await tool_call("egoi_list_events", {"limit": 3})
    events = [{**e, "email": HOSTILE_NAME, "campaign_name": HOSTILE_NAME} for e in make_events(12)]
    events_view = await open_view(browser, html, theme="dark", scheme="dark")
    await show_result(events_view, {}, {"content": [], "structuredContent": events_result(events)}, ".event")
    shots = {
        "report-year": await report_host(browser, year_of_days()),
        "report-googol": await report_host(browser, googol_report(), theme="dark", scheme="dark"),
        "report-unicode": await report_host(browser, hostile_report()),
        "events-unicode": events_view,
    }
    written = []
    for name, host in shots.items():
        path = directory / f"{name}.png"
        await host.page.locator("#view").screenshot(path=str(path))
        written.append(path)
    return written


async def test_screenshots_of_the_extremes(browser: Any, tmp_path: Path) -> None:
    for path in await screenshots(browser, tmp_path):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def _write_docs() -> None:
    directory = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
    async with launched_browser() as launched:
        for path in await screenshots(launched, directory):
            print(path)


if __name__ == "__main__":
    sys.exit(asyncio.run(_write_docs()))

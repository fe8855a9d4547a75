"""Campaign reports stay within the 256 KiB result bound whatever E-goi sends: years of days are summarised by
week or month (and the report says so), links beyond the top ten and periods beyond the bound are left out with a
note, and counts of any size fit. Read over the real HTTP app by a real MCP client in both eras (the 2025-era
client refuses an SSE event over 1 MiB)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from egoi_mcp.config import Settings
from egoi_mcp.models import CampaignReport
from egoi_mcp.sandbox import Sandbox, create_app
from egoi_mcp.sandbox.models import Activity
from egoi_mcp.sandbox.report import SECTIONS, email_report
from egoi_mcp.server import EgoiServer, build_app, build_server
from egoi_mcp.tools._results import MAX_RESULT_BYTES, plain
from tests.conftest import ERAS, make_settings

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:8000"
FIRST_DAY = datetime(1990, 1, 1, 9, 30, tzinfo=UTC)
LINKS = 3000
URL_CHARS = 2500


@asynccontextmanager
async def served(server: EgoiServer) -> AsyncIterator[httpx2.AsyncClient]:
    app = build_app(server)
    transport = httpx2.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx2.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


async def report_over_http(http: httpx2.AsyncClient, mode: str, campaign_id: str) -> tuple[int, dict[str, Any]]:
    """The report as a client reads it over HTTP: the size of its text in bytes, and its data."""
    async with Client(streamable_http_client(f"{BASE}/mcp", http_client=http), mode=mode) as client:
        result = await client.call_tool("egoi_get_campaign_report", {"campaign_id": campaign_id})
    text = result.content[0].text  # type: ignore[union-attr]
    assert not result.is_error, text
    assert json.loads(text) == result.structured_content
    return len(text.encode()), result.structured_content or {}


def url(n: int) -> str:
    return f"https://shop.example.com/{n}/" + "p" * URL_CHARS


def arrange_activity(sandbox: Sandbox, days: int) -> str:
    """A campaign sent once (a draft of the demo data: no activity of its own), then opened and clicked once on
    each of `days` days in a row, over `LINKS` long links."""
    campaign = next(c for c in sandbox.campaigns.values() if c.channel == "email" and c.status == "draft")
    sent = Activity(len(sandbox.activities) + 1, "email_send", 1, "0000000001", FIRST_DAY, campaign.campaign_hash)
    sandbox.activities.append(sent)
    for n in range(days):
        when = FIRST_DAY + timedelta(days=n)
        for action, link in (("email_open", None), ("email_click", url(n % LINKS))):
            activity = Activity(
                len(sandbox.activities) + 1, action, 1, "0000000001", when, campaign.campaign_hash, link
            )
            sandbox.activities.append(activity)
    return campaign.campaign_hash


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize(
    ("days", "granularity", "periods"), [(365, "week", 53), (10_000, "month", 329), (100_000, "month", 600)]
)
async def test_years_of_days_and_thousands_of_links_reach_both_eras_within_the_bound(
    tmp_path: Path, mode: str, days: int, granularity: str, periods: int
) -> None:
    server = build_server(make_settings(tmp_path, transport="http"))
    async with served(server) as http:
        sandbox = server.current().sandbox
        assert sandbox is not None
        campaign_id = arrange_activity(sandbox, days)
        size, report = await report_over_http(http, mode, campaign_id)
    assert size <= MAX_RESULT_BYTES
    assert report["by_day_granularity"] == granularity and len(report["by_day"]) == periods
    first = report["by_day"][0]
    expected = {"week": ("1990-01-01", 7), "month": ("1990-01-01", 31)}[granularity]  # 1990-01-01 is a Monday
    assert (first["date"], first["opens"]) == expected
    assert f"by_day is by {granularity} over" in report["summary"]
    assert f"summarised by {granularity}" in report["note"]
    assert f"the 10 most clicked of {min(days, LINKS):,} links" in report["note"]
    if periods == 600:
        assert "latest months of by_day are left out" in report["note"]
    assert len(report["top_links"]) == 10
    assert all(link["url"].endswith("more characters]") for link in report["top_links"])


# ---- counts of any size, through a real ASGI app in front of the sandbox -------------------------------------------


def scaled(value: Any, factor: int) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | dict | list):
        return value
    if isinstance(value, int):
        return value * factor
    if isinstance(value, dict):
        return {key: scaled(item, factor) for key, item in value.items()}
    return [scaled(item, factor) for item in value]


def inflating_egoi(factor: int) -> Starlette:
    """The sandbox, but its e-mail reports' counts multiplied by `factor` (E-goi's spec sets no maximum)."""
    sandbox_app = create_app()
    sandbox: Sandbox = sandbox_app.state.sandbox

    async def report(request: Request) -> JSONResponse:
        body = email_report(request.path_params["campaign_hash"], sandbox.activities, SECTIONS)
        return JSONResponse(scaled(body, factor))

    app = Starlette(routes=[Route("/reports/email/{campaign_hash}", report), Mount("/", app=sandbox_app)])
    app.state.sandbox = sandbox
    return app


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize("digits", [100, 4000])
async def test_counts_of_a_hundred_or_four_thousand_digits_stay_within_the_bound_and_are_written(
    tmp_path: Path, mode: str, digits: int
) -> None:
    egoi = inflating_egoi(10**digits)
    settings = Settings(
        api_key="a-real-looking-api-key-0123456789", db=tmp_path / "events.db",
        webhook_secret="test-webhook-secret", transport="http",
    )  # fmt: skip
    server = build_server(settings, transport=httpx.ASGITransport(app=egoi))
    campaign_id = arrange_activity(egoi.state.sandbox, 10_000)
    async with served(server) as http:
        size, report = await report_over_http(http, mode, campaign_id)
    assert size <= MAX_RESULT_BYTES
    count = min(10**digits, 10**1000)  # counts saturate at 10^1000
    assert report["sent"] == count and report["top_links"][0]["clicks"] == min(4 * count, 10**1000)
    assert report["by_day_granularity"] == "month"
    assert report["summary"].startswith(f"1.000E+{min(digits, 1000)} sent, 100.0% opened")
    assert report["by_day"][0] == {
        "date": "1990-01-01",
        "opens": min(31 * count, 10**1000),
        "clicks": min(31 * count, 10**1000),
    }
    if digits == 4000:  # ~2 KB a row: the byte bound (96 KiB), not the period bound, ends the series
        assert len(report["by_day"]) == 48 and "latest months of by_day are left out" in report["note"]
    else:
        assert len(report["by_day"]) == 329


# ---- the model alone: the worst E-goi could send, and where the granularity changes --------------------------------


def email_body(days: list[str], counts: int = 1, links: int = 0, url_chars: int = 40) -> dict[str, Any]:
    overall = dict.fromkeys(("sends", "opens", "unique_opens", "clicks", "unique_clicks"), counts)
    return {
        "overall": overall,
        "date": [{"date": day, "opens": counts, "clicks": counts} for day in days],
        "url": [{"url": f"https://e.example/{n}/" + "u" * url_chars, "clicks": counts + n} for n in range(links)],
    }


def days_from(start: date, count: int) -> list[str]:
    return [(start + timedelta(days=n)).isoformat() for n in range(count)]


def test_the_worst_report_stays_within_the_bound() -> None:
    body = email_body(days_from(date(1, 1, 1), 100_000), counts=10**4299, links=10_000, url_chars=100_000)
    body["overall"]["unique_opens"] = 10**4299  # a rate far beyond 100%: a number, not an overflow
    body["overall"]["sends"] = 1
    report = CampaignReport.from_egoi(body, "abc123", name="n" * 100_000)
    assert len(plain(report).text.encode()) <= MAX_RESULT_BYTES
    assert report.open_rate == 10.0**9
    assert report.by_day and report.note and "left out" in report.note
    assert report.summary.startswith("1 sent, 1000000000.0% opened")


@pytest.mark.parametrize(
    ("span", "granularity", "periods"),
    [(1, "day", 1), (90, "day", 90), (91, "week", 14), (731, "week", 105), (732, "month", 25)],
)
def test_the_granularity_follows_the_span(span: int, granularity: str, periods: int) -> None:
    report = CampaignReport.from_egoi(email_body(days_from(date(2024, 1, 3), span)), "abc123")
    assert (report.by_day_granularity, len(report.by_day)) == (granularity, periods)
    assert sum(day.opens for day in report.by_day) == span, "every day is counted once"
    assert (report.note is None) == (granularity == "day")


def test_weeks_start_on_monday_and_repeated_days_are_added() -> None:
    days = ["2024-01-03", "03-01-2024", "2024-01-07", "2024-01-08", "2024-06-01"]  # E-goi's DD-MM-YYYY too
    report = CampaignReport.from_egoi(email_body(days, counts=2), "abc123")
    assert report.by_day_granularity == "week"
    assert [(d.date, d.opens) for d in report.by_day] == [("2024-01-01", 6), ("2024-01-08", 2), ("2024-05-27", 2)]
    assert report.summary.endswith("; by_day is by week over 151 days")


def test_a_short_report_is_unchanged() -> None:
    report = CampaignReport.from_egoi(email_body(["2024-05-02", "2024-05-01"], links=3), "abc123")
    assert [d.date for d in report.by_day] == ["2024-05-01", "2024-05-02"]
    assert report.by_day_granularity == "day" and report.note is None and len(report.top_links) == 3
    assert "by_day" not in report.summary

"""EGoiClient for the marketer's jobs (issue 10) and the hardening of issue 9, against respx.

Response bodies follow E-goi's OpenAPI schemas (`EmailReport`, `ActivityCollection`, `OperationsCollection`,
`OperationActionResponse`, `SegmentCollection`, `ComplexContact`).
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from egoi_mcp.client import EGoiClient
from egoi_mcp.errors import ConflictError, InvalidArgumentError, NotFoundError, RateLimitError
from egoi_mcp.models import CampaignReport, DayStats, LinkClicks, TagRef
from egoi_mcp.ratelimit import RateLimiter

pytestmark = pytest.mark.anyio

BASE = "https://api.egoiapp.com"
API_KEY = "jobs-key-5f4e3d2c1b0a99887766554433221100"
CONTACT = "8f3a27ef26"
TLS = ssl.create_default_context()


def collection(items: list[Any], total: int | None = None) -> dict[str, Any]:
    return {"total_items": len(items) if total is None else total, "items": items}


def contact(contact_id: str = CONTACT, status: str = "active", tags: list[int] | None = None) -> dict[str, Any]:
    return {
        "base": {"contact_id": contact_id, "status": status, "email": f"{contact_id}@example.com", "first_name": "Ana"},
        "extra": [],
        "tags": [1] if tags is None else tags,
    }


def campaign(campaign_hash: str, name: str, list_id: int = 1) -> dict[str, Any]:
    return {"id": 1, "campaign_hash": campaign_hash, "internal_name": name, "channel": "email", "list_id": list_id}


def body_of(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.get("/tags").respond(200, json=collection([{"tag_id": 1, "name": "vip"}, {"tag_id": 2, "name": "2025"}]))
        mock.get("/campaigns").respond(200, json=collection([campaign("spring", "Spring sale")]))
        yield mock


@pytest.fixture
async def client() -> AsyncIterator[EGoiClient]:
    limiter = RateLimiter(per_hour=100_000, max_wait=1.0)
    async with EGoiClient(
        api_key=API_KEY, limiter=limiter, retry_backoff=0, transport=httpx.AsyncHTTPTransport(verify=TLS)
    ) as c:
        yield c


# -- list_contacts ------------------------------------------------------------------------------------------


async def test_list_contacts_of_a_list_with_tag_names_and_egois_total(
    api: respx.MockRouter, client: EGoiClient
) -> None:
    route = api.get("/lists/1/contacts").respond(200, json=collection([contact()], total=40))
    page = await client.list_contacts(1, limit=1)
    assert dict(route.calls.last.request.url.params) == {"offset": "0", "limit": "1"}
    assert page.total == 40 and page.next_cursor
    assert page.items[0].tags == [TagRef(id=1, name="vip")]
    await client.list_contacts(1, limit=1, cursor=page.next_cursor)
    assert api.routes[0].call_count == 1  # the tag names came from the cache the second time


async def test_list_contacts_of_a_tag_goes_through_its_tag_segment(api: respx.MockRouter, client: EGoiClient) -> None:
    segments = api.get("/lists/1/segments").respond(
        200,
        json=collection(
            [
                {"segment_id": "s1", "name": "Openers", "type": "auto"},
                {"segment_id": "t9", "name": "VIP", "type": "tag"},
            ]
        ),
    )
    members = api.get("/lists/1/contacts/segment/t9").respond(200, json=collection([contact()], total=1))
    page = await client.list_contacts(1, tag="vip")
    assert dict(segments.calls.last.request.url.params)["type"] == "tag"
    assert members.call_count == 1 and page.total == 1
    assert [c.id for c in page.items] == [CONTACT]
    assert len(api.calls) == 3  # segments, members, and one tag listing to name the members' tags (cold)
    await client.list_contacts(1, tag=1)  # by id: the cached tag gives the name
    assert members.call_count == 2


async def test_list_contacts_of_an_unknown_tag_says_so(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/lists/1/segments").respond(200, json=collection([]))
    with pytest.raises(NotFoundError) as info:
        await client.list_contacts(1, tag="nobody")
    assert info.value.code == "TAG_NOT_FOUND"
    with pytest.raises(NotFoundError) as info:
        await client.list_contacts(1, tag="vip")  # a tag, but no segment of it in this list
    assert info.value.code == "SEGMENT_NOT_FOUND" and "vip" in info.value.message


async def test_list_contacts_by_status_filters_the_page(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/lists/1/contacts").respond(
        200, json=collection([contact("aaaaaaaaaa"), contact("bbbbbbbbbb", status="unsubscribed")], total=4)
    )
    page = await client.list_contacts(1, status="active", limit=2)
    assert [c.id for c in page.items] == ["aaaaaaaaaa"]
    assert page.total is None and page.next_cursor  # E-goi's total counts every status: none is claimed


async def test_path_parameters_are_percent_encoded(api: respx.MockRouter, client: EGoiClient) -> None:
    """Issue 9.8d: `segment_id="../../../tags"` used to rewrite the path to `/tags`."""
    members = api.get(url__regex=r"/lists/1/contacts/segment/.*").respond(200, json=collection([], total=0))
    tags = api.routes[0]
    await client.list_contacts(1, segment_id="../../../tags")
    assert members.calls.last.request.url.raw_path == b"/lists/1/contacts/segment/..%2F..%2F..%2Ftags?offset=0&limit=25"
    await client.count_contacts(1, segment_id="..")
    assert members.calls.last.request.url.raw_path.startswith(b"/lists/1/contacts/segment/%2E%2E?")
    assert tags.call_count == 0


# -- reports ------------------------------------------------------------------------------------------------


def email_report(**overall: int) -> dict[str, Any]:
    counts = {"sends": 1240, "opens": 700, "unique_opens": 460, "clicks": 80, "unique_clicks": 49,
              "hard_bounces": 20, "soft_bounces": 10, "complaints": 1, "unsubscriptions": 6, **overall}  # fmt: skip
    return {
        "campaign_hash": "spring",
        "overall": counts,
        "date": [
            {"date": "02-05-2024", "sends": 0, "opens": 100, "clicks": 10},
            {"date": "01-05-2024", "sends": 1240, "opens": 600, "clicks": 70},
        ],
        "url": [
            {"url": "https://shop.example.com/a", "clicks": 30},
            {"url": "https://shop.example.com/b", "clicks": 50},
        ],
        "weekday": [],
        "hour": [],
    }


async def test_campaign_report_counts_rates_and_summary(api: respx.MockRouter, client: EGoiClient) -> None:
    route = api.get("/reports/email/spring").respond(200, json=email_report())
    await client.campaign_list()  # the campaign's name is known from a listing: the report itself is one call
    calls = len(api.calls)
    report = await client.get_campaign_report("spring")
    assert len(api.calls) == calls + 1
    params = dict(route.calls.last.request.url.params)
    assert params["date"] == "true" and params["url"] == "true" and params["location"] == "false"
    assert report == CampaignReport(
        campaign_id="spring", name="Spring sale", sent=1240, delivered=1210, opens=700, unique_opens=460, clicks=80,
        unique_clicks=49, hard_bounces=20, soft_bounces=10, unsubscribes=6, complaints=1,
        open_rate=38.0, click_rate=4.0, bounce_rate=2.4,
        top_links=[LinkClicks(url="https://shop.example.com/b", clicks=50),
                   LinkClicks(url="https://shop.example.com/a", clicks=30)],
        by_day=[DayStats(date="2024-05-01", opens=600, clicks=70), DayStats(date="2024-05-02", opens=100, clicks=10)],
        summary="1,240 sent, 38.0% opened, 4.0% clicked",
    )  # fmt: skip


async def test_report_of_an_unsent_campaign_says_so(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/reports/email/spring").respond(200, json={"campaign_hash": "spring", "overall": {}})
    await client.get_campaign("spring")
    report = await client.get_campaign_report("spring")
    assert (report.sent, report.open_rate, report.click_rate, report.bounce_rate) == (0, 0.0, 0.0, 0.0)
    assert report.summary == 'campaign "Spring sale" has not been sent yet: there is nothing to report'


async def test_a_cold_report_is_one_call_without_the_name(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/reports/email/spring").respond(200, json={"campaign_hash": "spring", "overall": {}})
    report = await client.get_campaign_report("spring")
    assert len(api.calls) == 1 and report.name is None
    assert report.summary == "campaign spring has not been sent yet: there is nothing to report"


async def test_report_of_an_unknown_campaign(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/reports/email/nope").respond(404, json={"title": "Not Found", "status": 404, "detail": "Not found"})
    with pytest.raises(NotFoundError) as info:
        await client.get_campaign_report("nope")
    assert info.value.code == "CAMPAIGN_NOT_FOUND"


# -- activity -------------------------------------------------------------------------------------------------


async def test_contact_activity_newest_first_with_campaign_and_tag_names(
    api: respx.MockRouter, client: EGoiClient
) -> None:
    items = [
        {"date": "2024-05-01 10:00:00", "action_name": "email_send", "action_data": {"campaign_hash": "spring"}},
        {
            "date": "2024-05-01 12:00:00",
            "action_name": "email_click",
            "action_data": {"campaign_hash": "spring", "url": "https://shop.example.com/b"},
        },
        {"date": "2024-04-01 09:00:00", "action_name": "attach_tag", "action_data": {"tag_id": 2}},
        {"date": "2024-05-01 11:00:00", "action_name": "email_open", "action_data": {"campaign_hash": "gone"}},
    ]
    route = api.get(f"/lists/1/contacts/{CONTACT}/activities").respond(200, json={"items": items})
    page = await client.get_contact_activity(CONTACT, 1, limit=10)
    assert dict(route.calls.last.request.url.params) == {"offset": "0", "limit": "10"}
    assert [(a.type, a.campaign_name, a.detail) for a in page.items] == [
        ("email_click", "Spring sale", "https://shop.example.com/b"),
        ("email_open", None, None),
        ("email_send", "Spring sale", None),
        ("attach_tag", None, "tag 2025"),
    ]
    assert page.items[0].date == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert page.next_cursor is None


# -- the send queue ---------------------------------------------------------------------------------------------


def operation(op_id: int, campaign_hash: str, status: str = "queued") -> dict[str, Any]:
    return {"operation_id": op_id, "type": "email", "status": status, "created_by": 1,
            "operation_data": {"internal_name": "Spring sale", "campaign_hash": campaign_hash},
            "created": "2024-05-01 10:00:00", "start_date": "2099-05-01 18:00:00"}  # fmt: skip


async def test_pending_sends_and_cancel(api: respx.MockRouter, client: EGoiClient) -> None:
    ops = api.get("/operations").respond(200, json=collection([operation(7, "spring"), operation(8, "other")]))
    cancel = api.post("/operations/actions/cancel").respond(200, json={"success": [7], "error": {}})
    pending = await client.pending_sends("spring")
    assert [(op.id, op.status, op.campaign_name) for op in pending] == [(7, "queued", "Spring sale")]
    assert dict(ops.calls.last.request.url.params) == {"type": "email", "offset": "0", "limit": "1000"}
    cancelled = await client.cancel_send("spring")
    assert [op.id for op in cancelled] == [7]
    assert body_of(cancel) == {"operations": [7]}


async def test_cancel_with_nothing_pending_changes_nothing(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/operations").respond(200, json=collection([operation(8, "other")]))
    cancel = api.post("/operations/actions/cancel").respond(200, json={"success": []})
    assert await client.cancel_send("spring") == []
    assert cancel.call_count == 0


async def test_cancel_refused_by_egoi_is_a_conflict(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/operations").respond(200, json=collection([operation(7, "spring", "executing")]))
    api.post("/operations/actions/cancel").respond(
        200, json={"success": [], "error": {"invalid_operation_action": [7], "operation_not_found": []}}
    )
    with pytest.raises(ConflictError) as info:
        await client.cancel_send("spring")
    assert "invalid operation action" in info.value.message


async def test_campaign_names_are_one_cached_listing(api: respx.MockRouter, client: EGoiClient) -> None:
    listing = api.routes[1]
    assert await client.campaign_names() == {"spring": "Spring sale"}
    assert await client.campaign_names(["spring"]) == {"spring": "Spring sale"}
    assert listing.call_count == 1
    assert await client.campaign_names(["new"]) == {}  # unknown: one fresh listing, then remembered as missing
    assert await client.campaign_names(["new"]) == {}
    assert listing.call_count == 2


# -- issue 9: secrets and misleading mistakes ---------------------------------------------------------------------


async def test_the_key_never_appears_in_successful_results(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/lists/1").respond(200, json={"list_id": 1, "internal_name": f"list {API_KEY}", "public_name": "x"})
    lst = await client.get_list(1)
    assert API_KEY not in lst.model_dump_json() and "[redacted]" in lst.name


@pytest.mark.parametrize("field", ["contacts", "field_id"])
async def test_the_key_never_appears_in_a_409_that_echoes_it(
    api: respx.MockRouter, client: EGoiClient, field: str
) -> None:
    errors: dict[str, Any] = {"unique_field_in_use": "in use", "field_id": "email", "contacts": [CONTACT]}
    errors[field] = [API_KEY] if field == "contacts" else API_KEY
    api.post("/lists/1/contacts").respond(409, json={"title": "Conflict", "status": 409, "errors": errors})
    with pytest.raises(ConflictError) as info:
        await client.create_contact("ana@example.com", list_id=1)
    assert API_KEY not in f"{info.value} {info.value.existing_id}"


@pytest.mark.parametrize("action", ["attach", "detach", "update"])
async def test_contacts_not_in_the_list_are_named_not_the_list(
    api: respx.MockRouter, client: EGoiClient, action: str
) -> None:
    """Issue 9.8a: E-goi's 404 "Contacts not found in list 1: …" read as LIST_NOT_FOUND."""
    missing = {"title": "Not Found", "status": 404, "detail": f"Contacts not found in list 1: {CONTACT}"}
    api.post(url__regex=r"/lists/1/contacts/actions/.*").respond(404, json=missing)
    calls = {
        "attach": lambda: client.attach_tag("vip", [CONTACT, "0123456789"], 1),
        "detach": lambda: client.detach_tag("vip", [CONTACT, "0123456789"], 1),
        "update": lambda: client.update_contacts([CONTACT, "0123456789"], 1, last_name="Lopes"),
    }
    with pytest.raises(NotFoundError) as info:
        await calls[action]()
    assert info.value.code == "SUBSCRIBER_NOT_FOUND"
    assert CONTACT in info.value.message and "list" in info.value.message


@pytest.mark.parametrize("contacts", [{"id": CONTACT}, 12345, CONTACT, None, []])
async def test_a_409_with_odd_contacts_keeps_egois_message(
    api: respx.MockRouter, client: EGoiClient, contacts: Any
) -> None:
    """Issue 9.8b: an object or a number in `errors.contacts` crashed the mapper."""
    errors = {"unique_field_in_use": "in use", "field_id": "email", "contacts": contacts}
    api.post("/lists/1/contacts").respond(409, json={"title": "Conflict", "status": 409, "errors": errors})
    with pytest.raises(ConflictError) as info:
        await client.create_contact("ana@example.com", list_id=1)
    assert info.value.code == "EMAIL_ALREADY_EXISTS"
    expected = {str(CONTACT): CONTACT, "12345": "12345"}
    assert info.value.existing_id == (
        CONTACT if contacts in ({"id": CONTACT}, CONTACT) else expected.get(str(contacts))
    )


async def test_an_api_key_with_a_trailing_newline_is_stripped(api: respx.MockRouter) -> None:
    """Issue 9.8c: a key read from a secrets file was sent with its newline, and every call failed."""
    route = api.post("/ping").respond(200, json={"result": "pong"})
    async with EGoiClient(api_key=f"{API_KEY}\n", transport=httpx.AsyncHTTPTransport(verify=TLS)) as c:
        assert await c.ping()
    assert route.calls.last.request.headers["Apikey"] == API_KEY


@pytest.mark.parametrize("key", ["abc\ndef-0123456789", "clé-0123456789", "key with spaces 0123"])
def test_a_key_no_header_can_carry_names_the_setting(key: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        EGoiClient(api_key=key)
    assert "EGOI_API_KEY" in info.value.message and "network" not in info.value.message
    assert key not in info.value.message


# -- injected transport and clock ----------------------------------------------------------------------------------


async def test_the_clock_is_injected_not_patched() -> None:
    """Retries and schedules read the injected clock (epoch seconds); the transport is any httpx transport."""
    seen: list[httpx.Request] = []

    def egoi(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(429, json={"title": "Too Many Requests", "status": 429}, headers={"Retry-After": "60"})

    noon = datetime(2030, 1, 1, 12, tzinfo=UTC).timestamp()
    limiter = RateLimiter(per_hour=1000, max_wait=0.01)
    options: dict[str, Any] = {"clock": lambda: noon, "limiter": limiter, "max_retries": 0}
    async with EGoiClient(API_KEY, transport=httpx.MockTransport(egoi), **options) as c:
        with pytest.raises(RateLimitError) as info:
            await c.get_lists()
        assert info.value.reset_at == datetime(2030, 1, 1, 12, 1, tzinfo=UTC)
        with pytest.raises(InvalidArgumentError) as past:
            await c.send_email_to_segment("abc", "s1", list_id=1, send_at=datetime(2029, 12, 31, tzinfo=UTC))
        assert "in the past" in past.value.message
    assert len(seen) == 1  # no retries allowed, and the send in the past never went out

"""EGoiClient against a respx-mocked E-goi: lists, tags, campaigns, segments and webhooks, the exact requests and
how the answers are read.

Response bodies follow the examples of E-goi's OpenAPI file (`openapi-v3.contract.yaml`); the mock is conftest.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
import respx

from egoi_mcp.client import EGoiClient
from egoi_mcp.errors import InvalidArgumentError, NotFoundError
from egoi_mcp.models import Campaign, MailingList, Segment, Tag, Webhook
from tests.client.egoi import (
    CONTACT,
    OTHER,
    assert_auth,
    body_of,
    collection,
    egoi_campaign,
    egoi_contact,
    egoi_list,
    egoi_tag,
    params_of,
)

pytestmark = pytest.mark.anyio


# -- lists ----------------------------------------------------------------------------------------------


async def test_create_list(api: respx.MockRouter, client: EGoiClient) -> None:
    route = api.post("/lists").respond(201, json=egoi_list(3, "Newsletter", "Weekly"))
    lst = await client.create_list(name=" Newsletter ", description="Weekly")
    assert body_of(route) == {"internal_name": "Newsletter", "public_name": "Weekly"}
    assert lst == MailingList(
        id=3,
        name="Newsletter",
        description="Weekly",
        status="active",
        created=datetime(2024, 5, 6, 10, 20, 30, tzinfo=UTC),
    )
    api.post("/lists").respond(201, json=egoi_list(4, "Promos", "Promos"))
    await client.create_list("Promos")
    assert body_of(route) == {"internal_name": "Promos", "public_name": "Promos"}
    assert_auth(api)


async def test_get_lists_get_list_delete_list(api: respx.MockRouter, client: EGoiClient) -> None:
    all_lists = api.get("/lists").respond(200, json=collection([egoi_list(1), egoi_list(2)], total=2))
    one = api.get("/lists/3").respond(
        200, json={**egoi_list(3), "created": "2024-05-06T10:20:30+01:00", "stats": {"total_contacts": 10}}
    )
    delete = api.delete("/lists/3").respond(204)
    page = await client.get_lists()
    assert params_of(all_lists) == {"order": "asc", "order_by": "list_id", "offset": "0", "limit": "25"}
    assert [item.id for item in page.items] == [1, 2]
    assert page.total == 2
    assert page.next_cursor is None
    lst = await client.get_list(3)
    assert lst.created == datetime(2024, 5, 6, 9, 20, 30, tzinfo=UTC)
    assert await client.delete_list(list_id=3) is None
    assert (one.call_count, delete.call_count) == (1, 1)
    assert_auth(api)


async def test_pagination_cursor_round_trip(api: respx.MockRouter, client: EGoiClient) -> None:
    lists = [egoi_list(i, f"List {i}") for i in range(1, 6)]

    def page(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        return httpx.Response(200, json=collection(lists[offset : offset + limit], total=len(lists)))

    route = api.get("/lists").mock(side_effect=page)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        result = await client.get_lists(limit=2, cursor=cursor)
        pages += 1
        seen += [item.id for item in result.items]
        if result.next_cursor is None:
            break
        cursor = result.next_cursor
    assert seen == [1, 2, 3, 4, 5]
    assert pages == 3
    assert [params_of(route, i)["offset"] for i in range(3)] == ["0", "2", "4"]


async def test_invalid_cursor_and_limit_make_no_call(api: respx.MockRouter, client: EGoiClient) -> None:
    route = api.get("/lists").respond(200, json=collection([]))
    with pytest.raises(InvalidArgumentError) as info:
        await client.get_lists(cursor="definitely-not-ours")
    assert "cursor" in info.value.message
    for limit in (0, 1001, 5000):
        with pytest.raises(InvalidArgumentError) as info:
            await client.get_lists(limit=limit)
        assert "1000" in info.value.message
    with pytest.raises(InvalidArgumentError):
        await client.search_contacts("john@example.com", limit=1001)
    with pytest.raises(InvalidArgumentError):
        await client.search_contacts("john@example.com", cursor="nope")
    assert route.call_count == 0
    assert len(api.calls) == 0
    await client.get_lists(limit=1000)
    assert params_of(route)["limit"] == "1000"


# -- tags -----------------------------------------------------------------------------------------------


async def test_create_list_delete_tag(api: respx.MockRouter, client: EGoiClient) -> None:
    create = api.post("/tags").respond(201, json=egoi_tag(9, "vip", "#FF0000"))
    tags = api.get("/tags").respond(200, json=collection([egoi_tag(1, "Customers"), egoi_tag(9, "vip", "#FF0000")]))
    delete = api.delete("/tags/9").respond(204)
    tag = await client.create_tag(name=" vip ", color="#FF0000")
    assert body_of(create) == {"name": "vip", "color": "#FF0000"}
    assert tag == Tag(id=9, name="vip", color="#FF0000")
    await client.create_tag("plain")
    assert body_of(create) == {"name": "plain"}
    page = await client.list_tags(limit=50)
    assert params_of(tags) == {"order": "asc", "order_by": "tag_id", "offset": "0", "limit": "50"}
    assert [t.name for t in page.items] == ["Customers", "vip"]
    assert await client.delete_tag(tag.id) is None
    assert delete.call_count == 1
    assert_auth(api)


async def test_delete_tag_forgets_the_cached_names(api: respx.MockRouter, client: EGoiClient) -> None:
    tags = api.get("/tags").respond(200, json=collection([egoi_tag(9, "vip")]))
    api.delete("/tags/9").respond(204)
    assert (await client.find_tag("vip")).id == 9
    assert (await client.find_tag("vip")).id == 9
    assert tags.call_count == 1
    await client.delete_tag(9)
    tags.respond(200, json=collection([]))
    with pytest.raises(NotFoundError):
        await client.find_tag("vip")
    assert tags.call_count == 2


async def test_attach_and_detach_tag(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/tags").respond(200, json=collection([egoi_tag(4, "VIP")]))
    attach = api.post("/lists/3/contacts/actions/attach-tag").respond(202, json={"result": "success"})
    detach = api.post("/lists/3/contacts/actions/detach-tag").respond(202, json={"result": "success"})
    assert await client.attach_tag("vip", [CONTACT, OTHER], list_id=3) == 4
    assert body_of(attach) == {"tag_id": 4, "contacts": [CONTACT, OTHER]}
    assert await client.detach_tag(4, [CONTACT], list_id=3) == 4
    assert body_of(detach) == {"tag_id": 4, "contacts": [CONTACT]}
    with pytest.raises(NotFoundError) as info:
        await client.detach_tag("unknown", [CONTACT], list_id=3)
    assert info.value.code == "TAG_NOT_FOUND"
    assert detach.call_count == 1  # an unknown name is not created on detach


# -- campaigns and segments -------------------------------------------------------------------------------


async def test_campaign_list(api: respx.MockRouter, client: EGoiClient) -> None:
    route = api.get("/campaigns").respond(
        200,
        json=collection([egoi_campaign("abc123"), egoi_campaign("def456", created="2024-05-06 10:20:30")], total=2),
    )
    page = await client.campaign_list()
    assert params_of(route) == {"channel": "email", "offset": "0", "limit": "25"}
    assert page.items[0] == Campaign(
        id="abc123",
        name="Spring sale",
        channel="email",
        status="draft",
        subject="20% off everything",
        list_id=3,
        created=datetime(2024, 5, 6, 10, 20, 30, tzinfo=UTC),
    )
    assert page.items[1].created == page.items[0].created  # both date forms read the same
    await client.campaign_list(list_id=3, status="sent", channel=None, limit=100)
    assert params_of(route) == {"list_id": "3", "status": "sent", "offset": "0", "limit": "100"}
    assert_auth(api)


async def test_get_campaign(api: respx.MockRouter, client: EGoiClient) -> None:
    route = api.get("/campaigns").respond(200, json=collection([egoi_campaign("abc123")]))
    campaign = await client.get_campaign("abc123")
    assert params_of(route) == {"campaign_hash": "abc123", "offset": "0", "limit": "1"}
    assert campaign.id == "abc123"
    route.respond(200, json=collection([]))
    with pytest.raises(NotFoundError) as info:
        await client.get_campaign("gone")
    assert info.value.code == "CAMPAIGN_NOT_FOUND"


async def test_send_email_to_contact_plans_reads_the_address_then_sends(
    api: respx.MockRouter, client: EGoiClient
) -> None:
    plan = api.get("/campaigns").respond(200, json=collection([egoi_campaign()]))
    read = api.get(f"/lists/3/contacts/{CONTACT}").respond(200, json=egoi_contact(email="john@example.com"))
    send = api.post("/campaigns/email/abc123/actions/send").respond(200, json={"result": "success"})
    sent_to = await client.send_email_to_contact(campaign_id="abc123", contact_id=CONTACT, list_id=3)
    assert sent_to == "john@example.com"
    assert plan.call_count == read.call_count == send.call_count == 1
    assert body_of(send) == {"list_id": 3, "segments": {"type": "contact", "data": "john@example.com"}}
    assert [c.request.method for c in api.calls] == ["GET", "GET", "POST"]  # the campaign, the address, the send
    assert_auth(api)


async def test_send_to_contact_without_email_does_not_send(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/campaigns").respond(200, json=collection([egoi_campaign()]))
    api.get(f"/lists/3/contacts/{CONTACT}").respond(200, json=egoi_contact(email=""))
    send = api.post("/campaigns/email/abc123/actions/send").respond(200, json={"result": "success"})
    with pytest.raises(InvalidArgumentError) as info:
        await client.send_email_to_contact("abc123", CONTACT, list_id=3)
    assert info.value.code == "EMAIL_ADDRESS_INVALID"
    assert send.call_count == 0


async def test_send_email_to_segment_goes_to_the_campaigns_own_list(
    api: respx.MockRouter, default_client: EGoiClient
) -> None:
    read = api.get("/campaigns").respond(200, json=collection([{**egoi_campaign("abc_12-3"), "list_id": 7}]))
    send = api.post("/campaigns/email/abc_12-3/actions/send").respond(200, json={"result": "success"})
    assert await default_client.send_email_to_segment(campaign_id="abc_12-3", segment_id="seg_1") is None
    assert params_of(read) == {"campaign_hash": "abc_12-3", "offset": "0", "limit": "1"}
    assert body_of(send) == {"list_id": 7, "segments": {"type": "segment", "data": ["seg_1"]}}  # not default 3
    assert send.call_count == 1
    await default_client.send_email_to_segment(campaign_id="abc_12-3", segment_id="seg_1", list_id=7)
    assert read.call_count == 2 and body_of(send)["list_id"] == 7  # a list given is checked against the campaign's
    with pytest.raises(InvalidArgumentError) as info:
        await default_client.send_email_to_segment(campaign_id="abc_12-3", segment_id="seg_1", list_id=3)
    assert "belongs to list 7, not list 3" in info.value.message and "omit list_id" in info.value.message
    assert send.call_count == 2


async def test_send_without_any_list_says_which_to_pass(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/campaigns").respond(200, json=collection([{**egoi_campaign(), "list_id": None}]))
    send = api.post("/campaigns/email/abc123/actions/send").respond(200, json={"result": "success"})
    with pytest.raises(InvalidArgumentError) as info:
        await client.send_email_to_segment("abc123", "seg_1")
    assert info.value.code == "LIST_NOT_FOUND" and "list_id" in info.value.message
    assert send.call_count == 0


async def test_send_at_schedules_with_egois_schedule_date(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/campaigns").respond(200, json=collection([egoi_campaign()]))
    send = api.post("/campaigns/email/abc123/actions/send").respond(200, json={"result": "success"})
    lisbon_summer = timezone(timedelta(hours=1))
    await client.send_email_to_segment(
        "abc123", "seg_1", list_id=3, send_at=datetime(2099, 7, 1, 19, 0, tzinfo=lisbon_summer)
    )
    assert body_of(send) == {
        "list_id": 3,
        "segments": {"type": "segment", "data": ["seg_1"]},
        "schedule_date": "2099-07-01 18:00:00",  # CampaignEmailScheduleRequest, in UTC
    }
    api.get(f"/lists/3/contacts/{CONTACT}").respond(200, json=egoi_contact())
    await client.send_email_to_contact("abc123", CONTACT, list_id=3, send_at=datetime(2099, 1, 2, 3, 4, 5))
    assert body_of(send)["schedule_date"] == "2099-01-02 03:04:05"  # naive is UTC


async def test_send_at_in_the_past_is_refused_without_calling_egoi(api: respx.MockRouter, client: EGoiClient) -> None:
    send = api.post("/campaigns/email/abc123/actions/send").respond(200, json={"result": "success"})
    with pytest.raises(InvalidArgumentError) as info:
        await client.send_email_to_segment("abc123", "seg_1", list_id=3, send_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert "in the past" in info.value.message
    assert len(api.calls) == 0 and send.call_count == 0


async def test_segment_list_and_get_segment(api: respx.MockRouter, client: EGoiClient) -> None:
    items = [
        {"segment_id": "1", "name": "All opened", "type": "auto"},
        {
            "segment_id": "seg_2",
            "name": "Lisbon",
            "type": "saved",
            "created": "2024-05-06 10:20:30",
            "updated": "2024-05-06 10:20:30",
            "segment_filter": {
                "segment_filter_array": [
                    {"segment_field": "city", "segment_operator": "equal_to", "segment_value": "Lisbon"}
                ],
                "boolean_operator": "and",
                "invert": False,
            },
        },
        {"segment_id": 77, "name": "vip", "type": "tag", "created": "2024-05-06 10:20:30"},
    ]
    route = api.get("/lists/3/segments").respond(200, json=collection(items))
    page = await client.segment_list(list_id=3)
    assert params_of(route) == {"offset": "0", "limit": "25"}
    assert page.items == [
        Segment(id="1", name="All opened", type="auto"),
        Segment(id="seg_2", name="Lisbon", type="saved"),
        Segment(id="77", name="vip", type="tag"),
    ]
    await client.segment_list(3, type="saved")
    assert params_of(route) == {"type": "saved", "offset": "0", "limit": "25"}
    assert (await client.get_segment("seg_2", list_id=3)).name == "Lisbon"
    assert params_of(route)["limit"] == "1000"
    with pytest.raises(NotFoundError) as info:
        await client.get_segment("nope", list_id=3)
    assert info.value.code == "SEGMENT_NOT_FOUND"
    assert_auth(api)


# -- webhooks -------------------------------------------------------------------------------------------


async def test_webhooks(api: respx.MockRouter, client: EGoiClient) -> None:
    hook = {
        "webhook_id": 9,
        "list_id": 3,
        "url": "https://example.com/egoi?k=s3cret",
        "actions": ["subscription", "unsubscribe"],
        "fields": ["email"],
    }
    create = api.post("/webhooks").respond(200, json=hook)
    listing = api.get("/webhooks").respond(200, json=collection([hook]))
    delete = api.delete("/webhooks/9").respond(204)
    created = await client.create_webhook(3, "https://example.com/egoi?k=s3cret", ("subscription", "unsubscribe"))
    assert body_of(create) == {
        "list_id": 3,
        "url": "https://example.com/egoi?k=s3cret",
        "actions": ["subscription", "unsubscribe"],
    }
    assert created == Webhook(
        id=9, list_id=3, url="https://example.com/egoi?k=s3cret", actions=["subscription", "unsubscribe"]
    )
    page = await client.list_webhooks()
    assert params_of(listing) == {"offset": "0", "limit": "25"}
    assert page.items == [created]
    assert await client.delete_webhook(9) is None
    assert delete.call_count == 1
    assert_auth(api)

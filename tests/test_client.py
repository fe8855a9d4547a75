"""EGoiClient against a respx-mocked E-goi: the exact request of every public method, and how the answer is read.

Response bodies follow the examples of E-goi's OpenAPI file (`openapi-v3.contract.yaml`).
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from egoi_mcp._paging import decode_cursor, encode_cursor
from egoi_mcp.client import EGoiClient, egoi_phone
from egoi_mcp.errors import InvalidArgumentError, NotFoundError
from egoi_mcp.models import Campaign, Contact, MailingList, Page, Segment, Tag, TagRef, Webhook
from egoi_mcp.ratelimit import RateLimiter

pytestmark = pytest.mark.anyio

BASE = "https://api.egoiapp.com"
API_KEY = "test-key-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CONTACT = "8f3a27ef26"
OTHER = "0a1b2c3d4e"
TLS = ssl.create_default_context()  # one for the module: building it per client costs more than a test


def transport() -> httpx.AsyncHTTPTransport:
    """A real httpx transport (respx intercepts below it), sharing the module's TLS context."""
    return httpx.AsyncHTTPTransport(verify=TLS)


NOT_FOUND = {
    "type": "http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "NotFound",
    "status": 404,
    "detail": "The requested resource does not exist",
}


def egoi_contact(contact_id: str = CONTACT, email: str = "john@example.com", **base: Any) -> dict[str, Any]:
    """A `ComplexContact` as `GET /lists/{id}/contacts/{contact_id}` returns it."""
    return {
        "base": {
            "contact_id": contact_id,
            "status": "active",
            "consent": "",
            "subscription_method": "api",
            "subscription_date": "2024-05-06 10:20:30",
            "first_name": "John",
            "last_name": "Doe",
            "birth_date": "1975-01-10",
            "language": "en",
            "email": email,
            "email_status": "active",
            "cellphone": "351-912345678",
            "cellphone_status": "active",
            "phone": "",
            "phone_status": "inactive",
            **base,
        },
        "extra": [{"field_id": 1, "format": "text", "value": "Lisbon"}],
        "tags": [1, 2],
        "email_stats": {"sent": 3, "opens": 1},
    }


def egoi_list(list_id: int = 3, internal: str = "Newsletter", public: str = "Weekly") -> dict[str, Any]:
    return {
        "list_id": list_id,
        "internal_name": internal,
        "public_name": public,
        "status": "active",
        "group_id": 1,
        "created": "2024-05-06 10:20:30",
        "updated": "2024-05-07 08:00:00",
    }


def egoi_tag(tag_id: int, name: str, color: str = "#FFFFFF") -> dict[str, Any]:
    return {"tag_id": tag_id, "name": name, "color": color}


def egoi_campaign(campaign_hash: str = "abc123", created: str = "2024-05-06T10:20:30Z") -> dict[str, Any]:
    return {
        "id": 7,
        "campaign_hash": campaign_hash,
        "status": "draft",
        "thumbnail": "//bo29.e-goi.com/recursos/resource_folder/listas/name_image.jpg",
        "channel": "email",
        "internal_name": "Spring sale",
        "list_id": 3,
        "title": "20% off everything",
        "created_by": 1,
        "group_id": 1,
        "created": created,
        "updated": created,
        "start_date": None,
        "end_date": None,
        "schedule_date": {"enabled": False, "date": None},
        "processed_messages": 0,
        "automation_id": 0,
    }


def collection(items: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    return {"total_items": len(items) if total is None else total, "items": items}


def body_of(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


def params_of(route: respx.Route, index: int = -1) -> dict[str, str]:
    return dict(route.calls[index].request.url.params)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.get("/tags").respond(200, json=collection([egoi_tag(1, "Customers"), egoi_tag(2, "vip")]))
        city = {"field_id": "1", "name": "City", "format": "text", "type": "extra"}  # names the contacts' extra
        mock.get(url__regex=r"/lists/\d+/fields").respond(200, json=[city])
        yield mock


@pytest.fixture
async def client() -> AsyncIterator[EGoiClient]:
    limiter = RateLimiter(per_hour=100_000, max_concurrency=4, max_wait=1.0)
    async with EGoiClient(api_key=API_KEY, limiter=limiter, retry_backoff=0, transport=transport()) as c:
        yield c


@pytest.fixture
async def default_client() -> AsyncIterator[EGoiClient]:
    limiter = RateLimiter(per_hour=100_000, max_wait=1.0)
    async with EGoiClient(
        api_key=API_KEY, default_list_id=3, limiter=limiter, retry_backoff=0, transport=transport()
    ) as c:
        yield c


def assert_auth(api: respx.MockRouter) -> None:
    """Every request carried the key in E-goi's `Apikey` header, and asked for JSON."""
    assert api.calls
    for call in api.calls:
        assert call.request.headers["Apikey"] == API_KEY
        assert call.request.headers["Accept"] == "application/json"
        assert call.request.url.host == "api.egoiapp.com"
        assert call.request.url.scheme == "https"


# -- ping -----------------------------------------------------------------------------------------------


async def test_ping(api: respx.MockRouter, client: EGoiClient) -> None:
    route = api.post("/ping").respond(200, json={"result": "pong"})
    assert await client.ping() is True
    assert route.call_count == 1
    assert_auth(api)
    route.respond(200, json={"result": "nope"})
    assert await client.ping() is False
    route.respond(200, json=["pong"])
    assert await client.ping() is False


# -- contacts: create -----------------------------------------------------------------------------------


async def test_create_contact_request_and_result(api: respx.MockRouter, client: EGoiClient) -> None:
    route = api.post("/lists/3/contacts").respond(201, json={"contact_id": CONTACT})
    contact = await client.create_contact(
        email=" john@example.com ", first_name="John", last_name="Doe", phone="+351 912 345 678", list_id=3
    )
    assert route.call_count == 1
    assert body_of(route) == {
        "base": {
            "email": "john@example.com",
            "status": "active",
            "first_name": "John",
            "last_name": "Doe",
            "cellphone": "351-912345678",
        }
    }
    assert route.calls.last.request.headers["Content-Type"] == "application/json"
    assert_auth(api)
    assert isinstance(contact, Contact)
    assert contact == Contact(
        id=CONTACT,
        list_id=3,
        email="john@example.com",
        first_name="John",
        last_name="Doe",
        phone="351-912345678",
        status="active",
        tags=[],
    )
    assert len(api.calls) == 1  # no tags: no tag listing


async def test_create_contact_minimal_uses_default_list(api: respx.MockRouter, default_client: EGoiClient) -> None:
    route = api.post("/lists/3/contacts").respond(201, json={"contact_id": CONTACT})
    contact = await default_client.create_contact("jane@example.com")
    assert body_of(route) == {"base": {"email": "jane@example.com", "status": "active"}}
    assert contact.list_id == 3
    assert contact.first_name is None
    assert contact.phone is None


async def test_create_contact_with_tags_resolves_names_once_and_creates_the_missing(
    api: respx.MockRouter, client: EGoiClient
) -> None:
    list_tags = api.get("/tags").respond(
        200, json=collection([egoi_tag(1, "Customers"), egoi_tag(4, "VIP", "#FF0000"), egoi_tag(5, "old")])
    )
    new_ids = iter([11, 12])

    def create_tag(request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content)
        return httpx.Response(201, json=egoi_tag(next(new_ids), payload["name"], payload.get("color", "#FFFFFF")))

    post_tag = api.post("/tags").mock(side_effect=create_tag)
    create = api.post("/lists/3/contacts").respond(201, json={"contact_id": CONTACT})
    attach = api.post("/lists/3/contacts/actions/attach-tag").respond(202, json={"result": "success"})

    contact = await client.create_contact("john@example.com", list_id=3, tags=["vip", "new-signup", "Spring 2024"])

    assert list_tags.call_count == 1
    assert params_of(list_tags) == {"offset": "0", "limit": "1000", "order": "asc", "order_by": "tag_id"}
    assert post_tag.call_count == 2
    assert [body_of(post_tag, i) for i in range(2)] == [{"name": "new-signup"}, {"name": "Spring 2024"}]
    assert create.call_count == 1
    assert attach.call_count == 3
    assert [body_of(attach, i) for i in range(3)] == [
        {"tag_id": 4, "contacts": [CONTACT]},
        {"tag_id": 11, "contacts": [CONTACT]},
        {"tag_id": 12, "contacts": [CONTACT]},
    ]
    assert contact.tags == [
        TagRef(id=4, name="VIP"),
        TagRef(id=11, name="new-signup"),
        TagRef(id=12, name="Spring 2024"),
    ]
    assert_auth(api)

    # the same tags again: the names are known now, so no listing and no creation
    create.respond(201, json={"contact_id": OTHER})
    again = await client.create_contact("jane@example.com", list_id=3, tags=["VIP", "New-Signup", "spring 2024"])
    assert list_tags.call_count == 1
    assert post_tag.call_count == 2
    assert attach.call_count == 6
    assert [t.id for t in again.tags] == [4, 11, 12]
    assert body_of(attach) == {"tag_id": 12, "contacts": [OTHER]}


async def test_create_contact_with_tag_ids_lists_tags_once_only_to_name_them(
    api: respx.MockRouter, client: EGoiClient
) -> None:
    list_tags = api.get("/tags").respond(200, json=collection([egoi_tag(5, "five"), egoi_tag(7, "seven")]))
    api.post("/lists/3/contacts").respond(201, json={"contact_id": CONTACT})
    attach = api.post("/lists/3/contacts/actions/attach-tag").respond(202, json={"result": "success"})
    contact = await client.create_contact("john@example.com", list_id=3, tags=[5, 7, 5])
    assert [body_of(attach, i)["tag_id"] for i in range(attach.call_count)] == [5, 7]
    assert contact.tags == [TagRef(id=5, name="five"), TagRef(id=7, name="seven")]
    assert list_tags.call_count == 1
    await client.create_contact("jane@example.com", list_id=3, tags=[7])
    assert list_tags.call_count == 1  # warm: named from the cache


async def test_a_tag_named_like_a_number_is_that_tag(api: respx.MockRouter, client: EGoiClient) -> None:
    """Issue 9.8e: "2025" was taken as tag id 2025; a name that exists wins, an int is an id."""
    api.get("/tags").respond(200, json=collection([egoi_tag(3, "2025"), egoi_tag(2025, "old")]))
    api.post("/lists/3/contacts").respond(201, json={"contact_id": CONTACT})
    attach = api.post("/lists/3/contacts/actions/attach-tag").respond(202, json={"result": "success"})
    assert await client.attach_tag("2025", [CONTACT], list_id=3) == 3
    assert body_of(attach) == {"tag_id": 3, "contacts": [CONTACT]}
    assert await client.attach_tag(2025, [CONTACT], list_id=3) == 2025
    assert (await client.find_tag("2025")).id == 3
    assert (await client.find_tag(2025)).name == "old"
    assert (await client.find_tag("old")).id == 2025


async def test_tag_listing_follows_pages(api: respx.MockRouter, client: EGoiClient) -> None:
    first = [egoi_tag(i, f"tag-{i}") for i in range(1, 1001)]
    second = [egoi_tag(1001, "vip")]

    def tags_page(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(200, json=collection(first if offset == 0 else second, total=1001))

    list_tags = api.get("/tags").mock(side_effect=tags_page)
    tag = await client.find_tag("VIP")
    assert tag == Tag(id=1001, name="vip", color="#FFFFFF")
    assert [params_of(list_tags, i)["offset"] for i in range(2)] == ["0", "1000"]
    assert (await client.find_tag(3)).name == "tag-3"
    assert (await client.find_tag("3")).name == "tag-3"
    assert list_tags.call_count == 2
    with pytest.raises(NotFoundError) as info:
        await client.find_tag("nope")
    assert info.value.code == "TAG_NOT_FOUND"


# -- contacts: read and search --------------------------------------------------------------------------


async def test_get_contact(api: respx.MockRouter, client: EGoiClient) -> None:
    route = api.get(f"/lists/3/contacts/{CONTACT}").respond(200, json=egoi_contact())
    contact = await client.get_contact(CONTACT, list_id=3)
    assert route.call_count == 1
    assert_auth(api)
    assert contact == Contact(
        id=CONTACT,
        list_id=3,
        email="john@example.com",
        first_name="John",
        last_name="Doe",
        phone="351-912345678",
        status="active",
        tags=[TagRef(id=1, name="Customers"), TagRef(id=2, name="vip")],
        fields={"City": "Lisbon"},  # its extra field, by the name the list's fields give it
    )


async def test_get_contact_uppercase_id_and_default_list(api: respx.MockRouter, default_client: EGoiClient) -> None:
    route = api.get("/lists/3/contacts/8F3A27EF26").respond(200, json=egoi_contact("8F3A27EF26"))
    contact = await default_client.get_contact(" 8F3A27EF26 ")
    assert route.call_count == 1
    assert contact.id == "8F3A27EF26"


async def test_search_in_a_list_by_email(api: respx.MockRouter, client: EGoiClient) -> None:
    route = api.get("/lists/3/contacts").respond(200, json=collection([egoi_contact()]))
    page = await client.search_contacts("john@example.com", list_id=3)
    assert params_of(route) == {"email": "john@example.com", "offset": "0", "limit": "25"}
    assert isinstance(page, Page)
    assert [c.id for c in page.items] == [CONTACT]
    assert page.items[0].list_id == 3
    assert page.total == 1
    assert page.next_cursor is None
    assert_auth(api)


async def test_search_in_a_list_by_phone_and_by_name(api: respx.MockRouter, client: EGoiClient) -> None:
    route = api.get("/lists/3/contacts").respond(200, json=collection([]))
    await client.search_contacts("+351 912 345 678", list_id=3, limit=5)
    assert params_of(route) == {"cellphone": "351-912345678", "offset": "0", "limit": "5"}
    await client.search_contacts("John Doe", list_id=3)
    assert params_of(route) == {"first_name": "John", "last_name": "Doe", "offset": "0", "limit": "25"}
    await client.search_contacts("John", list_id=3)
    assert params_of(route) == {"first_name": "John", "offset": "0", "limit": "25"}


async def test_search_without_a_list_looks_everywhere(api: respx.MockRouter, client: EGoiClient) -> None:
    search = api.get("/contacts/search").respond(
        200, json={"items": [{"contact_id": CONTACT, "list_id": 1}, {"contact_id": OTHER, "list_id": 2}]}
    )
    one = api.get(f"/lists/1/contacts/{CONTACT}").respond(200, json=egoi_contact())
    two = api.get(f"/lists/2/contacts/{OTHER}").respond(200, json=egoi_contact(OTHER))
    page = await client.search_contacts("john@example.com")
    assert params_of(search) == {"type": "email", "contact": "john@example.com"}
    assert (one.call_count, two.call_count) == (1, 1)
    assert [(c.id, c.list_id) for c in page.items] == [(CONTACT, 1), (OTHER, 2)]
    assert page.total == 2
    assert page.next_cursor is None
    assert_auth(api)


async def test_search_without_a_list_by_phone(api: respx.MockRouter, client: EGoiClient) -> None:
    search = api.get("/contacts/search").respond(200, json={"items": [{"contact_id": CONTACT, "list_id": 1}]})
    refs = await client.find_contact("+351 912 345 678")
    assert params_of(search) == {"type": "cellphone", "contact": "351-912345678"}
    assert [(r.contact_id, r.list_id) for r in refs] == [(CONTACT, 1)]


async def test_search_without_a_list_pages_with_cursors(api: respx.MockRouter, client: EGoiClient) -> None:
    ids = [f"{i:010x}" for i in range(1, 4)]
    api.get("/contacts/search").respond(200, json={"items": [{"contact_id": c, "list_id": 1} for c in ids]})
    reads = {c: api.get(f"/lists/1/contacts/{c}").respond(200, json=egoi_contact(c)) for c in ids}
    first = await client.search_contacts("john@example.com", limit=2)
    assert [c.id for c in first.items] == ids[:2]
    assert first.total == 3
    assert first.next_cursor is not None
    second = await client.search_contacts("john@example.com", limit=2, cursor=first.next_cursor)
    assert [c.id for c in second.items] == ids[2:]
    assert second.next_cursor is None
    assert [r.call_count for r in reads.values()] == [1, 1, 1]


async def test_search_not_found_is_an_empty_page(api: respx.MockRouter, client: EGoiClient) -> None:
    search = api.get("/contacts/search").respond(404, json=NOT_FOUND)
    page = await client.search_contacts("nobody@example.com")
    assert search.call_count == 1
    assert page.items == []
    assert page.total == 0
    assert page.next_cursor is None
    assert await client.find_contact("nobody@example.com") == []


async def test_search_in_a_list_that_does_not_exist(api: respx.MockRouter, client: EGoiClient) -> None:
    api.get("/lists/99/contacts").respond(404, json=NOT_FOUND)
    with pytest.raises(NotFoundError) as info:
        await client.search_contacts("john@example.com", list_id=99)
    assert info.value.code == "LIST_NOT_FOUND"


async def test_list_and_count_contacts(api: respx.MockRouter, client: EGoiClient) -> None:
    in_list = api.get("/lists/3/contacts").respond(200, json=collection([egoi_contact()], total=40))
    in_segment = api.get("/lists/3/contacts/segment/seg_1").respond(200, json=collection([egoi_contact()], total=7))
    page = await client.list_contacts(3, limit=1)
    assert params_of(in_list) == {"offset": "0", "limit": "1"}
    assert page.total == 40
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor) == 1
    await client.list_contacts(3, segment_id="seg_1", limit=10, cursor=encode_cursor(20))
    assert params_of(in_segment) == {"offset": "20", "limit": "10"}
    assert await client.count_contacts(3) == 40
    assert await client.count_contacts(3, segment_id="seg_1") == 7
    assert params_of(in_list)["limit"] == "1"


# -- contacts: update and delete --------------------------------------------------------------------------


async def test_update_one_contact_is_a_patch(api: respx.MockRouter, client: EGoiClient) -> None:
    patch = api.patch(f"/lists/3/contacts/{CONTACT}").respond(200, json={"contact_id": CONTACT})
    bulk = api.post("/lists/3/contacts/actions/update").respond(202, json={"result": "success"})
    count = await client.update_contacts(
        [CONTACT],
        list_id=3,
        first_name="Jane",
        last_name="Roe",
        email="jane@example.com",
        phone="00351 912 345 678",
        status="inactive",
    )
    assert count == 1
    assert patch.call_count == 1
    assert bulk.call_count == 0
    assert body_of(patch) == {
        "base": {
            "first_name": "Jane",
            "last_name": "Roe",
            "cellphone": "351-912345678",
            "status": "inactive",
            "email": "jane@example.com",
        }
    }
    assert_auth(api)


async def test_update_many_contacts_is_chunked(api: respx.MockRouter, client: EGoiClient) -> None:
    ids = [f"{i:010x}" for i in range(2500)]
    api.get("/tags").respond(200, json=collection([egoi_tag(4, "updated")]))
    patch = api.patch(url__regex=r"/lists/3/contacts/[0-9a-f]{10}$").respond(200, json={"contact_id": CONTACT})
    bulk = api.post("/lists/3/contacts/actions/update").respond(202, json={"result": "success"})
    attach = api.post("/lists/3/contacts/actions/attach-tag").respond(202, json={"result": "success"})
    count = await client.update_contacts(ids, list_id=3, tags=["updated"], first_name="Jane")
    assert count == 2500
    assert patch.call_count == 0
    assert bulk.call_count == 3
    bodies = [body_of(bulk, i) for i in range(3)]
    assert [len(b["contacts"]) for b in bodies] == [1000, 1000, 500]
    assert all(b["type"] == "contacts" and b["base"] == {"first_name": "Jane"} for b in bodies)
    assert [c for b in bodies for c in b["contacts"]] == ids
    assert attach.call_count == 3
    attaches = [body_of(attach, i) for i in range(3)]
    assert [len(b["contacts"]) for b in attaches] == [1000, 1000, 500]
    assert {b["tag_id"] for b in attaches} == {4}
    assert [c for b in attaches for c in b["contacts"]] == ids


async def test_update_with_tags_only_does_not_patch(api: respx.MockRouter, client: EGoiClient) -> None:
    patch = api.patch(f"/lists/3/contacts/{CONTACT}").respond(200, json={"contact_id": CONTACT})
    attach = api.post("/lists/3/contacts/actions/attach-tag").respond(202, json={"result": "success"})
    await client.update_contacts([CONTACT, CONTACT], list_id=3, tags=[9])
    assert patch.call_count == 0
    assert body_of(attach) == {"tag_id": 9, "contacts": [CONTACT]}


async def test_delete_contacts_forgets_in_chunks(api: respx.MockRouter, client: EGoiClient) -> None:
    ids = [f"{i:010x}" for i in range(2500)]
    forget = api.post("/lists/3/contacts/actions/forget").respond(202, json={"result": "success"})
    unsubscribe = api.post("/lists/3/contacts/actions/unsubscribe").respond(200, json={"success": [], "errors": {}})
    assert await client.delete_contacts(ids, list_id=3) == 2500
    assert forget.call_count == 3
    assert unsubscribe.call_count == 0
    assert [body_of(forget, i) for i in range(3)] == [
        {"contacts": ids[:1000]},
        {"contacts": ids[1000:2000]},
        {"contacts": ids[2000:]},
    ]
    assert_auth(api)


async def test_delete_contacts_unsubscribe(api: respx.MockRouter, client: EGoiClient) -> None:
    forget = api.post("/lists/3/contacts/actions/forget").respond(202, json={"result": "success"})
    unsubscribe = api.post("/lists/3/contacts/actions/unsubscribe").respond(
        200, json={"success": [CONTACT, OTHER], "errors": {}}
    )
    assert await client.delete_contacts([CONTACT, OTHER, CONTACT], list_id=3, mode="unsubscribe") == 2
    assert forget.call_count == 0
    assert unsubscribe.call_count == 1
    assert body_of(unsubscribe) == {
        "data": [
            {"contact_id": CONTACT, "unsubscription_method": "api"},
            {"contact_id": OTHER, "unsubscription_method": "api"},
        ]
    }


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


# -- bad input: a clear error and not a single upstream call ------------------------------------------------


def _bad_calls(c: EGoiClient) -> list[tuple[str, Any, str | None]]:
    """(id, coroutine factory, expected code or None) for arguments that cannot be right."""
    return [
        ("email-no-at", lambda: c.create_contact("john.example.com", list_id=3), "EMAIL_ADDRESS_INVALID"),
        ("email-no-domain", lambda: c.create_contact("john@", list_id=3), "EMAIL_ADDRESS_INVALID"),
        ("email-space", lambda: c.create_contact("jo hn@example.com", list_id=3), "EMAIL_ADDRESS_INVALID"),
        ("email-empty", lambda: c.create_contact("", list_id=3), "EMAIL_ADDRESS_INVALID"),
        ("email-with-tags", lambda: c.create_contact("bad", list_id=3, tags=["vip"]), "EMAIL_ADDRESS_INVALID"),
        ("update-email", lambda: c.update_contacts([CONTACT], 3, email="nope"), "EMAIL_ADDRESS_INVALID"),
        ("search-email", lambda: c.search_contacts("john@", list_id=3), "EMAIL_ADDRESS_INVALID"),
        ("find-email", lambda: c.find_contact("@example.com"), "EMAIL_ADDRESS_INVALID"),
        ("bad-phone", lambda: c.create_contact("john@example.com", phone="call me", list_id=3), None),
        ("short-phone", lambda: c.create_contact("john@example.com", phone="+351 91", list_id=3), None),
        ("update-no-ids", lambda: c.update_contacts([], 3, first_name="J"), None),
        ("delete-no-ids", lambda: c.delete_contacts([], 3), None),
        ("attach-no-ids", lambda: c.attach_tag(4, [], 3), None),
        ("detach-no-ids", lambda: c.detach_tag(4, [" "], 3), None),
        ("get-bad-id", lambda: c.get_contact("abc", 3), "SUBSCRIBER_NOT_FOUND"),
        ("get-11-hex", lambda: c.get_contact("8f3a27ef26a", 3), "SUBSCRIBER_NOT_FOUND"),
        ("get-non-hex", lambda: c.get_contact("8f3a27ef2g", 3), "SUBSCRIBER_NOT_FOUND"),
        ("get-path-trick", lambda: c.get_contact("../../tags", 3), "SUBSCRIBER_NOT_FOUND"),
        ("update-bad-id", lambda: c.update_contacts([CONTACT, "nope"], 3, first_name="J"), "SUBSCRIBER_NOT_FOUND"),
        ("delete-bad-id", lambda: c.delete_contacts(["nope"], 3), "SUBSCRIBER_NOT_FOUND"),
        ("send-bad-contact", lambda: c.send_email_to_contact("abc123", "nope", 3), "SUBSCRIBER_NOT_FOUND"),
        ("create-no-list", lambda: c.create_contact("john@example.com"), "LIST_NOT_FOUND"),
        ("get-no-list", lambda: c.get_contact(CONTACT), "LIST_NOT_FOUND"),
        ("list-no-list", lambda: c.list_contacts(), "LIST_NOT_FOUND"),
        ("update-no-list", lambda: c.update_contacts([CONTACT], first_name="J"), "LIST_NOT_FOUND"),
        ("delete-no-list", lambda: c.delete_contacts([CONTACT]), "LIST_NOT_FOUND"),
        ("segments-no-list", lambda: c.segment_list(), "LIST_NOT_FOUND"),
        ("attach-no-list", lambda: c.attach_tag(4, [CONTACT]), "LIST_NOT_FOUND"),
        ("list-zero", lambda: c.get_contact(CONTACT, 0), "LIST_NOT_FOUND"),
        ("list-negative", lambda: c.delete_list(-3), "LIST_NOT_FOUND"),
        ("list-not-a-number", lambda: c.get_list("three"), "LIST_NOT_FOUND"),  # type: ignore[arg-type]
        ("search-name-no-list", lambda: c.search_contacts("John Doe"), None),
        ("search-empty", lambda: c.search_contacts("  ", list_id=3), None),
        ("find-neither", lambda: c.find_contact("John"), None),
        ("list-empty-name", lambda: c.create_list("   "), None),
        ("tag-empty-name", lambda: c.create_tag(""), None),
        ("tag-names-one-empty", lambda: c.create_contact("john@example.com", list_id=3, tags=["vip", " "]), None),
        ("update-tag-empty", lambda: c.update_contacts([CONTACT], 3, tags=["vip", ""]), None),
        ("tag-color-word", lambda: c.create_tag("vip", color="red"), None),
        ("tag-color-short", lambda: c.create_tag("vip", color="#FFF"), None),
        ("tag-color-no-hash", lambda: c.create_tag("vip", color="FF0000"), None),
        ("tag-color-bad-hex", lambda: c.create_tag("vip", color="#GG0000"), None),
        ("webhook-ftp", lambda: c.create_webhook(3, "ftp://example.com/hook", ["subscription"]), None),
        ("webhook-no-scheme", lambda: c.create_webhook(3, "example.com/hook", ["subscription"]), None),
        ("webhook-no-host", lambda: c.create_webhook(3, "https://", ["subscription"]), None),
        ("webhook-space", lambda: c.create_webhook(3, "https://exa mple.com/", ["subscription"]), None),
        ("webhook-empty", lambda: c.create_webhook(3, "", ["subscription"]), None),
        ("webhook-no-actions", lambda: c.create_webhook(3, "https://example.com/hook", []), None),
        ("webhook-bad-list", lambda: c.create_webhook(0, "https://example.com/hook", ["subscription"]), None),
        ("nothing-to-update", lambda: c.update_contacts([CONTACT], 3), None),
        ("email-for-many", lambda: c.update_contacts([CONTACT, OTHER], 3, email="a@b.co"), None),
        ("delete-bad-mode", lambda: c.delete_contacts([CONTACT], 3, mode="erase"), None),  # type: ignore[arg-type]
        ("send-bad-campaign", lambda: c.send_email_to_contact("no such/hash", CONTACT, 3), "CAMPAIGN_NOT_FOUND"),
        ("send-empty-campaign", lambda: c.send_email_to_segment("", "seg_1", 3), "CAMPAIGN_NOT_FOUND"),
        ("send-empty-segment", lambda: c.send_email_to_segment("abc123", " ", 3), "SEGMENT_NOT_FOUND"),
        ("get-campaign-bad", lambda: c.get_campaign("a b"), "CAMPAIGN_NOT_FOUND"),
        ("limit-too-big", lambda: c.list_contacts(3, limit=1001), None),
        ("limit-zero", lambda: c.campaign_list(limit=0), None),
        ("bad-cursor", lambda: c.list_tags(cursor="xyz"), None),
    ]


_BAD_IDS = [case[0] for case in _bad_calls(None)]  # type: ignore[arg-type]


@pytest.mark.parametrize("case", _BAD_IDS)
async def test_bad_input_is_refused_without_calling_egoi(api: respx.MockRouter, client: EGoiClient, case: str) -> None:
    catch_all = api.route().respond(500)
    (_, call, code) = next(c for c in _bad_calls(client) if c[0] == case)
    with pytest.raises(InvalidArgumentError) as info:
        await call()
    assert catch_all.call_count == 0
    assert len(api.calls) == 0
    assert info.value.message
    assert info.value.status is None
    if code:
        assert info.value.code == code


# -- phones ---------------------------------------------------------------------------------------------

_EGOI_PATTERN = re.compile(r"[0-9]{1,3}-[0-9]{4,20}")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+351 912 345 678", "351-912345678"),
        ("+351912345678", "351-912345678"),
        ("00351 912-345-678", "351-912345678"),
        ("351-912345678", "351-912345678"),
        (" 351-300404336 ", "351-300404336"),
        ("+1 (555) 123-4567", "1-5551234567"),
        ("+44 20 7946 0958", "44-2079460958"),
        ("+7 912 345 67 89", "7-9123456789"),
        ("+55 11 91234 5678", "55-11912345678"),
        ("+44 (0)20 7946 0958", "44-2079460958"),  # the trunk prefix of a known number is dropped
    ],
)
def test_egoi_phone(given: str, expected: str) -> None:
    assert egoi_phone(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "call me",
        "912345678",
        "+351",
        "+351 91",
        "+351 912 345 678 901 234 567 890 12",
        "+٣٥١٩١٢٣٤٥٦٧٨",
        "351-٩١٢٣٤٥٦٧٨",
    ],
)
def test_egoi_phone_refuses(bad: str) -> None:
    with pytest.raises(InvalidArgumentError):
        egoi_phone(bad)


_PHONEISH = st.text(alphabet="+0123456789 -().\u0663\u0669\uff11", max_size=30)


@given(st.one_of(st.text(max_size=40), _PHONEISH))
def test_egoi_phone_only_raises_argument_errors_and_only_returns_egoi_form(text: str) -> None:
    try:
        result = egoi_phone(text)
    except InvalidArgumentError:
        return
    assert _EGOI_PATTERN.fullmatch(result)


@given(
    st.sampled_from(["1", "7", "44", "55", "351", "353", "238"]),
    st.text(alphabet="0123456789", min_size=6, max_size=11).map(lambda digits: "5" + digits),  # no trunk prefix
    st.sampled_from(["", " ", "-", "."]),
)
def test_egoi_phone_keeps_every_digit(cc: str, national: str, sep: str) -> None:
    spaced = sep.join([national[:3], national[3:]])
    result = egoi_phone(f"+{cc} {spaced}")
    assert result == f"{cc}-{national}"

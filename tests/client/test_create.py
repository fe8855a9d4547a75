"""EGoiClient against a respx-mocked E-goi: creating contacts, the exact requests and how the answers are read.

Response bodies follow the examples of E-goi's OpenAPI file (`openapi-v3.contract.yaml`); the mock is conftest.py.
"""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from egoi_mcp.client import EGoiClient
from egoi_mcp.errors import NotFoundError
from egoi_mcp.models import Contact, Tag, TagRef
from tests.client.egoi import (
    CONTACT,
    OTHER,
    assert_auth,
    body_of,
    collection,
    egoi_tag,
    params_of,
)

pytestmark = pytest.mark.anyio


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

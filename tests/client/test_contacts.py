"""EGoiClient against a respx-mocked E-goi: the exact request and how the answer is read, for ping and contacts
(read, search, update, delete). Creating contacts, the other resources and bad input have files of their own
(test_create.py, test_resources.py, test_input.py).

Response bodies follow the examples of E-goi's OpenAPI file (`openapi-v3.contract.yaml`); the mock is conftest.py.
"""

from __future__ import annotations

import pytest
import respx

from egoi_mcp._paging import decode_cursor, encode_cursor
from egoi_mcp.client import EGoiClient
from egoi_mcp.errors import NotFoundError
from egoi_mcp.models import Contact, Page, TagRef
from tests.client.egoi import (
    CONTACT,
    NOT_FOUND,
    OTHER,
    assert_auth,
    body_of,
    collection,
    egoi_contact,
    egoi_tag,
    params_of,
)

pytestmark = pytest.mark.anyio


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

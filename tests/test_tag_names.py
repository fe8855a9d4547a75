"""A tag is a name unless it is given as an id (issue 17, finding 6), through a real MCP client in both protocol
eras on the sandbox: `tag` / `tags` are names, even "1", "3" or "2026" (created where the tool creates tags,
never read as another tag's id); ids go in `tag_id` / `tag_ids`. The sandbox's seed tags have ids 1 to 5."""

from __future__ import annotations

import pytest
from mcp import Client

from egoi_mcp.sandbox import Sandbox
from egoi_mcp.server import EgoiServer
from tests.conftest import call, fails

pytestmark = pytest.mark.anyio


def _sandbox(server: EgoiServer) -> Sandbox:
    sandbox = server.current().sandbox
    assert sandbox is not None
    return sandbox


def _tag_named(sandbox: Sandbox, name: str) -> int:
    (tag_id,) = [t.tag_id for t in sandbox.tags.values() if t.name == name]
    return tag_id


def _holders(sandbox: Sandbox, tag_id: int, list_id: int = 1) -> set[str]:
    return {c.contact_id for c in sandbox.contacts_of(list_id) if tag_id in c.tags}


async def _contacts(client: Client, *emails: str) -> list[str]:
    return [(await call(client, "egoi_create_contact", email=email, list_id=1))["id"] for email in emails]


async def test_listing_by_a_tag_named_1_lists_that_tag_not_tag_id_1(client: Client, server: EgoiServer) -> None:
    sandbox = _sandbox(server)
    ids = await _contacts(client, "one-a@example.com", "one-b@example.com")
    attached = await call(client, "egoi_attach_tag", tag="1", contact_ids=ids, list_id=1)
    named_1 = _tag_named(sandbox, "1")
    assert attached["tag_id"] == named_1 != 1
    assert _holders(sandbox, named_1) == set(ids)

    listed = await call(client, "egoi_list_contacts", list_id=1, tag="1", limit=100)
    assert {c["id"] for c in listed["items"]} == set(ids)
    by_id = await call(client, "egoi_list_contacts", list_id=1, tag_id=1, limit=100)  # tag id 1 is "vip"
    assert {c["id"] for c in by_id["items"]} == _holders(sandbox, 1) != set(ids)


async def test_an_existing_tag_named_1_is_listed_by_its_name(client: Client, server: EgoiServer) -> None:
    sandbox = _sandbox(server)
    made = await call(client, "egoi_create_tag", name="1")
    (contact,) = await _contacts(client, "named-one@example.com")
    assert (await call(client, "egoi_attach_tag", tag="1", contact_ids=[contact], list_id=1))["tag_id"] == made["id"]
    listed = await call(client, "egoi_list_contacts", list_id=1, tag="1", limit=100)
    assert [c["id"] for c in listed["items"]] == [contact]
    assert _holders(sandbox, 1) and contact not in _holders(sandbox, 1)


async def test_create_contact_creates_a_tag_named_2026(client: Client, server: EgoiServer) -> None:
    sandbox = _sandbox(server)
    contact = await call(client, "egoi_create_contact", email="year@example.com", list_id=1, tags=["2026"])
    named = _tag_named(sandbox, "2026")
    assert contact["tags"] == [{"id": named, "name": "2026"}]
    assert _holders(sandbox, named) == {contact["id"]}


async def test_a_tag_named_3_is_never_tag_id_3(client: Client, server: EgoiServer) -> None:
    sandbox = _sandbox(server)
    lisbon = _holders(sandbox, 3)
    contact = await call(client, "egoi_create_contact", email="three@example.com", list_id=1, tags=["3"])
    named_3 = _tag_named(sandbox, "3")
    assert named_3 != 3 and contact["tags"] == [{"id": named_3, "name": "3"}]
    (other,) = await _contacts(client, "three-b@example.com")
    attached = await call(client, "egoi_attach_tag", tag=" 3 ", contact_ids=[other], list_id=1)
    assert attached["tag_id"] == named_3
    assert _holders(sandbox, 3) == lisbon  # tag id 3 ("lisbon") was put on nobody
    assert _holders(sandbox, named_3) == {contact["id"], other}
    await call(client, "egoi_detach_tag", tag="3", contact_ids=[other], list_id=1)
    assert _holders(sandbox, named_3) == {contact["id"]} and _holders(sandbox, 3) == lisbon


async def test_ids_go_in_tag_id_and_tag_ids(client: Client, server: EgoiServer) -> None:
    sandbox = _sandbox(server)
    contact = await call(client, "egoi_create_contact", email="ids@example.com", list_id=1, tags=["7"])
    await call(client, "egoi_attach_tag", tag_id=3, contact_ids=[contact["id"]], list_id=1)
    read = await call(client, "egoi_get_contact", contact_id=contact["id"], list_id=1)
    assert {t["name"] for t in read["tags"]} == {"7", "lisbon"}
    attached = await call(client, "egoi_attach_tag", tag_id=1, contact_ids=[contact["id"]], list_id=1)
    assert attached["tag_id"] == 1 and contact["id"] in _holders(sandbox, 1)
    by_id = await call(client, "egoi_list_contacts", list_id=1, tag_id=1, limit=100)
    by_name = await call(client, "egoi_list_contacts", list_id=1, tag="VIP", limit=100)
    assert by_id == by_name and contact["id"] in {c["id"] for c in by_id["items"]}
    await call(client, "egoi_detach_tag", tag_id=1, contact_ids=[contact["id"]], list_id=1)
    assert contact["id"] not in _holders(sandbox, 1)
    assert "TAG_NOT_FOUND" in await fails(client, "egoi_attach_tag", tag_id=999, contact_ids=[contact["id"]], list_id=1)


async def test_tag_and_tag_id_are_one_or_the_other(client: Client, server: EgoiServer) -> None:
    sandbox = _sandbox(server)
    (contact,) = await _contacts(client, "either@example.com")
    tags_before = {t.tag_id: t.name for t in sandbox.tags.values()}
    for tool in ("egoi_attach_tag", "egoi_detach_tag"):
        both = await fails(client, tool, tag="vip", tag_id=1, contact_ids=[contact], list_id=1)
        assert both.endswith("INVALID_ARGUMENT: give tag (a name) or tag_id (an id), not both")
        neither = await fails(client, tool, contact_ids=[contact], list_id=1)
        assert neither.endswith("INVALID_ARGUMENT: give tag (a tag name) or tag_id (an id from egoi_list_tags)")
    both = await fails(client, "egoi_list_contacts", list_id=1, tag="vip", tag_id=1)
    assert "INVALID_ARGUMENT: give tag (a name) or tag_id" in both
    number = await fails(client, "egoi_attach_tag", tag=3, contact_ids=[contact], list_id=1)
    assert number.startswith("INVALID_ARGUMENT tag:") and "an id goes in tag_id" in number
    numbers = await fails(client, "egoi_create_contact", email="n@example.com", list_id=1, tags=[3])
    assert numbers.startswith("INVALID_ARGUMENT tags.0:") and "an id goes in tag_ids" in numbers
    flag = await fails(client, "egoi_attach_tag", tag_id=True, contact_ids=[contact], list_id=1)
    assert flag.startswith("INVALID_ARGUMENT tag_id:")
    assert {t.tag_id: t.name for t in sandbox.tags.values()} == tags_before
    found = sandbox.find_contact(1, contact)
    assert found is not None and not found.tags
    assert "n@example.com" not in {c.email for c in sandbox.contacts_of(1)}

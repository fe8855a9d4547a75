"""The Python library end to end against the embedded sandbox: every method, real state changes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from egoi_mcp.client import EGoiClient, TagName
from egoi_mcp.errors import ConflictError, InvalidArgumentError, NotFoundError
from egoi_mcp.models import TagRef
from egoi_mcp.sandbox import create_app

pytestmark = pytest.mark.anyio


KEY = "sandbox-test-key"


class Counting(httpx.AsyncBaseTransport):
    """The sandbox's ASGI transport, counting the requests that reach it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await self.inner.handle_async_request(request)


@pytest.fixture
def sandbox() -> Counting:
    return Counting(httpx.ASGITransport(app=create_app()))


@pytest.fixture
async def client(sandbox: Counting) -> AsyncIterator[EGoiClient]:
    async with EGoiClient(KEY, base_url="http://sandbox", transport=sandbox) as c:
        yield c


async def test_contact_lifecycle(client: EGoiClient) -> None:
    assert await client.ping()
    lst = await client.create_list("Launch", "Launch news")
    contact = await client.create_contact(
        "ana@example.com", "Ana", "Lopes", "+351 912 345 678", list_id=lst.id, tags=["vip", "launch"]
    )
    assert contact.phone == "351-912345678"

    got = await client.get_contact(contact.id, lst.id)
    assert (got.email, got.first_name) == ("ana@example.com", "Ana")
    assert sorted(got.tags, key=lambda t: t.id) == sorted(contact.tags, key=lambda t: t.id)
    assert {tag.name for tag in got.tags} == {"vip", "launch"}
    assert [c.id for c in (await client.search_contacts("ana@example.com", lst.id)).items] == [contact.id]
    assert [c.id for c in (await client.search_contacts("Ana Lopes", lst.id)).items] == [contact.id]
    assert [c.id for c in (await client.search_contacts("+351912345678", lst.id)).items] == [contact.id]
    everywhere = await client.find_contact("ana@example.com")
    assert [(r.contact_id, r.list_id) for r in everywhere] == [(contact.id, lst.id)]

    with pytest.raises(ConflictError) as duplicate:
        await client.create_contact("ana@example.com", list_id=lst.id)
    assert duplicate.value.code == "EMAIL_ALREADY_EXISTS" and duplicate.value.existing_id == contact.id

    await client.update_contacts([contact.id], lst.id, first_name="Anabela", tags=["updated"])
    updated = await client.get_contact(contact.id, lst.id)
    assert updated.first_name == "Anabela" and len(updated.tags) == 3

    await client.delete_contacts([contact.id], lst.id, mode="unsubscribe")
    assert (await client.get_contact(contact.id, lst.id)).status == "removed"
    await client.delete_contacts([contact.id], lst.id)
    with pytest.raises(NotFoundError) as gone:
        await client.get_contact(contact.id, lst.id)
    assert gone.value.code == "SUBSCRIBER_NOT_FOUND"

    await client.delete_list(lst.id)
    assert lst.id not in [item.id for item in (await client.get_lists(limit=100)).items]


async def test_bulk_update_and_delete_of_many(client: EGoiClient, sandbox: Counting) -> None:
    ids = [(await client.create_contact(f"bulk{i}@example.com", list_id=2)).id for i in range(5)]
    calls = sandbox.requests
    await client.update_contacts(ids, 2, last_name="Bulk", tags=["bulk"])
    # one tag listing, one tag creation (new name), one actions/update, one attach-tag: never one call per contact
    assert sandbox.requests - calls == 4
    assert {(await client.get_contact(i, 2)).last_name for i in ids} == {"Bulk"}
    await client.delete_contacts(ids, 2)
    assert (await client.search_contacts("bulk0@example.com", 2)).items == []


async def test_tags_and_segments(client: EGoiClient) -> None:
    tag = await client.create_tag("coffee", "#6F4E37")
    assert (await client.find_tag("COFFEE")).id == tag.id
    with pytest.raises(ConflictError):
        await client.create_tag("coffee")
    contact = await client.create_contact("beans@example.com", list_id=1)
    await client.attach_tag("coffee", [contact.id], 1)
    segment = next(s for s in (await client.segment_list(1, type="tag")).items if s.name == "coffee")
    assert contact.id in [c.id for c in (await client.list_contacts(1, segment_id=segment.id, limit=100)).items]
    assert await client.count_contacts(1, segment.id) == 1
    tagged = await client.list_contacts(1, tag="Coffee")  # through the tag's segment, by name
    assert [(c.id, c.tags) for c in tagged.items] == [(contact.id, [TagRef(id=tag.id, name="coffee")])]
    assert tagged.total == 1
    assert [c.id for c in (await client.list_contacts(1, tag=tag.id)).items] == [contact.id]  # by id
    await client.detach_tag(tag.id, [contact.id], 1)
    assert await client.count_contacts(1, segment.id) == 0
    await client.delete_tag(tag.id)
    with pytest.raises(NotFoundError):
        await client.find_tag("coffee")


async def test_campaign_sends_and_webhooks(client: EGoiClient) -> None:
    campaign = (await client.campaign_list(list_id=1)).items[0]
    assert (await client.get_campaign(campaign.id)).name == campaign.name
    contact = await client.create_contact("reader@example.com", list_id=1)
    assert await client.send_email_to_contact(campaign.id, contact.id, 1) == "reader@example.com"
    segment = (await client.segment_list(1, type="auto")).items[0]
    await client.send_email_to_segment(campaign.id, segment.id, 1)
    with pytest.raises(NotFoundError) as unknown:  # the plan reads the campaign first: nothing is sent
        await client.send_email_to_segment("unknown_hash", segment.id, 1)
    assert unknown.value.code == "CAMPAIGN_NOT_FOUND"

    hook = await client.create_webhook(1, "https://example.com/hook", ["subscription", "email_open"])
    assert hook.id in [h.id for h in (await client.list_webhooks()).items]
    await client.delete_webhook(hook.id)
    with pytest.raises(NotFoundError):
        await client.delete_webhook(hook.id)


async def test_pages_follow_cursors_to_the_end(client: EGoiClient) -> None:
    seen, cursor = [], None
    while True:
        page = await client.list_contacts(1, limit=4, cursor=cursor)
        seen += [c.id for c in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == page.total


async def test_bad_input_makes_no_call(client: EGoiClient, sandbox: Counting) -> None:
    for bad in (
        client.create_contact("nope", list_id=1),
        client.get_contact("xyz", 1),
        client.delete_contacts([], 1),
        client.create_list("  "),
        client.get_lists(limit=5000),
    ):
        with pytest.raises(InvalidArgumentError):
            await bad
    assert sandbox.requests == 0


async def test_unsubscribe_that_removes_nobody_is_an_error(client: EGoiClient) -> None:
    contact = await client.create_contact("twice@example.com", list_id=1)
    assert await client.delete_contacts([contact.id], 1, mode="unsubscribe") == 1
    with pytest.raises(NotFoundError) as again:
        await client.delete_contacts([contact.id, "abcdef0123"], 1, mode="unsubscribe")
    assert "already removed" in again.value.message and "not in list" in again.value.message


async def test_a_tag_made_elsewhere_after_the_cache_filled_is_found(client: EGoiClient, sandbox: Counting) -> None:
    contact = await client.create_contact("cache@example.com", list_id=1, tags=["vip"])  # fills the tag cache
    async with EGoiClient(KEY, base_url="http://sandbox", transport=sandbox) as elsewhere:
        made = await elsewhere.create_tag("made-elsewhere")
    assert await client.attach_tag("made-elsewhere", [contact.id], 1) == made.id
    assert await client.detach_tag("made-elsewhere", [contact.id], 1) == made.id
    updated = await client.create_contact("cache2@example.com", list_id=1, tags=["made-elsewhere"])
    assert made.id in [tag.id for tag in updated.tags]
    assert "made-elsewhere" in [tag.name for tag in updated.tags]


async def test_a_tag_name_is_never_read_as_an_id(client: EGoiClient) -> None:
    """A plain digit string still reads as an id when no tag has that name; a `TagName` is only ever a name."""
    contact = await client.create_contact("digits@example.com", list_id=1, tags=[TagName("3")])
    named = await client.find_tag(TagName("3"))
    assert named.name == "3" and named.id != 3 and [t.name for t in contact.tags] == ["3"]
    assert (await client.find_tag("3")).id == named.id  # the name that exists wins
    assert (await client.find_tag(3)).name == "lisbon"  # an int is always an id
    assert (await client.find_tag("4")).name == "beta-tester"  # no tag named "4": a plain string reads as id 4
    with pytest.raises(NotFoundError) as missing:
        await client.find_tag(TagName("4"))
    assert missing.value.code == "TAG_NOT_FOUND"
    assert await client.attach_tag(TagName("4"), [contact.id], 1) not in (4, named.id)
    listed = await client.list_contacts(1, tag=TagName("4"))
    assert [c.id for c in listed.items] == [contact.id]
    with pytest.raises(NotFoundError) as unknown:
        await client.attach_tag(999, [contact.id], 1)
    assert unknown.value.code == "TAG_NOT_FOUND"

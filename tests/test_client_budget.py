"""The bound on the E-goi requests of one call (`request_budget`), against a counting fake E-goi with collections
far larger than one call may read (300,000 operations, 200,000 campaigns, 50,000 tag segments), and an upstream
that ignores `limit`; and against the sandbox with more tags than one call may list."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

from egoi_mcp.client import DEFAULT_CALL_BOUND, EGoiClient, Listing, default_call_bound, request_budget
from egoi_mcp.errors import CallBudgetExceededError, InvalidArgumentError, RateLimitError
from egoi_mcp.ratelimit import RateLimiter
from egoi_mcp.sandbox import create_app
from tests.test_client_sandbox import Counting

pytestmark = pytest.mark.anyio

KEY = "budget-test-key-0123456789"


class FakeEgoi:
    """E-goi with big collections, built item by item as asked; counts every request. `sloppy` ignores `limit`
    (and answers 20,000 items a page)."""

    def __init__(self, *, operations: int = 0, campaigns: int = 0, tag_segments: int = 0, sloppy: bool = False):
        self.sizes = {"/operations": operations, "/campaigns": campaigns, "/lists/1/segments": tag_segments,
                      "/lists": 20_000, "/tags": 3}  # fmt: skip
        self.sloppy = sloppy
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.method == "POST" and path == "/operations/actions/cancel":
            return httpx.Response(200, json={"success": json.loads(request.content)["operations"]})
        if path.startswith("/lists/1/contacts/segment/"):
            return httpx.Response(200, json={"total_items": 0, "items": []})
        total = self.sizes.get(path)
        if total is None:
            return httpx.Response(404, json={"title": "Not Found", "status": 404})
        offset = int(request.url.params.get("offset", 0))
        limit = 20_000 if self.sloppy else int(request.url.params.get("limit", 10))
        items = [_item(path, n) for n in range(offset, min(total, offset + limit))]
        return httpx.Response(200, json={"total_items": total, "items": items})


def _item(path: str, n: int) -> dict[str, Any]:
    if path == "/operations":
        return {"operation_id": n + 1, "type": "email", "status": "queued",
                "operation_data": {"campaign_hash": "wanted" if n % 1000 == 0 else f"c{n}"}}  # fmt: skip
    if path == "/campaigns":
        return {"campaign_hash": f"h{n}", "internal_name": f"Campaign {n}", "list_id": 1}
    if path == "/lists/1/segments":
        return {"segment_id": f"tag_{n}", "name": f"tag {n}", "type": "tag"}
    if path == "/tags":
        return {"tag_id": n + 1, "name": f"tag {n}"}
    return {"list_id": n + 1, "internal_name": f"List {n}", "public_name": f"List {n}"}


@pytest.fixture
def fake() -> FakeEgoi:
    return FakeEgoi(operations=300_000, campaigns=200_000, tag_segments=50_000)


@pytest.fixture
async def client(fake: FakeEgoi) -> AsyncIterator[EGoiClient]:
    limiter = RateLimiter(per_hour=150, max_wait=0.01)
    async with EGoiClient(KEY, transport=httpx.MockTransport(fake), limiter=limiter, default_list_id=1) as c:
        yield c


async def test_a_long_queue_is_read_to_the_bound_and_said_partial(client: EGoiClient, fake: FakeEgoi) -> None:
    with request_budget() as budget:
        pending = await client.pending_sends("wanted")
    assert budget.limit == default_call_bound(150) == 10 and budget.used == len(fake.requests) == 10
    assert isinstance(pending, Listing) and not pending.complete
    assert len(pending) == 10  # one of each 1000 operations is the campaign's: 10 pages read
    with request_budget():  # the cancel leaves one request for itself: 9 pages, then one cancel
        cancelled = await client.cancel_send("wanted")
    assert (len(cancelled), cancelled.complete) == (9, False)
    assert [r.method for r in fake.requests[10:]] == ["GET"] * 9 + ["POST"]


async def test_the_request_past_the_bound_is_refused_unsent(client: EGoiClient, fake: FakeEgoi) -> None:
    with request_budget(3) as budget:
        for _ in range(3):
            await client.get_lists(limit=1)
        with pytest.raises(CallBudgetExceededError) as info:
            await client.get_lists(limit=1)
    assert len(fake.requests) == budget.used == 3
    error = info.value
    assert isinstance(error, RateLimitError) and error.code == "CALL_BUDGET_EXCEEDED"
    assert "3 E-goi requests" in error.message and "narrow" in error.message
    await client.get_lists(limit=1)  # outside any scope: no bound
    assert len(fake.requests) == 4


async def test_the_default_bound_is_a_tenth_of_a_small_hourly_budget(fake: FakeEgoi) -> None:
    assert [default_call_bound(n) for n in (1, 50, 150, 5000)] == [1, 5, DEFAULT_CALL_BOUND, DEFAULT_CALL_BOUND]
    limiter = RateLimiter(per_hour=50, max_wait=0.01)
    async with EGoiClient(KEY, transport=httpx.MockTransport(fake), limiter=limiter) as c:
        with request_budget() as budget:
            assert not (await c.pending_sends("wanted")).complete
    assert budget.limit == 5 and len(fake.requests) == 5


async def test_campaign_names_past_the_bound_go_unnamed_not_failed(client: EGoiClient, fake: FakeEgoi) -> None:
    with request_budget() as budget:
        names = await client.campaign_names(["h3", "h199999"])
        assert names == {"h3": "Campaign 3"}  # the first 10,000 campaigns are read; the rest stay unnamed
        assert await client.campaign_names(["h199998"]) == {}  # nothing left to list with: still an answer
    assert budget.used == len(fake.requests) == 10


async def test_a_tag_whose_segment_lies_past_the_bound_says_how_to_narrow(client: EGoiClient, fake: FakeEgoi) -> None:
    with request_budget():
        page = await client.list_contacts(1, tag="tag 2")  # its segment is on the first page: paging stops there
    assert page.items == [] and len(fake.requests) == 2  # the segments' first page, the segment's contacts
    with request_budget() as budget, pytest.raises(CallBudgetExceededError) as info:
        await client.list_contacts(1, tag="tag 49999")
    assert "segment_id" in info.value.message and budget.used <= 10


async def test_a_page_larger_than_asked_is_cut_to_the_page_size() -> None:
    sloppy = FakeEgoi(operations=30_000, sloppy=True)
    async with EGoiClient(KEY, transport=httpx.MockTransport(sloppy)) as c:
        page = await c.get_lists(limit=25)  # E-goi answers 20,000 lists
        assert [lst.id for lst in page.items] == list(range(1, 26)) and page.total == 20_000
        assert page.next_cursor is not None
        following = await c.get_lists(limit=25, cursor=page.next_cursor)
        assert sloppy.requests[-1].url.params["offset"] == "25" and len(following.items) == 25
        with request_budget():
            pending = await c.pending_sends("wanted")
    assert not pending.complete and len(sloppy.requests) == 12


async def test_tasks_started_in_a_scope_share_its_count(client: EGoiClient, fake: FakeEgoi) -> None:
    with request_budget(4) as budget:
        async with anyio.create_task_group() as tasks:
            for _ in range(4):
                tasks.start_soon(client.get_lists)
        with pytest.raises(CallBudgetExceededError):
            await client.get_lists()
        with request_budget(1) as inner:  # a nested scope counts on its own
            await client.get_lists()
    assert (budget.used, inner.used, len(fake.requests)) == (4, 1, 5)


@pytest.mark.parametrize("limit", [0, -1, True, 2.5])
def test_a_budget_must_be_a_positive_integer(limit: Any) -> None:
    with pytest.raises(InvalidArgumentError), request_budget(limit):
        pass


async def test_more_tags_than_one_call_may_list_refuse_names_not_read() -> None:
    """At the sandbox: 12,000 tags. A tag among the first 10,000 is found; one past them is an error that says
    to pass the id, never "no such tag", and never a duplicate made by creating it."""
    app = create_app()
    sandbox = app.state.sandbox
    for n in range(12_000):
        sandbox.add_tag(f"bulk {n}", "#000000")
    transport = Counting(httpx.ASGITransport(app=app))
    async with EGoiClient(KEY, base_url="http://sandbox", transport=transport, default_list_id=1) as c:
        with request_budget():
            assert (await c.find_tag("bulk 42")).name == "bulk 42"
        with request_budget(), pytest.raises(CallBudgetExceededError) as info:
            await c.find_tag("bulk 11999")
        assert "pass the tag's id" in info.value.message
        count = len(sandbox.tags)
        with request_budget(), pytest.raises(CallBudgetExceededError):
            await c.create_contact("new@example.com", tags=["not yet a tag"])
        assert len(sandbox.tags) == count and transport.requests == 30
        assert (await c.find_tag("bulk 11999")).name == "bulk 11999"  # no bound outside a scope


async def test_a_listing_does_not_page_at_the_refill_rate(fake: FakeEgoi) -> None:
    """With the budget spent, one call waits for the refill at most `max_wait` in all, not once a page: the second
    page that would wait again is RATE_LIMITED with the reset time, at once."""
    limiter = RateLimiter(per_hour=3600, max_wait=1.5)  # one request a second once spent
    async with EGoiClient(KEY, transport=httpx.MockTransport(fake), limiter=limiter, default_list_id=1) as client:
        for _ in range(3600):  # spend the hour's budget, none of it waited for
            async with limiter.slot(max_wait=0):
                pass
        started = anyio.current_time()
        with request_budget(10), pytest.raises(RateLimitError) as spent:
            await client.pending_sends("wanted")
        took = anyio.current_time() - started
    assert "resets at" in spent.value.message and took < 3, f"{took:.1f} s: it paged at the refill rate"
    assert 1 <= len(fake.requests) <= 2, "a page after the one the call waited for is not waited for"

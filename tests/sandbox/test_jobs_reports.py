"""The sandbox's numbers agree: what it posts as webhooks is what its reports count and what its contacts'
timelines show (the operations queue: test_jobs_queue.py)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from egoi_mcp.sandbox import Sandbox
from egoi_mcp.sandbox.engagement import outcome
from tests.sandbox.account import (
    APRIL,
    EMAIL_ACTIONS,
    HOOK_URL,
    Clock,
    Recorder,
    hash_of,
    report,
    sandbox_of,
    send,
    timeline,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> Clock:
    return Clock()


# -- reports and timelines agree with the webhooks --------------------------------------------------


async def test_report_and_timelines_count_exactly_what_was_posted(
    app: Starlette, http: httpx.AsyncClient, recorder: Recorder
) -> None:
    sandbox = sandbox_of(app)
    await http.post("/webhooks", json={"list_id": 1, "url": HOOK_URL, "actions": EMAIL_ACTIONS})
    campaign_hash = hash_of(sandbox, APRIL)
    assert (await report(http, campaign_hash))["overall"]["sends"] == 0  # not sent yet: a report of zeros

    assert (await send(http, campaign_hash)).status_code == 200
    await sandbox.drain()
    posted = Counter(body["action"] for body in recorder.received)
    assert posted["email_send"] == len([c for c in sandbox.contacts_of(1) if c.status == "active"])
    assert posted["email_open"] and posted["email_click"]

    got = await report(http, campaign_hash)
    overall = got["overall"]
    assert got["campaign_hash"] == campaign_hash
    assert (overall["sends"], overall["opens"], overall["clicks"]) == (
        posted["email_send"],
        posted["email_open"],
        posted["email_click"],
    )
    assert (overall["soft_bounces"], overall["hard_bounces"]) == (posted["email_soft_bounce"], 0)
    assert overall["unique_opens"] == len({b["contact_id"] for b in recorder.actions("email_open")})
    assert overall["unique_clicks"] == len({b["contact_id"] for b in recorder.actions("email_click")})
    assert overall["opens"] > overall["unique_opens"]  # the clickers opened twice
    assert overall["complaints"] == overall["unsubscriptions"] == 0

    # Every series adds up to the overall numbers; the links are the ones clicked.
    for series in ("date", "weekday", "hour", "domain"):
        for metric in ("sends", "opens", "clicks", "soft_bounces"):
            assert sum(row[metric] for row in got[series]) == overall[metric], (series, metric)
    assert [row["date"] for row in got["date"]] == ["2026-06-01"]
    assert [row["weekday"] for row in got["weekday"]] == ["1"]  # a Monday; "0" is Sunday
    assert {row["domain"] for row in got["domain"]} == {"example.com", "example.org"}
    clicked = Counter(body["url"] for body in recorder.actions("email_click"))
    assert {row["url"]: row["clicks"] for row in got["url"]} == clicked
    assert [row["clicks"] for row in got["url"]] == sorted(clicked.values(), reverse=True)
    assert got["location"] == got["reader"] == []
    hidden = await report(http, campaign_hash, date="false", weekday="false", hour="false", url="false")
    assert set(hidden) == {"campaign_hash", "overall", "location", "domain", "reader"}

    # Each recipient's timeline shows its own events, newest first, and its stats agree.
    for contact_id in {body["contact_id"] for body in recorder.received}:
        mine = [b for b in recorder.received if b["contact_id"] == contact_id]
        items = await timeline(http, 1, contact_id, date_min="2026-06-01")
        assert [item["action_name"] for item in items] == [b["action"] for b in reversed(mine)]
        assert all(item["action_data"]["campaign_hash"] == campaign_hash for item in items)
        assert all(item["date"] == "2026-06-01 09:00:00" for item in items)
        clicks = [item["action_data"]["url"] for item in items if item["action_name"] == "email_click"]
        assert clicks == [b["url"] for b in mine if b["action"] == "email_click"]
        stats = (await http.get(f"/lists/1/contacts/{contact_id}")).json()["email_stats"]
        expected = outcome(campaign_hash, contact_id)
        assert stats["opens"] - _seeded(sandbox, contact_id, "email_open") == expected.opens
        assert stats["soft_bounces"] - _seeded(sandbox, contact_id, "email_soft_bounce") == int(expected.bounced)


def _seeded(sandbox: Sandbox, contact_id: str, action: str) -> int:
    """How many such events the seeded history holds for the contact (before the test's send)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return sum(1 for a in sandbox.activities if a.contact_id == contact_id and a.action == action and a.date < start)


async def test_the_seeded_history_agrees_with_itself(app: Starlette, http: httpx.AsyncClient) -> None:
    sandbox = sandbox_of(app)
    sent = [c for c in sandbox.campaigns.values() if c.status == "sent"]
    assert len(sent) == 2
    opens = clicks = 0
    for campaign in sent:
        overall = (await report(http, campaign.campaign_hash))["overall"]
        assert overall["sends"] == campaign.processed_messages > 0
        opens, clicks = opens + overall["opens"], clicks + overall["clicks"]
        assert len((await report(http, campaign.campaign_hash))["date"]) > 1  # opens over several days
    contacts = sandbox.contacts_of(1)
    assert sum(c.email_stats.opens for c in contacts) == opens
    assert sum(c.email_stats.clicks for c in contacts) == clicks

    removed = next(c for c in contacts if c.status == "removed")
    items = await timeline(http, 1, removed.contact_id)
    assert items[0]["action_name"] == "unsubscribe" and items[-1]["action_name"] == "subscription"
    assert [i["date"] for i in items] == sorted((i["date"] for i in items), reverse=True)
    tagged = next(c for c in contacts if c.tags)
    tags = [i["action_data"]["tag_id"] for i in await timeline(http, 1, tagged.contact_id, action_name="attach_tag")]
    assert sorted(tags) == sorted(tagged.tags)


async def test_report_of_an_unknown_campaign_is_404(http: httpx.AsyncClient) -> None:
    response = await http.get("/reports/email/nope")
    assert response.status_code == 404 and response.json()["title"] == "NotFound"


async def test_timeline_pages_filters_and_unknowns(app: Starlette, http: httpx.AsyncClient) -> None:
    sandbox = sandbox_of(app)
    contact_id = next(a.contact_id for a in sandbox.activities if a.action == "email_click" and a.list_id == 1)
    everything = await timeline(http, 1, contact_id)
    assert len(everything) >= 5
    pages = [await timeline(http, 1, contact_id, offset=n, limit=2) for n in range(0, len(everything), 2)]
    assert [item for page in pages for item in page] == everything
    assert len(await timeline(http, 1, contact_id, limit=1)) == 1
    opens = await timeline(http, 1, contact_id, action_name="email_open")
    assert opens == [item for item in everything if item["action_name"] == "email_open"]
    first = everything[-1]["date"]
    assert await timeline(http, 1, contact_id, date_max=first) == [everything[-1]]
    whole_day = await timeline(http, 1, contact_id, date_max=first[:10])  # a bare date: the whole day
    assert whole_day == [item for item in everything if item["date"][:10] <= first[:10]]

    for url in (f"/lists/2/contacts/{contact_id}/activities", "/lists/99/contacts/0000000000/activities"):
        response = await http.get(url)  # another list's contact id, an unknown list: no 404 in the spec
        assert response.status_code == 422, url


async def test_tag_changes_show_in_the_timeline(app: Starlette, http: httpx.AsyncClient) -> None:
    contact_id = (await http.post("/lists/1/contacts", json={"base": {"email": "t@example.com"}})).json()["contact_id"]
    for action in ("attach-tag", "attach-tag", "detach-tag"):  # attaching twice changes nothing the second time
        await http.post(f"/lists/1/contacts/actions/{action}", json={"tag_id": 3, "contacts": [contact_id]})
    items = await timeline(http, 1, contact_id)
    assert [(i["action_name"], i.get("action_data")) for i in items] == [
        ("detach_tag", {"tag_id": 3}),
        ("attach_tag", {"tag_id": 3}),
        ("subscription", None),
    ]

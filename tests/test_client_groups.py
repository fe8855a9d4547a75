"""`EGoiClient` by concept: one small group per E-goi resource, the seed's names as aliases of the groups' methods,
and a send as a plan (one read: the campaign) and a send (exactly one call), against the sandbox."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from egoi_mcp.client import EGoiClient, SendPlan
from egoi_mcp.client._aliases import alias
from egoi_mcp.client._core import Resource
from egoi_mcp.errors import InvalidArgumentError, NotFoundError
from egoi_mcp.sandbox import create_app
from tests.test_client_sandbox import Counting

pytestmark = pytest.mark.anyio

KEY = "groups-test-key-0123456789"
GROUPS = ("account", "lists", "segments", "tags", "fields", "contacts", "campaigns", "senders", "reports",
          "operations", "webhooks")  # fmt: skip


@pytest.fixture
def sandbox() -> Counting:
    return Counting(httpx.ASGITransport(app=create_app()))


@pytest.fixture
async def client(sandbox: Counting) -> AsyncIterator[EGoiClient]:
    async with EGoiClient(KEY, base_url="http://sandbox", transport=sandbox) as c:
        yield c


def test_each_group_is_a_small_class_over_the_one_core() -> None:
    client = EGoiClient(KEY)
    for name in GROUPS:
        group = getattr(client, name)
        assert isinstance(group, Resource) and group._core is client._core, name
        assert len(type(group).__mro__) <= 3, name  # the group, Resource, object
        public = [m for m, _ in inspect.getmembers(type(group), inspect.isfunction) if not m.startswith("_")]
        assert 1 <= len(public) <= 25, (name, public)
    own = [m for m, _ in inspect.getmembers(EGoiClient, inspect.isfunction) if not m.startswith("_")]
    assert len(own) <= 25 and EGoiClient.__mro__ == (EGoiClient, object)


def test_every_seed_name_is_the_group_method_it_stands_for() -> None:
    client = EGoiClient(KEY)
    aliases = {name: a for name, a in vars(EGoiClient).items() if isinstance(a, alias)}
    seed = {"create_contact", "get_contact", "search_contacts", "update_contacts", "delete_contacts", "create_list",
            "get_lists", "delete_list", "create_tag", "list_tags", "delete_tag", "campaign_list",
            "send_email_to_contact", "send_email_to_segment", "segment_list", "find_contact", "list_contacts",
            "count_contacts", "get_contact_activity", "find_tag", "attach_tag", "detach_tag", "get_segment",
            "get_campaign", "campaign_names", "get_campaign_report", "pending_sends", "cancel_send", "get_list",
            "list_webhooks", "create_webhook", "delete_webhook", "ping"}  # fmt: skip
    assert seed <= set(aliases)
    for name, a in aliases.items():
        bound = getattr(client, name)
        assert bound == getattr(getattr(client, a.group), a.method.__name__), name
        assert inspect.signature(bound) == inspect.signature(getattr(client, a.group).__getattribute__(bound.__name__))
        assert f"`{a.group}.{a.method.__name__}`" in (a.__doc__ or ""), name


async def test_the_groups_act_on_the_sandbox(client: EGoiClient) -> None:
    assert await client.account.ping()
    lst = await client.lists.create("Groups", "Groups news")
    assert (await client.lists.get(lst.id)).name == "Groups"
    contact = await client.contacts.create("gina@example.com", "Gina", list_id=lst.id, tags=["grouped"])
    assert (await client.contacts.get(contact.id, lst.id)).tags[0].name == "grouped"
    assert await client.contacts.count(lst.id) == 1
    segment = await client.segments.of_tag("grouped", lst.id)
    assert [c.id for c in (await client.contacts.list(lst.id, segment_id=segment.id)).items] == [contact.id]
    assert (await client.tags.find("GROUPED")).id == (await client.tags.detach("grouped", [contact.id], lst.id))
    campaign = (await client.campaigns.list(status="sent")).items[0]
    assert (await client.reports.email(campaign.id)).name == campaign.name
    assert (await client.operations.pending(campaign.id)).complete
    hook = await client.webhooks.create(lst.id, "https://example.com/hook", ["subscription"])
    await client.webhooks.delete(hook.id)
    await client.lists.delete(lst.id)
    with pytest.raises(NotFoundError):
        await client.lists.get(lst.id)


async def test_fields_senders_and_account_read_egois_shapes() -> None:
    """The sandbox does not serve these yet: a fake answers with the shapes of E-goi's OpenAPI examples."""
    bodies: dict[str, Any] = {
        "/lists/1/fields": [{"field_id": "first_name", "name": "First name", "format": "text", "type": "base"},
                            {"field_id": "7", "name": "City", "format": "options", "type": "extra", "unique": False,
                             "options": [{"option_id": 1, "en": "Lisbon"}]}],
        "/senders/email": {"total_items": 1, "items": [{"sender_id": 2, "email": "news@example.com",
                                                        "name": "News", "status": "active"}]},
        "/my-account": {"general_info": {"name": "Name Test", "client_id": "123456"}, "plan_info": {"type": "pro"}},
    }  # fmt: skip
    seen: list[httpx.Request] = []

    def egoi(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=bodies[request.url.path])

    async with EGoiClient(KEY, transport=httpx.MockTransport(egoi), default_list_id=1) as client:
        fields = await client.fields.list()
        assert [(f.id, f.type, f.options) for f in fields] == [("first_name", "base", []), ("7", "extra", ["Lisbon"])]
        senders = await client.senders.email(status="active")
        assert [(s.id, s.email, s.status) for s in senders.items] == [(2, "news@example.com", "active")]
        account = await client.account.get()
        assert (account.client_id, account.name, account.plan) == ("123456", "Name Test", "pro")
    assert [r.url.params.get("status") for r in seen] == [None, "active", None] and len(seen) == 3


async def test_a_plan_reads_the_campaign_once_and_a_send_is_one_call(client: EGoiClient, sandbox: Counting) -> None:
    campaign = (await client.campaigns.list(list_id=1, status="draft")).items[0]
    before = sandbox.requests
    later = datetime.now(UTC) + timedelta(days=2)
    plan = await client.campaigns.plan_send(campaign.id, send_at=later)
    assert sandbox.requests == before, "the listing just showed the campaign: the plan reads nothing"
    assert (plan.campaign.id, plan.campaign.name, plan.list_id) == (campaign.id, campaign.name, 1)
    assert plan.send_at == later
    sealed = SendPlan.model_validate_json(plan.model_dump_json())  # a plan carries from a preview to its act
    assert sealed == plan
    with pytest.raises(Exception, match="frozen"):
        plan.list_id = 2  # type: ignore[misc]
    await client.campaigns.send(sealed, segment_id="auto_1")
    assert sandbox.requests == before + 1
    pending = await client.operations.pending(campaign.id)
    assert [op.start_date for op in pending] == [later.replace(microsecond=0)]
    now = await client.campaigns.plan_send(campaign.id, list_id=1)
    reader = (await client.contacts.list(1, status="active")).items[0]
    before = sandbox.requests
    await client.campaigns.send(now, email=reader.email)
    assert sandbox.requests == before + 1


async def test_a_plan_refuses_another_list_and_the_past(client: EGoiClient, sandbox: Counting) -> None:
    campaign = (await client.campaigns.list(list_id=1)).items[0]
    with pytest.raises(InvalidArgumentError) as other:
        await client.campaigns.plan_send(campaign.id, list_id=2)
    assert other.value.message == (
        f'campaign "{campaign.name}" belongs to list 1, not list 2: omit list_id to use its list'
    )
    before = sandbox.requests
    with pytest.raises(InvalidArgumentError) as past:
        await client.campaigns.plan_send(campaign.id, send_at=datetime(2020, 1, 1, 9, 30, tzinfo=UTC))
    assert "send_at 2020-01-01 09:30 UTC is in the past" in past.value.message
    plan = SendPlan(campaign=campaign, list_id=1, send_at=datetime(2020, 1, 1, tzinfo=UTC))  # sealed long ago
    with pytest.raises(InvalidArgumentError, match="in the past"):
        await client.campaigns.send(plan, segment_id="auto_1")
    for who in ({}, {"segment_id": "auto_1", "email": "a@example.com"}, {"segment_id": " "}, {"email": ""}):
        with pytest.raises(InvalidArgumentError):
            await client.campaigns.send(plan.model_copy(update={"send_at": None}), **who)
    assert sandbox.requests == before  # every refusal before any call

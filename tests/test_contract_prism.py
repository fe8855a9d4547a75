"""Contract tests: every client method against E-goi's own OpenAPI spec, served by Stoplight Prism.

A request is wrong when Prism answers 401/422 or its `sl-violations` header lists a `request` entry.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from egoi_mcp.client import EGoiClient, SendPlan
from egoi_mcp.errors import NotFoundError
from egoi_mcp.models import Campaign
from egoi_mcp.sandbox import create_app

pytestmark = [pytest.mark.anyio, pytest.mark.prism]

CONTACT = "8f3a27ef26"
FUTURE = datetime(2099, 5, 1, 18, 0, tzinfo=UTC)
TWO_CONTACTS = [{"base": {"email": "a@example.com"}}, {"base": {"email": "b@example.com", "first_name": "B"}}]
JAN = (date(2026, 1, 1), date(2026, 1, 31))


class _Recorder(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.seen: list[tuple[str, str, int, list[dict]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        violations = json.loads(response.headers.get("sl-violations") or "[]")
        self.seen.append((request.method, request.url.path, response.status_code, violations))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def _request_violations(recorder: _Recorder) -> list[str]:
    bad = []
    for method, path, status, violations in recorder.seen:
        for v in violations:
            if str(v.get("location", [""])[0]).startswith("request"):
                bad.append(f"{method} {path}: {v.get('location')} {v.get('message')}")
        if status in (401, 422):
            bad.append(f"{method} {path}: HTTP {status}")
    return bad


CALLS = {
    "ping": lambda c: c.ping(),
    "create_contact": lambda c: c.create_contact(
        "john@example.com", "John", "Doe", "+351912345678", list_id=1, tags=[1, 2]
    ),
    "create_contact_tag_names": lambda c: c.create_contact("ann@example.com", list_id=1, tags=["new-signup"]),
    "get_contact": lambda c: c.get_contact(CONTACT, list_id=1),
    "search_contacts_in_list": lambda c: c.search_contacts("john@example.com", list_id=1),
    "search_contacts_by_name": lambda c: c.search_contacts("John Doe", list_id=1),
    "search_contacts_by_phone": lambda c: c.search_contacts("+351912345678", list_id=1),
    "search_contacts_everywhere": lambda c: c.search_contacts("john@example.com"),
    "list_contacts_segment": lambda c: c.list_contacts(1, segment_id="seg_1"),
    "update_one_contact": lambda c: c.update_contacts([CONTACT], list_id=1, first_name="Jo", tags=[3]),
    "update_contacts_bulk": lambda c: c.update_contacts([CONTACT, "0123456789"], list_id=1, last_name="Doe"),
    "delete_contacts_forget": lambda c: c.delete_contacts([CONTACT], list_id=1),
    "delete_contacts_unsubscribe": lambda c: c.delete_contacts([CONTACT], list_id=1, mode="unsubscribe"),
    "create_list": lambda c: c.create_list("Newsletter", "Weekly"),
    "get_lists": lambda c: c.get_lists(),
    "get_list": lambda c: c.get_list(1),
    "delete_list": lambda c: c.delete_list(1),
    "create_tag": lambda c: c.create_tag("vip", "#FF0000"),
    "list_tags": lambda c: c.list_tags(),
    "delete_tag": lambda c: c.delete_tag(1),
    "attach_tag": lambda c: c.attach_tag(1, [CONTACT], list_id=1),
    "detach_tag": lambda c: c.detach_tag(1, [CONTACT], list_id=1),
    "campaign_list": lambda c: c.campaign_list(list_id=1, status="sent"),
    "get_campaign": lambda c: c.get_campaign("campaign_hash"),
    "send_email_to_contact": lambda c: c.send_email_to_contact("abc123", CONTACT, list_id=1),
    "send_email_to_segment": lambda c: c.send_email_to_segment("abc123", "seg_1", list_id=1),
    "segment_list": lambda c: c.segment_list(1, type="tag"),
    "list_webhooks": lambda c: c.list_webhooks(),
    "create_webhook": lambda c: c.create_webhook(1, "https://example.com/hook", ["subscription", "email_open"]),
    "delete_webhook": lambda c: c.delete_webhook(1),
    # issue 10
    "list_contacts": lambda c: c.list_contacts(1, limit=10, cursor=None),
    "list_contacts_status": lambda c: c.list_contacts(1, status="active"),
    "list_contacts_tag": lambda c: _not_found(c.list_contacts(1, tag="vip")),
    "get_campaign_report": lambda c: c.get_campaign_report("abc123"),
    "get_contact_activity": lambda c: c.get_contact_activity(CONTACT, 1, limit=10),
    "send_email_to_contact_campaign_list": lambda c: c.send_email_to_contact("abc123", CONTACT),
    "send_email_to_segment_campaign_list": lambda c: c.send_email_to_segment("abc123", "seg_1"),
    "schedule_email_to_segment": lambda c: c.send_email_to_segment("abc123", "seg_1", list_id=1, send_at=FUTURE),
    "schedule_email_to_contact": lambda c: c.send_email_to_contact("abc123", CONTACT, list_id=1, send_at=FUTURE),
    "pending_sends": lambda c: c.pending_sends("campaign_hash"),
    "cancel_send": lambda c: c.cancel_send("campaign_hash"),
    "campaign_names": lambda c: c.campaign_names(),
    # issue 19
    "list_fields": lambda c: c.fields.list(1),
    "email_senders": lambda c: c.senders.email(),
    "create_contact_if_exists_update": lambda c: c.contacts.create("ann@example.com", list_id=1, if_exists="update"),
    # issue 20
    "import_contacts": lambda c: c.bulk.import_contacts(1, TWO_CONTACTS, None),
    "import_contacts_callback": lambda c: c.bulk.import_contacts(1, TWO_CONTACTS, "https://example.com/cb"),
    "export_contacts": lambda c: c.bulk.export_contacts(1, "https://example.com/cb"),
    "export_contacts_segment": lambda c: c.bulk.export_contacts(
        1, "https://example.com/cb", segments=["seg_1"], fields=["email"]
    ),
    "report_sends": lambda c: c.bulk.request_report("sends", 1, JAN[0], JAN[1], "https://example.com/cb"),
    "report_subscriptions": lambda c: c.bulk.request_report("subscriptions", 1, *JAN, "https://example.com/cb"),
    "report_unsubscriptions": lambda c: c.bulk.request_report("unsubscriptions", 1, *JAN, "https://example.com/cb"),
    "list_emails": lambda c: c.bulk.emails(1),
    # issue 20: SMS
    "cellphone_senders": lambda c: c.senders.cellphone(status="active"),
    "account_balance": lambda c: c.account.get(),
    "send_sms_to_segment": lambda c: c.campaigns.send(_sms_plan(), segment_id="seg_1"),
    "send_sms_to_contact": lambda c: c.campaigns.send(_sms_plan(), email="+351 912 345 678"),
    "schedule_sms": lambda c: c.campaigns.send(_sms_plan(FUTURE), segment_id="seg_1"),
    "sms_report": lambda c: c.reports.sms(_sms_plan().campaign),
    "sms_pending_sends": lambda c: c.operations.pending("campaign_hash", channel="sms"),
}


def _sms_plan(send_at: datetime | None = None) -> SendPlan:
    campaign = Campaign(id="abc123", name="Summer SMS", channel="sms", status="draft", list_id=1)
    return SendPlan(campaign=campaign, list_id=1, send_at=send_at)


class _SendersFromTheSandbox(_Recorder):
    """Prism's example cellphone senders are `null`s, so no sender could be found: the senders listing is answered
    by the sandbox (and judged by its own spec test), everything else by Prism."""

    def __init__(self) -> None:
        super().__init__()
        self._sandbox = httpx.ASGITransport(app=create_app())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/senders/cellphone":
            return await self._sandbox.handle_async_request(request)
        return await super().handle_async_request(request)


@pytest.mark.parametrize("text", ["Summer sale: 20% off today €", "Promoção de verão, só hoje"])
async def test_create_sms_is_what_egoi_accepts(prism_url: str, text: str) -> None:
    recorder = _SendersFromTheSandbox()
    async with EGoiClient("test-key", base_url=prism_url, transport=recorder, max_retries=0) as client:
        await client.campaigns.create_sms(1, "+351 300 404 336", text, name="Summer SMS")
    assert [(m, p) for m, p, _, _ in recorder.seen] == [("POST", "/campaigns/sms")]
    assert _request_violations(recorder) == []


async def _not_found(call: Awaitable[Any]) -> None:
    """Prism's example segments are `null`s, so no tag segment is found: the requests made are still judged."""
    with pytest.raises(NotFoundError):
        await call


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_requests_are_what_egoi_accepts(prism_url: str, name: str) -> None:
    recorder = _Recorder()
    async with EGoiClient("test-key", base_url=prism_url, transport=recorder, max_retries=0) as client:
        await CALLS[name](client)
    assert recorder.seen, "no request was made"
    assert _request_violations(recorder) == []


async def test_cancel_send_reaches_the_cancel_action(prism_url: str) -> None:
    """Prism's example operation belongs to campaign `campaign_hash`: cancelling it posts its id."""
    recorder = _Recorder()
    async with EGoiClient("test-key", base_url=prism_url, transport=recorder, max_retries=0) as client:
        cancelled = await client.cancel_send("campaign_hash")
    assert {op.id for op in cancelled} == {1}  # the example lists operation 1 twice
    assert [(m, p) for m, p, _, _ in recorder.seen] == [("GET", "/operations"), ("POST", "/operations/actions/cancel")]
    assert _request_violations(recorder) == []

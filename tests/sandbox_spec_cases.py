"""The spec cases: one request per operation and status the sandbox serves, as `Case`s (and the authoring, jobs
and SMS tables of their own modules): `test_sandbox_spec` sends each and checks its answer against E-goi's OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from egoi_mcp.sandbox import Sandbox
from tests.sandbox_spec_authoring import AUTHORING
from tests.sandbox_spec_jobs import JOBS
from tests.sandbox_spec_sms import SMS

KEY = {"Apikey": "sandbox-test-key"}


def contact_id(sandbox: Sandbox, list_id: int = 1, index: int = 0) -> str:
    return [c for c in sandbox.contacts.values() if c.list_id == list_id and c.status == "active"][index].contact_id


def campaign_hash(sandbox: Sandbox, list_id: int = 1) -> str:
    return next(c.campaign_hash for c in sandbox.campaigns.values() if c.list_id == list_id)


def email_of(sandbox: Sandbox, list_id: int = 1, index: int = 0) -> str:
    return sandbox.contacts[contact_id(sandbox, list_id, index)].email


Value = Any  # a value, or a callable that computes it from the sandbox


@dataclass
class Case:
    method: str
    spec_path: str
    status: int
    path_params: dict[str, Value] = field(default_factory=dict)
    params: dict[str, Any] | None = None
    json: Value = None
    content: bytes | None = None
    arrange: Callable[[Sandbox], None] | None = None

    def url(self, sandbox: Sandbox) -> str:
        values = {k: v(sandbox) if callable(v) else v for k, v in self.path_params.items()}
        return self.spec_path.format(**values)

    def body(self, sandbox: Sandbox) -> Any:
        return self.json(sandbox) if callable(self.json) else self.json


def _recent_send(sandbox: Sandbox) -> None:
    campaign = sandbox.campaigns[campaign_hash(sandbox, 1)]
    campaign.end_date = sandbox.now()


def _full(sandbox: Sandbox) -> None:
    sandbox.max_lists = len(sandbox.lists)


DRAFTS = {1: "Newsletter - April 2025", 2: "Spring sale - customers"}  # seeded, never sent


def draft_hash(sandbox: Sandbox, list_id: int = 1) -> str:
    return next(c.campaign_hash for c in sandbox.campaigns.values() if c.internal_name == DRAFTS[list_id])


def sent_hash(sandbox: Sandbox) -> str:
    return next(c.campaign_hash for c in sandbox.campaigns.values() if c.status == "sent")


def clicker(sandbox: Sandbox) -> str:
    """A contact of list 1 whose timeline has a subscription, tags, sends, opens and a click."""
    return next(a.contact_id for a in sandbox.activities if a.action == "email_click" and a.list_id == 1)


def in_a_day(sandbox: Sandbox) -> str:
    return (sandbox.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")


def _queue(sandbox: Sandbox, list_id: int = 1, *, scheduled: bool = True) -> int:
    campaign = sandbox.campaigns[draft_hash(sandbox, list_id)]
    at = sandbox.now() + timedelta(days=1) if scheduled else None
    return sandbox.queue.add(campaign, {"type": "none"}, at).operation_id


def _queue_two(sandbox: Sandbox) -> None:
    _queue(sandbox, 1)
    sandbox.queue.pause(sandbox.queue.operations[_queue(sandbox, 2, scheduled=False)])


def _send_now(sandbox: Sandbox) -> None:
    _queue(sandbox, 1, scheduled=False)
    sandbox.queue.run_due(flush=True)


C, L, T = "/lists/{list_id}/contacts", "/lists/{list_id}", "/tags/{tag_id}"
ONE = {"list_id": 1}
CONTACT = {"list_id": 1, "contact_id": contact_id}
ACTION = C + "/actions/"
SEND = "/campaigns/email/{campaign_hash}/actions/send"
HASH = {"campaign_hash": campaign_hash}
REPORT = "/reports/email/{campaign_hash}"
ACTIVITIES = C + "/{contact_id}/activities"
OPS = "/operations/actions/"
MALFORMED = b'{"oops": '

CASES = {
    "ping": Case("POST", "/ping", 200),
    "lists": Case("GET", "/lists", 200, params={"limit": 2, "order": "asc", "order_by": "internal_name"}),
    "lists limit too big": Case("GET", "/lists", 422, params={"limit": 1001}),
    "lists negative offset": Case("GET", "/lists", 422, params={"offset": -1}),
    "lists bad order": Case("GET", "/lists", 422, params={"order": "sideways"}),
    "create list": Case("POST", "/lists", 201, json={"internal_name": "VIP", "public_name": "Acme VIP"}),
    "create list malformed": Case("POST", "/lists", 400, content=MALFORMED),
    "create list unnamed": Case("POST", "/lists", 422, json={"public_name": "x"}),
    "create list over limit": Case("POST", "/lists", 409, json={"internal_name": "More"}, arrange=_full),
    "get list": Case("GET", L, 200, ONE),
    "get list unknown": Case("GET", L, 404, {"list_id": 99}),
    "delete list": Case("DELETE", L, 204, {"list_id": 3}),
    "delete list unknown": Case("DELETE", L, 404, {"list_id": 99}),
    "delete list sent recently": Case("DELETE", L, 409, ONE, arrange=_recent_send),
    "delete list with a queued send": Case("DELETE", L, 409, {"list_id": 2}, arrange=lambda sb: _queue(sb, 2)),
    "contacts": Case("GET", C, 200, ONE, params={"language": "pt", "limit": 3}),
    "contacts by email": Case("GET", C, 200, ONE, params={"email": "ana.silva@example.com"}),
    "contacts unknown list": Case("GET", C, 404, {"list_id": 99}),
    "contacts limit zero": Case("GET", C, 422, ONE, params={"limit": 0}),
    "create contact": Case(
        "POST",
        C,
        201,
        ONE,
        json={
            "base": {"email": "new@example.com", "first_name": "New", "cellphone": "351-911111111"},
            "utm": {"utm_source": "test"},
        },
    ),
    "create contact duplicate": Case("POST", C, 409, ONE, json={"base": {"email": "ANA.SILVA@example.com"}}),
    "create contact bad email": Case("POST", C, 422, ONE, json={"base": {"email": "not-an-email"}}),
    "create contact malformed": Case("POST", C, 400, ONE, content=MALFORMED),
    "create contact unknown list": Case("POST", C, 422, {"list_id": 99}, json={"base": {"email": "a@example.com"}}),
    "get contact": Case("GET", C + "/{contact_id}", 200, CONTACT),
    "get contact unknown": Case("GET", C + "/{contact_id}", 404, {"list_id": 1, "contact_id": "0000000000"}),
    "patch contact": Case("PATCH", C + "/{contact_id}", 200, CONTACT, json={"base": {"first_name": "Anna"}}),
    "patch contact unknown": Case(
        "PATCH", C + "/{contact_id}", 404, {"list_id": 1, "contact_id": "0000000000"}, json={}
    ),
    "patch contact duplicate": Case(
        "PATCH", C + "/{contact_id}", 409, CONTACT, json=lambda sb: {"base": {"email": email_of(sb, 1, 1)}}
    ),
    "patch contact removed": Case("PATCH", C + "/{contact_id}", 422, CONTACT, json={"base": {"status": "removed"}}),
    "patch contact malformed": Case("PATCH", C + "/{contact_id}", 400, CONTACT, content=MALFORMED),
    "search": Case("GET", "/contacts/search", 200, params={"type": "email", "contact": "ana.silva@example.com"}),
    "search cellphone": Case("GET", "/contacts/search", 200, params={"type": "cellphone", "contact": "351-912345678"}),
    "search nothing": Case("GET", "/contacts/search", 404, params={"contact": "nobody@example.com"}),
    "search bad type": Case("GET", "/contacts/search", 422, params={"type": "fax", "contact": "1"}),
    "segment auto": Case("GET", C + "/segment/{segment_id}", 200, {"list_id": 1, "segment_id": "auto_1"}),
    "segment saved": Case("GET", C + "/segment/{segment_id}", 200, {"list_id": 1, "segment_id": "seg_1"}),
    "segment tag": Case(
        "GET", C + "/segment/{segment_id}", 200, {"list_id": 1, "segment_id": "tag_1"}, params={"show_removed": "true"}
    ),
    "segment unknown": Case("GET", C + "/segment/{segment_id}", 404, {"list_id": 1, "segment_id": "seg_99"}),
    "segment bad limit": Case(
        "GET", C + "/segment/{segment_id}", 422, {"list_id": 1, "segment_id": "auto_1"}, params={"limit": 5000}
    ),
    "bulk update": Case(
        "POST",
        ACTION + "update",
        202,
        ONE,
        json=lambda sb: {"type": "contacts", "contacts": [contact_id(sb)], "base": {"language": "en"}},
    ),
    "bulk update segment": Case(
        "POST", ACTION + "update", 202, ONE, json={"type": "segment", "segment_id": "tag_2", "base": {"language": "en"}}
    ),
    "bulk update unknown contact": Case(
        "POST", ACTION + "update", 404, ONE, json={"type": "contacts", "contacts": ["0000000000"], "base": {}}
    ),
    "bulk update email": Case(
        "POST", ACTION + "update", 409, ONE, json={"type": "all", "base": {"email": "same@example.com"}}
    ),
    "bulk update bad type": Case("POST", ACTION + "update", 422, ONE, json={"type": "everyone"}),
    "bulk update malformed": Case("POST", ACTION + "update", 400, ONE, content=MALFORMED),
    "forget": Case("POST", ACTION + "forget", 202, ONE, json=lambda sb: {"contacts": [contact_id(sb)]}),
    "forget unknown list": Case("POST", ACTION + "forget", 422, {"list_id": 99}, json={"contacts": ["0000000000"]}),
    "forget unknown contact": Case("POST", ACTION + "forget", 422, ONE, json={"contacts": ["0000000000"]}),
    "forget too many": Case("POST", ACTION + "forget", 422, ONE, json={"contacts": [f"{n:010x}" for n in range(1001)]}),
    "forget malformed": Case("POST", ACTION + "forget", 400, ONE, content=MALFORMED),
    "unsubscribe": Case(
        "POST",
        ACTION + "unsubscribe",
        200,
        ONE,
        json=lambda sb: {
            "data": [
                {"contact_id": contact_id(sb), "unsubscription_method": "api", "unsubscription_reason": "other"},
                {"contact_id": "0000000000"},
                {"contact_id": contact_id(sb, 1, 1), "unsubscription_reason": "bored"},
            ]
        },
    ),
    "unsubscribe unknown list": Case("POST", ACTION + "unsubscribe", 422, {"list_id": 99}, json={"data": []}),
    "unsubscribe no data": Case("POST", ACTION + "unsubscribe", 422, ONE, json={"data": []}),
    "unsubscribe malformed": Case("POST", ACTION + "unsubscribe", 400, ONE, content=MALFORMED),
    "attach tag": Case(
        "POST", ACTION + "attach-tag", 202, ONE, json=lambda sb: {"tag_id": 4, "contacts": [contact_id(sb)]}
    ),
    "attach tag by segment": Case("POST", ACTION + "attach-tag", 202, ONE, json={"tag_id": 5, "segment_id": "seg_1"}),
    "attach tag by email": Case(
        "POST",
        ACTION + "attach-tag",
        202,
        ONE,
        json={"tag_id": 5, "field_id": "email", "contacts": ["ana.silva@example.com"]},
    ),
    "attach tag unknown tag": Case(
        "POST", ACTION + "attach-tag", 404, ONE, json=lambda sb: {"tag_id": 99, "contacts": [contact_id(sb)]}
    ),
    "attach tag no tag": Case("POST", ACTION + "attach-tag", 422, ONE, json={"contacts": ["0000000000"]}),
    "attach tag malformed": Case("POST", ACTION + "attach-tag", 400, ONE, content=MALFORMED),
    "detach tag": Case(
        "POST", ACTION + "detach-tag", 202, ONE, json=lambda sb: {"tag_id": 1, "contacts": [contact_id(sb)]}
    ),
    "detach tag unknown segment": Case(
        "POST", ACTION + "detach-tag", 404, ONE, json={"tag_id": 1, "segment_id": "seg_9"}
    ),
    "detach tag unknown list": Case("POST", ACTION + "detach-tag", 404, {"list_id": 99}, json={"tag_id": 1}),
    "detach tag nothing chosen": Case("POST", ACTION + "detach-tag", 422, ONE, json={"tag_id": 1}),
    "detach tag malformed": Case("POST", ACTION + "detach-tag", 400, ONE, content=MALFORMED),
    "activate": Case("POST", ACTION + "activate", 202, ONE, json={"type": "all"}),
    "activate unknown": Case(
        "POST", ACTION + "activate", 404, ONE, json={"type": "contacts", "contacts": ["0000000000"]}
    ),
    "activate bad type": Case("POST", ACTION + "activate", 422, ONE, json={"type": "segment"}),
    "activate malformed": Case("POST", ACTION + "activate", 400, ONE, content=MALFORMED),
    "deactivate": Case(
        "POST", ACTION + "deactivate", 202, ONE, json=lambda sb: {"type": "contacts", "contacts": [contact_id(sb)]}
    ),
    "deactivate unknown list": Case("POST", ACTION + "deactivate", 404, {"list_id": 99}, json={"type": "all"}),
    "deactivate bad contacts": Case("POST", ACTION + "deactivate", 422, ONE, json={"type": "contacts", "contacts": []}),
    "deactivate malformed": Case("POST", ACTION + "deactivate", 400, ONE, content=MALFORMED),
    "tags": Case("GET", "/tags", 200, params={"order": "asc", "order_by": "name"}),
    "tags bad order_by": Case("GET", "/tags", 422, params={"order_by": "size"}),
    "create tag": Case("POST", "/tags", 201, json={"name": "webinar", "color": "#123ABC"}),
    "create tag duplicate": Case("POST", "/tags", 409, json={"name": "VIP"}),
    "create tag bad color": Case("POST", "/tags", 422, json={"name": "red", "color": "red"}),
    "create tag malformed": Case("POST", "/tags", 400, content=MALFORMED),
    "update tag": Case("PUT", T, 200, {"tag_id": 1}, json={"name": "VIP customers"}),
    "update tag unknown": Case("PUT", T, 404, {"tag_id": 99}, json={"name": "x"}),
    "update tag duplicate": Case("PUT", T, 409, {"tag_id": 1}, json={"name": "lisbon"}),
    "update tag empty name": Case("PUT", T, 422, {"tag_id": 1}, json={"name": " "}),
    "update tag malformed": Case("PUT", T, 400, {"tag_id": 1}, content=MALFORMED),
    "delete tag": Case("DELETE", T, 204, {"tag_id": 2}),
    "delete tag unknown": Case("DELETE", T, 404, {"tag_id": 99}),
    "campaigns": Case("GET", "/campaigns", 200, params={"channel": "email", "list_id": 1, "status": "sent"}),
    "campaigns bad status": Case("GET", "/campaigns", 422, params={"status": "lost"}),
    "send to list": Case("POST", SEND, 200, HASH, json={"list_id": 1, "segments": {"type": "none"}}),
    "send to segment": Case(
        "POST", SEND, 200, HASH, json={"list_id": 1, "segments": {"type": "segment", "data": ["tag_1"]}}
    ),
    "send to contact": Case(
        "POST", SEND, 200, HASH, json=lambda sb: {"list_id": 1, "segments": {"type": "contact", "data": email_of(sb)}}
    ),
    "send scheduled": Case(
        "POST",
        SEND,
        200,
        HASH,
        json=lambda sb: {"list_id": 1, "segments": {"type": "none"}, "schedule_date": in_a_day(sb)},
    ),
    "send scheduled in the past": Case(
        "POST", SEND, 422, HASH, json={"list_id": 1, "segments": {"type": "none"}, "schedule_date": "2020-01-01"}
    ),
    "send to a segment of another list": Case(
        "POST", SEND, 422, HASH, json={"list_id": 1, "segments": {"type": "segment", "data": ["seg_2"]}}
    ),
    "send unknown campaign": Case(
        "POST", SEND, 422, {"campaign_hash": "nope"}, json={"list_id": 1, "segments": {"type": "none"}}
    ),
    "send contact not in list": Case(
        "POST", SEND, 422, HASH, json={"list_id": 1, "segments": {"type": "contact", "data": "nobody@example.com"}}
    ),
    "send malformed": Case("POST", SEND, 400, HASH, content=MALFORMED),
    "report": Case("GET", REPORT, 200, {"campaign_hash": sent_hash}),
    "report of a live send": Case("GET", REPORT, 200, {"campaign_hash": draft_hash}, arrange=_send_now),
    "report without series": Case(
        "GET", REPORT, 200, {"campaign_hash": sent_hash}, params={"date": "false", "hour": "false", "url": "0"}
    ),
    "report unsent": Case("GET", REPORT, 200, {"campaign_hash": draft_hash}),
    "report unknown": Case("GET", REPORT, 404, {"campaign_hash": "nope"}),
    "report bad flag": Case("GET", REPORT, 422, {"campaign_hash": sent_hash}, params={"date": "maybe"}),
    "activities": Case("GET", ACTIVITIES, 200, {"list_id": 1, "contact_id": clicker}, params={"limit": 100}),
    "activities of a live send": Case(
        "GET", ACTIVITIES, 200, {"list_id": 1, "contact_id": clicker}, params={"limit": 3}, arrange=_send_now
    ),
    "activities filtered": Case(
        "GET",
        ACTIVITIES,
        200,
        {"list_id": 1, "contact_id": clicker},
        params={"action_name": "email_open", "date_min": "2025-01-01", "date_max": "2025-12-31 23:59:59"},
    ),
    "activities unknown contact": Case("GET", ACTIVITIES, 422, {"list_id": 1, "contact_id": "0000000000"}),
    "activities unknown list": Case("GET", ACTIVITIES, 422, {"list_id": 99, "contact_id": "0000000000"}),
    "activities bad action": Case("GET", ACTIVITIES, 422, CONTACT, params={"action_name": "email_read"}),
    "activities bad date": Case("GET", ACTIVITIES, 422, CONTACT, params={"date_min": "yesterday"}),
    "operations": Case("GET", "/operations", 200, arrange=_queue_two),
    "operations filtered": Case(
        "GET",
        "/operations",
        200,
        params={"type": "email", "status": "paused", "order": "asc", "order_by": "start_date"},
        arrange=_queue_two,
    ),
    "operations bad type": Case("GET", "/operations", 422, params={"type": "fax"}),
    "cancel": Case("POST", OPS + "cancel", 200, json={"operations": [1, 99]}, arrange=_queue),
    "cancel no ids": Case("POST", OPS + "cancel", 422, json={"operations": []}),
    "cancel malformed": Case("POST", OPS + "cancel", 422, content=MALFORMED),
    "pause": Case("POST", OPS + "pause", 200, json={"operations": [1, 2]}, arrange=_queue_two),
    "pause bad ids": Case("POST", OPS + "pause", 422, json={"operations": ["1"]}),
    "resume": Case("POST", OPS + "resume", 200, json={"operations": [1, 2, 3]}, arrange=_queue_two),
    "resume malformed": Case("POST", OPS + "resume", 422, content=MALFORMED),
    "segments": Case("GET", "/lists/{list_id}/segments", 200, ONE),
    "segments of a type": Case(
        "GET", "/lists/{list_id}/segments", 200, {"list_id": 2}, params={"type": "tag", "name": "i"}
    ),
    "segments unknown list": Case("GET", "/lists/{list_id}/segments", 422, {"list_id": 99}),
    "segments bad type": Case("GET", "/lists/{list_id}/segments", 422, ONE, params={"type": "smart"}),
    "create webhook": Case(
        "POST", "/webhooks", 200, json={"list_id": 1, "url": "https://hooks.example.com/e", "actions": ["subscription"]}
    ),
    "create webhook bad url": Case(
        "POST", "/webhooks", 422, json={"list_id": 1, "url": "ftp://x.example.com", "actions": ["subscription"]}
    ),
    "create webhook bad action": Case(
        "POST", "/webhooks", 422, json={"list_id": 1, "url": "https://x.example.com", "actions": ["contact_create"]}
    ),
    "create webhook malformed": Case("POST", "/webhooks", 400, content=MALFORMED),
    "webhooks": Case(
        "GET",
        "/webhooks",
        200,
        arrange=lambda sb: sb.add_webhook(1, "https://x.example.com", ["email_open"], ["language"]),
    ),
    "webhooks bad limit": Case("GET", "/webhooks", 422, params={"limit": "ten"}),
    "delete webhook": Case(
        "DELETE",
        "/webhooks/{webhook_id}",
        204,
        {"webhook_id": 1},
        arrange=lambda sb: sb.add_webhook(1, "https://x.example.com", ["email_open"], []),
    ),
    "delete webhook unknown": Case("DELETE", "/webhooks/{webhook_id}", 404, {"webhook_id": 7}),
}
CASES.update({name: Case(m, p, status, params, **kw) for name, (m, p, status, params, kw) in AUTHORING.items()})
CASES.update({name: Case(m, p, status, params, **kw) for name, (m, p, status, params, kw) in JOBS.items()})
CASES.update({name: Case(m, p, status, params, **kw) for name, (m, p, status, params, kw) in SMS.items()})

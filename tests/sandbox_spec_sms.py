"""The spec cases of SMS (issue 20): campaigns, sends, reports, cellphone senders and the account's balance, as
`Case` arguments: `sandbox_spec_cases` adds them to its table, so each response is validated against E-goi's
OpenAPI."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from egoi_mcp.sandbox import Sandbox
from egoi_mcp.sandbox.sms import create_sms_campaign

NEW = {
    "list_id": 1, "internal_name": "Summer SMS", "sender_id": 1,
    "content": {"type": "text", "message": "Summer sale: 20% off today"}, "options": {"encoding": "gsm"},
}  # fmt: skip
CREATE = "/campaigns/sms"
SEND = "/campaigns/sms/{campaign_hash}/actions/send"
REPORT = "/reports/sms/{campaign_hash}"
NOW = {"list_id": 1, "segments": {"type": "none"}, "destination_field": "cellphone"}


def _draft(sandbox: Sandbox) -> None:
    create_sms_campaign(sandbox, NEW)


def _sms(sandbox: Sandbox) -> str:
    return next(c.campaign_hash for c in sandbox.campaigns.values() if c.channel == "sms")


def _sent(sandbox: Sandbox) -> None:
    campaign = create_sms_campaign(sandbox, NEW)
    sandbox.queue.add(campaign, {"type": "none"}, None)
    sandbox.queue.run_due(flush=True)


def _queued(sandbox: Sandbox) -> None:
    campaign = create_sms_campaign(sandbox, NEW)
    sandbox.queue.add(campaign, {"type": "none"}, sandbox.now() + timedelta(days=1))


def _broke(sandbox: Sandbox) -> None:
    _draft(sandbox)
    sandbox.balance = Decimal(0)


def _in_a_day(sandbox: Sandbox) -> dict[str, Any]:
    return {**NOW, "schedule_date": (sandbox.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")}


def _with(**changes: Any) -> dict[str, Any]:
    return {"json": {**NEW, **changes}}


HASH = {"campaign_hash": _sms}

# name -> (method, spec path, status, path params, keyword arguments of `Case`)
SMS: dict[str, tuple[str, str, int, dict[str, Any], dict[str, Any]]] = {
    "create sms campaign": ("POST", CREATE, 201, {}, {"json": NEW}),
    "create sms campaign unknown sender": ("POST", CREATE, 422, {}, _with(sender_id=99)),
    "create sms campaign pending sender": ("POST", CREATE, 422, {}, _with(sender_id=2)),
    "create sms campaign no message": ("POST", CREATE, 422, {}, _with(content={"type": "text", "message": " "})),
    "create sms campaign template": ("POST", CREATE, 422, {}, _with(content={"type": "template", "template_id": 1})),
    "create sms campaign too long": ("POST", CREATE, 422, {}, _with(options={"max_messages": 1},
                                                                   content={"type": "text", "message": "x" * 161})),
    "create sms campaign unknown list": ("POST", CREATE, 422, {}, _with(list_id=99)),
    "create sms campaign malformed": ("POST", CREATE, 400, {}, {"content": b'{"oops": '}),
    "send sms": ("POST", SEND, 202, HASH, {"json": NOW, "arrange": _draft}),
    "send sms to contact": (
        "POST", SEND, 202, HASH,
        {"json": {**NOW, "segments": {"type": "contact", "data": "351-912345678"}}, "arrange": _draft},
    ),
    "send sms scheduled": ("POST", SEND, 202, HASH, {"json": _in_a_day, "arrange": _draft}),
    "send sms short balance": ("POST", SEND, 422, HASH, {"json": NOW, "arrange": _broke}),
    "send sms no destination field": (
        "POST", SEND, 422, HASH, {"json": {"list_id": 1, "segments": {"type": "none"}}, "arrange": _draft},
    ),
    "send sms unknown campaign": ("POST", SEND, 422, {"campaign_hash": "nope"}, {"json": NOW}),
    "send sms malformed": ("POST", SEND, 400, HASH, {"content": b'{"oops": ', "arrange": _draft}),
    "sms report": ("GET", REPORT, 200, HASH, {"arrange": _sent}),
    "sms report without networks": ("GET", REPORT, 200, HASH, {"params": {"networks": "false"}, "arrange": _sent}),
    "sms report unsent": ("GET", REPORT, 200, HASH, {"arrange": _draft}),
    "sms report unknown": ("GET", REPORT, 404, {"campaign_hash": "nope"}, {}),
    "sms report bad flag": ("GET", REPORT, 422, HASH, {"params": {"networks": "maybe"}, "arrange": _draft}),
    "sms operations": ("GET", "/operations", 200, {}, {"params": {"type": "sms"}, "arrange": _queued}),
    "cellphone senders": ("GET", "/senders/cellphone", 200, {}, {"params": {"limit": 10}}),
    "cellphone senders bad status": ("GET", "/senders/cellphone", 422, {}, {"params": {"status": "maybe"}}),
    "my account": ("GET", "/my-account", 200, {}, {}),
}  # fmt: skip

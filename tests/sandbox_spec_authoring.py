"""The spec cases of campaign writing, senders, fields and by-field upserts (issue 19), as `Case` arguments:
`sandbox_spec_cases` adds them to its table, so each response is validated against E-goi's OpenAPI."""

from __future__ import annotations

from typing import Any

from egoi_mcp.sandbox import Sandbox

HTML = {"type": "html", "body": '<p>Hello</p><a href="https://acme.example/unsubscribe">unsubscribe</a>'}
NEW = {"list_id": 1, "internal_name": "June news", "subject": "June at Acme", "sender_id": 1, "content": HTML}
EMAIL = "/campaigns/email"
ONE_CAMPAIGN = "/campaigns/email/{campaign_hash}"
FIELDS = "/lists/{list_id}/fields"
BY_FIELD = "/lists/{list_id}/contacts/by-field"


def _draft(sandbox: Sandbox) -> str:
    return next(c.campaign_hash for c in sandbox.campaigns.values() if c.status == "draft" and c.list_id == 1)


def _sent(sandbox: Sandbox) -> str:
    return next(c.campaign_hash for c in sandbox.campaigns.values() if c.status == "sent")


def _with(**changes: Any) -> dict[str, Any]:
    return {"json": {**NEW, **changes}}


def _ana(*extra: dict[str, Any]) -> dict[str, Any]:
    return {"json": _upsert("ana.silva@example.com", extra=list(extra))}


def _upsert(email: str, **extra: Any) -> dict[str, Any]:
    return {"compare_field": {"field_id": "email", "value": email}, "base": {"first_name": "Ana"}, **extra}


# name -> (method, spec path, status, path params, keyword arguments of `Case`)
AUTHORING: dict[str, tuple[str, str, int, dict[str, Any], dict[str, Any]]] = {
    "create email campaign": ("POST", EMAIL, 201, {}, {"json": NEW}),
    "create email campaign no subject": ("POST", EMAIL, 422, {}, {"json": {**NEW, "subject": " "}}),
    "create email campaign no content": ("POST", EMAIL, 422, {}, _with(content={"type": "html", "body": ""})),
    "create email campaign unknown sender": ("POST", EMAIL, 422, {}, {"json": {**NEW, "sender_id": 99}}),
    "create email campaign pending sender": ("POST", EMAIL, 422, {}, {"json": {**NEW, "sender_id": 2}}),
    "create email campaign unknown list": ("POST", EMAIL, 404, {}, {"json": {**NEW, "list_id": 99}}),
    "create email campaign template": ("POST", EMAIL, 422, {}, _with(content={"type": "template", "template_id": 1})),
    "create email campaign malformed": ("POST", EMAIL, 400, {}, {"content": b'{"oops": '}),
    "update email campaign": ("PATCH", ONE_CAMPAIGN, 200, {"campaign_hash": _draft}, {"json": {"subject": "New"}}),
    "update email campaign content": (
        "PATCH", ONE_CAMPAIGN, 200, {"campaign_hash": _draft}, {"json": {"content": {"body": "<p>x</p>"}}},
    ),
    "update email campaign sent": ("PATCH", ONE_CAMPAIGN, 422, {"campaign_hash": _sent}, {"json": {"subject": "x"}}),
    "update email campaign unknown": ("PATCH", ONE_CAMPAIGN, 404, {"campaign_hash": "nope"}, {"json": {}}),
    "email senders": ("GET", "/senders/email", 200, {}, {"params": {"limit": 10}}),
    "email senders bad status": ("GET", "/senders/email", 422, {}, {"params": {"status": "maybe"}}),
    "fields": ("GET", FIELDS, 200, {"list_id": 1}, {}),
    "fields unknown list": ("GET", FIELDS, 422, {"list_id": 99}, {}),
    "contact by field updates": (
        "POST", BY_FIELD, 201, {"list_id": 1},
        _ana({"field_id": 1, "value": "Lisboa"}),
    ),
    "contact by field creates": ("POST", BY_FIELD, 201, {"list_id": 1}, {"json": _upsert("new@example.com")}),
    "contact by field bad option": (
        "POST", BY_FIELD, 422, {"list_id": 1}, _ana({"field_id": 2, "value": [9]}),
    ),
    "contact by field unknown field": (
        "POST", BY_FIELD, 422, {"list_id": 1}, _ana({"field_id": 77, "value": "x"}),
    ),
    "contact by field not unique": (
        "POST", BY_FIELD, 422, {"list_id": 1}, {"json": {"compare_field": {"field_id": "first_name", "value": "Ana"}}},
    ),
    "contact by field unknown list": ("POST", BY_FIELD, 422, {"list_id": 99}, {"json": _upsert("a@example.com")}),
}  # fmt: skip

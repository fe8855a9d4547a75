"""The spec cases of import-bulk, export and advanced reports (issue 20), as `Case` arguments: `sandbox_spec_cases`
adds them to its table, so each response is validated against E-goi's OpenAPI. The callbacks go to a port where
nothing listens (the sandbox's delivery fails quietly, as it does for a webhook)."""

from __future__ import annotations

from typing import Any

IMPORT = "/lists/{list_id}/contacts/actions/import-bulk"
EXPORT = "/lists/{list_id}/contacts/actions/export"
CALLBACK = "http://127.0.0.1:9/callback"
TWO = [{"base": {"email": "new.one@example.com"}}, {"base": {"email": "ana.silva@example.com", "first_name": "A"}}]
RANGE = {"start": "2020-01-01T00:00:00Z", "end": "2030-12-31T23:59:59Z"}
BASE = {"list_base_fields": ["email"], "list_extra_fields": []}
STATS = {
    "sends": {"campaign_fields": dict.fromkeys(("campaign_hash", "channel", "group", "internal_name", "sender",
                                                "type"), True)},
    "subscriptions": {"list_stats_fields": {"subscription_method": True, "subscription_src": True}},
    "unsubscriptions": {"list_stats_fields": dict.fromkeys(("unsubscription_date", "unsubscription_method",
                                                            "unsubscription_src"), True)},
}  # fmt: skip


def _import(**changes: Any) -> dict[str, Any]:
    return {"json": {"mode": "update", "compare_field": "email", "contacts": TWO, "callback_url": CALLBACK, **changes}}


def _report(kind: str, **changes: Any) -> dict[str, Any]:
    body = {"title": "t", "lists": [1], "range": RANGE, "columns": {**BASE, **STATS[kind]}, "options": {},
            "callback_url": CALLBACK}  # fmt: skip
    return {"json": {**body, **changes}}


# name -> (method, spec path, status, path params, keyword arguments of `Case`)
JOBS: dict[str, tuple[str, str, int, dict[str, Any], dict[str, Any]]] = {
    "import bulk": ("POST", IMPORT, 202, {"list_id": 1}, _import()),
    "import bulk add only": ("POST", IMPORT, 202, {"list_id": 1}, _import(mode="add")),
    "import bulk one contact": ("POST", IMPORT, 422, {"list_id": 1}, _import(contacts=TWO[:1])),
    "import bulk bad mode": ("POST", IMPORT, 422, {"list_id": 1}, _import(mode="replace")),
    "import bulk not unique": ("POST", IMPORT, 422, {"list_id": 1}, _import(compare_field="first_name")),
    "import bulk unknown list": ("POST", IMPORT, 422, {"list_id": 99}, _import()),
    "import bulk malformed": ("POST", IMPORT, 400, {"list_id": 1}, {"content": b'{"oops": '}),
    "export contacts": ("POST", EXPORT, 202, {"list_id": 1}, {"json": {"format": "csv", "callback_url": CALLBACK}}),
    "export contacts no format": ("POST", EXPORT, 422, {"list_id": 1}, {"json": {"callback_url": CALLBACK}}),
    "export contacts unknown list": ("POST", EXPORT, 404, {"list_id": 99}, {"json": {"format": "csv"}}),
    "report sends": ("POST", "/reports/advanced/sends", 202, {}, _report("sends")),
    "report subscriptions": ("POST", "/reports/advanced/subscriptions", 202, {}, _report("subscriptions")),
    "report unsubscriptions": ("POST", "/reports/advanced/unsubscriptions", 202, {}, _report("unsubscriptions")),
    "report bad range": ("POST", "/reports/advanced/sends", 422, {}, _report("sends", range={"start": "x"})),
    "report unknown list": ("POST", "/reports/advanced/subscriptions", 422, {}, _report("subscriptions", lists=[99])),
}  # fmt: skip

"""`/webhooks`: list, register and delete the account's webhooks (see `delivery.py` for what is sent).

`POST` answers 200 (not 201), as the spec says. It documents no 404, so an unknown list is a 422 on
`list_id`; a url that is not http(s), or an action outside the spec's `WebhookActionSchema`, is a 422 too.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from egoi_mcp.sandbox import render
from egoi_mcp.sandbox.endpoints._common import sandbox_of
from egoi_mcp.sandbox.params import paging, path_id, positive_int, read_object, window
from egoi_mcp.sandbox.problems import invalid, not_found
from egoi_mcp.sandbox.responses import JSONResponse

WEBHOOK_ACTIONS = (
    "forget_subscription", "change_consent", "web_push_bounce", "web_push_click", "web_push_delivered",
    "web_push_open", "web_push_send", "web_push_subscription", "web_push_unsubscription", "email_send",
    "email_open", "email_click", "email_soft_bounce", "email_hard_bounce", "sms_send", "sms_delivered",
    "voice_send", "unsubscribe", "subscription", "edit_subscription", "resubscription", "facebook_like",
    "social_share", "double_optin", "email_spam_complaint", "email_field_disable", "cellphone_field_disable",
    "phone_field_disable", "push_send", "push_open", "push_click", "push_received", "push_error",
    "push_canceled", "new_order", "cart_update", "goal_conversion", "product_view",
)  # fmt: skip


async def get_webhooks(request: Request) -> JSONResponse:
    offset, limit = paging(request)
    hooks = list(sandbox_of(request).webhooks.values())
    return JSONResponse(render.collection([render.webhook(h) for h in window(hooks, offset, limit)], len(hooks)))


async def create_webhook(request: Request) -> JSONResponse:
    body = await read_object(request)
    sandbox = sandbox_of(request)
    list_id = positive_int(body.get("list_id"), "list_id")
    errors = {}
    if list_id not in sandbox.lists:
        errors["list_id"] = "List not found"
    if not _is_http_url(body.get("url")):
        errors["url"] = "Must be an http:// or https:// URL"
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not all(a in WEBHOOK_ACTIONS for a in actions):
        errors["actions"] = "Must be a non-empty array of webhook actions (e.g. subscription, email_open)"
    fields = body.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        errors["fields"] = "Must be an array of field ids"
    if errors:
        raise invalid(errors)
    assert isinstance(actions, list)
    hook = sandbox.add_webhook(list_id, body["url"], list(dict.fromkeys(actions)), fields)
    return JSONResponse(render.webhook(hook))


async def delete_webhook(request: Request) -> Response:
    sandbox = sandbox_of(request)
    hook = sandbox.webhooks.get(path_id(request, "webhook_id") or 0)
    if hook is None:
        raise not_found("Webhook not found")
    sandbox.delete_webhook(hook)
    return Response(status_code=204)


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


routes = [
    Route("/webhooks", get_webhooks, methods=["GET"]),
    Route("/webhooks", create_webhook, methods=["POST"]),
    Route("/webhooks/{webhook_id}", delete_webhook, methods=["DELETE"]),
]

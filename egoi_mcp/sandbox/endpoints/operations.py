"""`GET /operations` and `POST /operations/actions/{cancel,pause,resume}`: the queue of e-mail and SMS sends.

The queue holds the sends waiting to run (`queue.py`): `status` `queued` or `paused`, `type` `email` or `sms`
(its campaign's channel; a filter on another type finds nothing). Sorted by `order_by` (`operation_id`, the
default, `created` or `start_date`) and `order` (default `desc`).

The actions take `{"operations": [ids]}` and answer 200 `{"success": [ids], "error":
{"invalid_operation_action": [ids], "operation_not_found": [ids]}}`: pausing a paused send or resuming
one that is not paused is an invalid action. These operations document no 400, so a body that is not a
JSON object with a non-empty array of positive integers answers 422.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from egoi_mcp.sandbox import render
from egoi_mcp.sandbox.endpoints._common import sandbox_of
from egoi_mcp.sandbox.models import Operation
from egoi_mcp.sandbox.params import ORDER, choice, paging, read_object, window
from egoi_mcp.sandbox.problems import ApiError, invalid
from egoi_mcp.sandbox.responses import JSONResponse
from egoi_mcp.sandbox.state import Sandbox

OPERATION_TYPES = (
    "import_contacts", "update_contacts", "export_contacts", "export_reports", "advanced_report", "email", "sms",
    "smart_sms", "voice", "push", "webpush", "ads", "social", "segment_generation", "mass_operation", "unify",
    "import_ecommerce", "attach_tag", "detach_tag",
)  # fmt: skip
OPERATION_STATUSES = ("queued", "processing", "executing", "paused")
OPERATION_ORDER_BY = ("operation_id", "created", "start_date")


async def get_operations(request: Request) -> JSONResponse:
    offset, limit = paging(request)
    kind = choice(request, "type", OPERATION_TYPES)
    status = choice(request, "status", OPERATION_STATUSES)
    order = choice(request, "order", ORDER, "desc")
    order_by = choice(request, "order_by", OPERATION_ORDER_BY, "operation_id") or "operation_id"
    sandbox = sandbox_of(request)
    found = [
        operation
        for operation in sandbox.queue.operations.values()
        if kind in (None, _type(sandbox, operation)) and status in (None, operation.status)
    ]
    found.sort(key=lambda o: (getattr(o, order_by), o.operation_id), reverse=order == "desc")
    items = [render.operation(o, sandbox.campaigns.get(o.campaign_hash)) for o in window(found, offset, limit)]
    return JSONResponse(render.collection(items, len(found)))


def _type(sandbox: Sandbox, operation: Operation) -> str:
    campaign = sandbox.campaigns.get(operation.campaign_hash)
    return campaign.channel if campaign is not None else "email"


async def cancel(request: Request) -> JSONResponse:
    return await _act(request, "cancel")


async def pause(request: Request) -> JSONResponse:
    return await _act(request, "pause")


async def resume(request: Request) -> JSONResponse:
    return await _act(request, "resume")


async def _act(request: Request, action: str) -> JSONResponse:
    ids = _operation_ids(await _read_body(request))
    queue = sandbox_of(request).queue
    done: list[int] = []
    invalid_action: list[int] = []
    missing: list[int] = []
    for operation_id in dict.fromkeys(ids):
        operation = queue.operations.get(operation_id)
        if operation is None:
            missing.append(operation_id)
        elif action == "cancel":
            queue.cancel(operation)
            done.append(operation_id)
        elif (queue.pause if action == "pause" else queue.resume)(operation):
            done.append(operation_id)
        else:
            invalid_action.append(operation_id)
    error = {"invalid_operation_action": invalid_action, "operation_not_found": missing}
    return JSONResponse({"success": done, "error": error})


async def _read_body(request: Request) -> dict[str, Any]:
    try:
        return await read_object(request)
    except ApiError as exc:
        if exc.status != 400:
            raise
        raise invalid(exc.errors or {"body": exc.detail}, detail=exc.detail) from None


def _operation_ids(body: dict[str, Any]) -> list[int]:
    ids = body.get("operations")
    valid = isinstance(ids, list) and ids and all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids)
    if not valid:
        raise invalid({"operations": "Must be a non-empty array of operation ids (positive integers)"})
    assert isinstance(ids, list)
    return ids


routes = [
    Route("/operations", get_operations, methods=["GET"]),
    Route("/operations/actions/cancel", cancel, methods=["POST"]),
    Route("/operations/actions/pause", pause, methods=["POST"]),
    Route("/operations/actions/resume", resume, methods=["POST"]),
]

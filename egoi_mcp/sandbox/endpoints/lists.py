"""`POST /ping` and `/lists`: list, create, read and delete lists."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from egoi_mcp.sandbox import render
from egoi_mcp.sandbox.endpoints._common import list_or_404, sandbox_of, sort_key
from egoi_mcp.sandbox.params import ORDER, choice, paging, read_object, window
from egoi_mcp.sandbox.problems import invalid
from egoi_mcp.sandbox.responses import JSONResponse

LIST_ORDER_BY = ("list_id", "internal_name", "public_name", "created", "updated")


async def ping(request: Request) -> JSONResponse:
    return JSONResponse({"result": "pong"})


async def get_lists(request: Request) -> JSONResponse:
    offset, limit = paging(request)
    order = choice(request, "order", ORDER, "desc")
    order_by = choice(request, "order_by", LIST_ORDER_BY, "list_id") or "list_id"
    records = list(sandbox_of(request).lists.values())
    for name in ("internal_name", "public_name"):
        if wanted := request.query_params.get(name):
            records = [r for r in records if getattr(r, name).casefold() == wanted.casefold()]
    records.sort(key=lambda r: sort_key(getattr(r, order_by)), reverse=order == "desc")
    items = [render.mailing_list(r) for r in window(records, offset, limit)]
    return JSONResponse(render.collection(items, len(records)))


async def create_list(request: Request) -> JSONResponse:
    body = await read_object(request)
    internal_name = body.get("internal_name")
    public_name = body.get("public_name", internal_name)
    errors = {}
    if not isinstance(internal_name, str) or not internal_name.strip():
        errors["internal_name"] = "Required: a non-empty string"
    if public_name is not None and not isinstance(public_name, str):
        errors["public_name"] = "Must be a string"
    if errors:
        raise invalid(errors)
    assert isinstance(internal_name, str)
    record = sandbox_of(request).add_list(internal_name.strip(), (public_name or internal_name).strip())
    return JSONResponse(render.mailing_list(record), status_code=201)


async def get_list(request: Request) -> JSONResponse:
    record = list_or_404(request)
    return JSONResponse(render.complex_list(record, sandbox_of(request).contacts_of(record.list_id)))


async def delete_list(request: Request) -> Response:
    sandbox_of(request).delete_list(list_or_404(request))
    return Response(status_code=204)


routes = [
    Route("/ping", ping, methods=["POST"]),
    Route("/lists", get_lists, methods=["GET"]),
    Route("/lists", create_list, methods=["POST"]),
    Route("/lists/{list_id}", get_list, methods=["GET"]),
    Route("/lists/{list_id}", delete_list, methods=["DELETE"]),
]

"""`/tags`: list, create, update (PUT) and delete the account's tags.

Tag names are unique without regard to case: a duplicate answers 409 `{"name_already_exists": ...}`.
A new tag without a color gets `#00AEDA`. Deleting a tag removes it from every contact.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from egoi_mcp.sandbox import render
from egoi_mcp.sandbox.endpoints._common import sandbox_of
from egoi_mcp.sandbox.models import Tag
from egoi_mcp.sandbox.params import ORDER, choice, paging, path_id, read_object, window
from egoi_mcp.sandbox.problems import invalid, not_found
from egoi_mcp.sandbox.responses import JSONResponse

DEFAULT_COLOR = "#00AEDA"
TAG_ORDER_BY = ("tag_id", "name", "color")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


async def get_tags(request: Request) -> JSONResponse:
    offset, limit = paging(request)
    order = choice(request, "order", ORDER, "desc")
    order_by = choice(request, "order_by", TAG_ORDER_BY, "tag_id") or "tag_id"
    tags = sorted(
        sandbox_of(request).tags.values(),
        key=lambda tag: str(getattr(tag, order_by)).casefold() if order_by != "tag_id" else tag.tag_id,
        reverse=order == "desc",
    )
    return JSONResponse(render.collection([render.tag(t) for t in window(tags, offset, limit)], len(tags)))


async def create_tag(request: Request) -> JSONResponse:
    name, color = _tag_fields(await read_object(request), partial=False)
    assert name is not None
    tag = sandbox_of(request).add_tag(name, color or DEFAULT_COLOR)
    return JSONResponse(render.tag(tag), status_code=201)


async def update_tag(request: Request) -> JSONResponse:
    tag = _tag_or_404(request)
    name, color = _tag_fields(await read_object(request), partial=True)
    sandbox_of(request).update_tag(tag, name, color)
    return JSONResponse(render.tag(tag))


async def delete_tag(request: Request) -> Response:
    sandbox_of(request).delete_tag(_tag_or_404(request))
    return Response(status_code=204)


def _tag_or_404(request: Request) -> Tag:
    tag_id = path_id(request, "tag_id")
    tag = sandbox_of(request).tags.get(tag_id) if tag_id is not None else None
    if tag is None:
        raise not_found("Tag not found")
    return tag


def _tag_fields(body: dict[str, Any], *, partial: bool) -> tuple[str | None, str | None]:
    name, color = body.get("name"), body.get("color")
    errors = {}
    if (name is not None or not partial) and (not isinstance(name, str) or not name.strip()):
        errors["name"] = "Required: a non-empty string"
    if color is not None and (not isinstance(color, str) or not _COLOR.match(color)):
        errors["color"] = "Must be a hex color, #RRGGBB"
    if errors:
        raise invalid(errors)
    return (name.strip() if isinstance(name, str) else None), (color.upper() if color else None)


routes = [
    Route("/tags", get_tags, methods=["GET"]),
    Route("/tags", create_tag, methods=["POST"]),
    Route("/tags/{tag_id}", update_tag, methods=["PUT"]),
    Route("/tags/{tag_id}", delete_tag, methods=["DELETE"]),
]

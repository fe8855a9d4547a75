"""`GET /lists/{list_id}/segments`: the automatic, saved and tag segments of a list.

The spec documents no 404 here, so an unknown list answers 422 on `list_id`. `name` matches any part
of a segment's name, without case.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from egoi_mcp.sandbox import render, segments
from egoi_mcp.sandbox.endpoints._common import list_or_422, sandbox_of
from egoi_mcp.sandbox.params import choice, paging, window
from egoi_mcp.sandbox.responses import JSONResponse


async def get_segments(request: Request) -> JSONResponse:
    record = list_or_422(request)
    offset, limit = paging(request)
    kind = choice(request, "type", segments.SEGMENT_TYPES)
    name = request.query_params.get("name", "").casefold()
    found = [
        item
        for item in segments.catalogue(sandbox_of(request), record.list_id)
        if (kind is None or item["type"] == kind) and name in item["name"].casefold()
    ]
    return JSONResponse(render.collection(window(found, offset, limit), len(found)))


routes = [Route("/lists/{list_id}/segments", get_segments, methods=["GET"])]

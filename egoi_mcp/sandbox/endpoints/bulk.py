"""Background operations: `POST .../contacts/actions/import-bulk`, `POST .../contacts/actions/export`,
`POST /reports/advanced/{sends,subscriptions,unsubscriptions}` (each 202 `{"result": "success"}`, then a POST to
the request's `callback_url`), and `GET /files/{name}`, the files those callbacks name (no API key, like a
signed download link). See `sandbox/bulk.py` for what each does."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

from egoi_mcp.sandbox import bulk, segments
from egoi_mcp.sandbox.endpoints._common import list_or_404, list_or_422, sandbox_of
from egoi_mcp.sandbox.guard import FILES_PREFIX
from egoi_mcp.sandbox.params import read_object
from egoi_mcp.sandbox.problems import invalid
from egoi_mcp.sandbox.responses import JSONResponse

_MODES = ("add", "update", "update_only")
_REPORTS = ("sends", "subscriptions", "unsubscriptions")
_ACCEPTED = {"result": "success"}


def _callback(body: dict[str, Any], *, required: bool) -> str | None:
    url = body.get("callback_url")
    if url is None and not required:
        return None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise invalid({"callback_url": "Must be an http(s) URL"})
    return url


def _call_back(request: Request, url: str | None, data: dict[str, Any]) -> None:
    if url is not None:
        sandbox_of(request).delivery.submit([(url, data)])


async def import_bulk(request: Request) -> JSONResponse:
    record = list_or_422(request)  # the spec documents no 404 here
    body = await read_object(request)
    contacts = body.get("contacts")
    errors = {}
    if body.get("mode") not in _MODES:
        errors["mode"] = f"Must be one of: {', '.join(_MODES)}"
    if body.get("compare_field") != "email":
        errors["compare_field"] = "The field must be unique in the list: email"
    if not isinstance(contacts, list) or len(contacts) < 2:
        errors["contacts"] = "Minimum of 2 contacts (use Create new contact for one)"
    if errors:
        raise invalid(errors)
    callback = _callback(body, required=False)
    assert isinstance(contacts, list)
    result = bulk.import_contacts(sandbox_of(request), record.list_id, contacts, str(body["mode"]))
    report = (
        bulk.keep_file(sandbox_of(request), bulk.reasons_csv(result), str(request.base_url)) if result.invalid else ""
    )
    _call_back(request, callback, {**result.counts(), "file": report})
    return JSONResponse(_ACCEPTED, status_code=202)


async def export_contacts(request: Request) -> JSONResponse:
    record = list_or_404(request)
    body = await read_object(request)
    if body.get("format") not in ("csv", "xml"):
        raise invalid({"format": "Must be one of: csv, xml"})
    callback = _callback(body, required=True)
    sandbox = sandbox_of(request)
    chosen = body.get("segments") or []
    contacts = sandbox.contacts_of(record.list_id)
    for segment_id in chosen if isinstance(chosen, list) else []:
        members = segments.members(sandbox, record.list_id, str(segment_id))
        if members is None:
            raise invalid({"segments": f"No segment {str(segment_id)[:40]!r} in list {record.list_id}"})
        contacts = [c for c in contacts if c in members]
    url = bulk.keep_file(sandbox, bulk.contacts_csv(contacts), str(request.base_url))
    _call_back(request, callback, {"file": url})
    return JSONResponse(_ACCEPTED, status_code=202)


async def advanced_report(request: Request) -> JSONResponse:
    kind = request.url.path.rsplit("/", 1)[-1]
    body = await read_object(request)
    sandbox = sandbox_of(request)
    lists, span = body.get("lists"), body.get("range")
    span = span if isinstance(span, dict) else {}
    start, end = bulk.day(span.get("start")), bulk.day(span.get("end"))
    errors = {name: "Required" for name in ("title", "columns", "options") if name not in body}
    if not isinstance(lists, list) or not lists or not all(isinstance(i, int) and i in sandbox.lists for i in lists):
        errors["lists"] = "Must be a list of the account's list ids"
    if start is None or end is None or start > end:
        errors["range"] = "Required: {start, end}, dates with start <= end"
    if errors:
        raise invalid(errors)
    assert start is not None and end is not None and isinstance(lists, list)
    callback = _callback(body, required=True)
    url = bulk.keep_file(sandbox, bulk.report_csv(sandbox, kind, lists, start, end), str(request.base_url))
    _call_back(request, callback, {"file": url})
    return JSONResponse(_ACCEPTED, status_code=202)


async def get_file(request: Request) -> Response:
    text = sandbox_of(request).files.get(request.path_params["name"])
    if text is None:
        return PlainTextResponse("Not Found", status_code=404)
    return PlainTextResponse(text, media_type="text/csv")


routes = [
    Route("/lists/{list_id}/contacts/actions/import-bulk", import_bulk, methods=["POST"]),
    Route("/lists/{list_id}/contacts/actions/export", export_contacts, methods=["POST"]),
    *(Route(f"/reports/advanced/{kind}", advanced_report, methods=["POST"]) for kind in _REPORTS),
    Mount(FILES_PREFIX.rstrip("/"), routes=[Route("/{name}", get_file, methods=["GET"])]),  # no E-goi operation
]

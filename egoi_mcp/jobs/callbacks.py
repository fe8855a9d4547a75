"""E-goi's callbacks for exports and advanced reports: `POST /webhooks/egoi/{secret}/jobs/{job_id}`.

Authenticated like webhooks (the secret in the URL: E-goi neither signs nor sends custom headers). The body is
`{"file": url}` (E-goi's `ExportContactsWebhookData` / `ExportReportWebhookData`); the URL is stored in the
job before the callback is answered 200, so a crash after the answer loses nothing: the runner fetches the
file on its next claim. A callback for a finished or unknown job is answered 200 and changes nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import TYPE_CHECKING, Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from egoi_mcp.jobs.record import JOB_ID, Job
from egoi_mcp.webhooks.receiver import RECEIVER_PATH

if TYPE_CHECKING:
    from egoi_mcp.store import Store

__all__ = ["job_callback_routes"]

logger = logging.getLogger("egoi_mcp.jobs")

MAX_CALLBACK_BYTES: Final = 16 * 1024


def job_callback_routes(store: Store, secret: str) -> list[BaseRoute]:
    """The callback route (the runner of the job's account finds the file's URL at its next poll)."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        if not hmac.compare_digest(str(request.path_params["secret"]).encode(), expected):
            return PlainTextResponse("Not Found", status_code=404)
        body = await request.body()
        file = _file_url(body) if len(body) <= MAX_CALLBACK_BYTES else None
        if file is None:
            return JSONResponse({"ok": False, "error": 'expected a JSON body {"file": "https://..."}'}, 400)
        job_id = str(request.path_params["job_id"])
        try:
            known = JOB_ID.fullmatch(job_id) is not None and await store.read_state(f"job:{job_id}") is not None
            if known:
                await store.update_state(f"job:{job_id}", lambda value: _with_file(value, file))
        except Exception:  # nothing was acknowledged: E-goi calls back again
            logger.exception("could not store the callback of job %s; answering 503", job_id[:20])
            return JSONResponse({"ok": False, "error": "the store is unavailable; retry later"}, 503)
        return JSONResponse({"ok": True})

    return [Route(RECEIVER_PATH + "/{secret}/jobs/{job_id}", receive, methods=["POST"], name="egoi_job_callback")]


def _file_url(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    file = data.get("file") if isinstance(data, dict) else None
    return file if isinstance(file, str) and file.startswith(("https://", "http://")) else None


def _with_file(value: dict[str, Any] | None, file: str) -> tuple[dict[str, Any], bool]:
    job = Job.from_json(value)
    if job is None or job.finished or job.kind == "import" or job.params.get("file"):
        return (value or {}), False
    return job.but(params={**job.params, "file": file}).to_json(), True

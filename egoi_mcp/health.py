"""Health for orchestrators: `/healthz/live` (the process answers) and `/healthz/ready` (it can do its work).

Ready means: the server's lifespan has opened everything; the store takes a write (a small shared value, the
same kind the rate budget uses); on PostgreSQL, this replica's LISTEN connection is up (else subscribers miss
other replicas' events); and the E-goi request budget is not spent. When not, 503 with every reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from egoi_mcp import __version__
from egoi_mcp.redact import redact

if TYPE_CHECKING:
    from egoi_mcp.runtime import Runtime

__all__ = ["PROBE_TIMEOUT", "health_routes", "not_ready"]

PROBE_TIMEOUT: Final = 5.0  # seconds the store's write may take before the probe calls it unusable
_PROBE_KEY: Final = "health:probe"


async def not_ready(rt: Runtime) -> list[str]:
    """Why the running server cannot serve now (none: ready)."""
    reasons = []
    try:
        with anyio.fail_after(PROBE_TIMEOUT):
            await rt.store.update_state(_PROBE_KEY, lambda _: ({"at": time.time()}, None))
    except Exception as exc:  # whatever the store says, the probe answers with it, one line
        reasons.append(redact(f"the store ({rt.store.engine}) cannot be written: {str(exc) or type(exc).__name__}"))
    if not rt.store.listener_connected:
        reasons.append("the PostgreSQL listener is not connected: other replicas' events are not heard")
    if rt.client.limiter.remaining < 1:
        reasons.append("the E-goi request budget is spent: tools would fail with RATE_LIMITED until it refills")
    return reasons


def health_routes(current: Callable[[], Runtime | None]) -> list[Route]:
    """`GET /healthz/live` and `GET /healthz/ready`; `current()` is the running server's `Runtime` (or None)."""

    async def live(request: Request) -> JSONResponse:
        return JSONResponse({"status": "alive", "version": __version__})

    async def ready(request: Request) -> JSONResponse:
        rt = current()
        if rt is None:
            return _unready(["starting: the server's lifespan has not opened the store yet"])
        reasons = await not_ready(rt)
        if reasons:
            return _unready(reasons)
        return JSONResponse({"status": "ready", "version": __version__, "store": rt.store.engine})

    return [Route("/healthz/live", live, methods=["GET"]), Route("/healthz/ready", ready, methods=["GET"])]


def _unready(reasons: list[str]) -> JSONResponse:
    body: dict[str, Any] = {"status": "not_ready", "version": __version__, "reasons": reasons}
    return JSONResponse(body, status_code=503)

"""OpenTelemetry traces and metrics: off by default, and then free (nothing imported, every hook one comparison).

With `OTEL_EXPORTER_OTLP_ENDPOINT` (or `--otel URL`) set, the server's lifespan calls `start`, which imports the
OpenTelemetry SDK (`pip install egoi-mcp[otel]`) from `egoi_mcp._otel`, and `stop` at the end (which flushes).
Then:

- traces: the MCP SDK's own span per request (`tools/call egoi_list_lists`, `resources/read`, following the MCP
  semantic conventions; a resource read gains `mcp.resource.uri`), and under it a CLIENT span per E-goi request
  (`GET /lists/{id}/contacts`: method, route template, status, retries, rate-limit wait; HTTP conventions);
- metrics: `mcp.server.operation.duration` (by method, tool and `error.type`), `http.client.request.duration`
  (E-goi requests by route and status), `egoi_mcp.budget.remaining`, `egoi_mcp.webhook.deliveries` (by outcome:
  accepted, refused, duplicate), `egoi_mcp.events.stored` (by trigger) and `egoi_mcp.notification.lag`.

The hooks below are what the rest of the code calls; each does nothing while `active` is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

    from egoi_mcp._otel import EgoiRequest, Otel
    from egoi_mcp.models import Event
    from egoi_mcp.ratelimit import RateLimiter

__all__ = ["active", "delivery", "egoi_request", "middleware", "notified", "start", "stop"]

active: Otel | None = None
"""The running telemetry; None when off."""


def start(endpoint: str, *, limiter: RateLimiter, version: str) -> None:
    """Export traces and metrics to the OTLP/HTTP `endpoint` (its `/v1/traces` and `/v1/metrics`) until `stop`."""
    global active
    try:
        from egoi_mcp._otel import Otel  # the SDK is imported only now
    except ImportError as exc:
        raise RuntimeError(
            f"OTEL_EXPORTER_OTLP_ENDPOINT (--otel) is set but the OpenTelemetry SDK is missing ({exc.name}): "
            "pip install 'egoi-mcp[otel]', or unset it"
        ) from None

    stop()
    active = Otel(endpoint, limiter=limiter, version=version)


def stop() -> None:
    """Flush what is pending and stop exporting (blocking: call it from a worker thread in async code)."""
    global active
    running, active = active, None
    if running is not None:
        running.shutdown()


def egoi_request(method: str, path: str) -> EgoiRequest | None:
    """A recorder for one E-goi request (a context manager), or None when telemetry is off."""
    return active.egoi_request(method, path) if active is not None else None


def delivery(outcome: str, trigger: str | None = None) -> None:
    """Count a webhook delivery: `accepted` (a new event stored, of `trigger`), `duplicate` or `refused`."""
    if active is not None:
        active.delivery(outcome, trigger)


def notified(events: Sequence[Event]) -> None:
    """Record how long after it was stored each event's notification went out."""
    if active is not None:
        active.notified(events)


async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Server middleware (installed only when telemetry is configured): each MCP request's duration."""
    if active is None:
        return await call_next(ctx)
    return await active.operation(ctx, call_next)

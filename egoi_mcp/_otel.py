"""The OpenTelemetry SDK behind `egoi_mcp.telemetry` (imported only when telemetry is on: `egoi-mcp[otel]`).

Traces go through the process's global tracer provider, because the MCP SDK's own request spans do: it is set
once (an SDK `TracerProvider`), and each `Otel` plugs its batch exporter into it through `_SWITCH` while it runs.
Metrics have a `MeterProvider` of each `Otel`'s own, flushed and shut down by `shutdown`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, StatusCode

from egoi_mcp.redact import redact

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

    from egoi_mcp.models import Event
    from egoi_mcp.ratelimit import RateLimiter

__all__ = ["EgoiRequest", "Otel", "route_template"]

SCOPE: Final = "egoi-mcp"
METRIC_INTERVAL_MS: Final = 60_000
# A path segment that is an id or a hash: it holds a digit, or it is 8+ hex digits (a contact id, a campaign hash).
_ID_SEGMENT: Final = re.compile(r"(?<=/)(?:[^/]*\d[^/]*|[0-9a-fA-F]{8,})(?=/|$)")


def route_template(path: str) -> str:
    """E-goi's route for `path`, ids and hashes as `{id}` (low-cardinality, as `url.template` must be):
    `/lists/5/contacts/8f3a27ef26` -> `/lists/{id}/contacts/{id}`."""
    return _ID_SEGMENT.sub("{id}", path.partition("?")[0])


class _Switch(SpanProcessor):
    """The global provider's one processor, forwarding to the running `Otel`'s exporter (or to nothing)."""

    def __init__(self) -> None:
        self.target: SpanProcessor | None = None

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        target = self.target
        if target is not None:
            target.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        target = self.target
        if target is not None:
            target.on_end(span)

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        target = self.target
        return target.force_flush(timeout_millis) if target is not None else True


_SWITCH: Final = _Switch()
_INSTALL: Final = threading.Lock()
_installed = False


def _install(resource: Resource) -> None:
    """Make the global tracer provider an SDK one carrying `_SWITCH` (once per process; an embedding
    application's own SDK provider is kept and given the switch)."""
    global _installed
    with _INSTALL:
        if _installed:
            return
        current = trace.get_tracer_provider()
        if isinstance(current, TracerProvider):
            current.add_span_processor(_SWITCH)
        else:
            provider = TracerProvider(resource=resource)
            provider.add_span_processor(_SWITCH)
            trace.set_tracer_provider(provider)
        _installed = True


class Otel:
    """The instruments of one running server, exporting to one OTLP/HTTP endpoint."""

    def __init__(self, endpoint: str, *, limiter: RateLimiter, version: str) -> None:
        base = endpoint.rstrip("/")
        resource = Resource.create({"service.name": "egoi-mcp", "service.version": version})
        _install(resource)
        self._spans = BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{base}/v1/traces"))
        _SWITCH.target = self._spans
        reader = PeriodicExportingMetricReader(
            OTLPMetricExporter(endpoint=f"{base}/v1/metrics"), export_interval_millis=METRIC_INTERVAL_MS
        )
        self._meters = MeterProvider(resource=resource, metric_readers=[reader])
        self.tracer = trace.get_tracer(SCOPE, version)
        meter = self._meters.get_meter(SCOPE, version)
        self.operations = meter.create_histogram(
            "mcp.server.operation.duration", unit="s", description="MCP request duration, as the server saw it"
        )
        self.requests = meter.create_histogram(
            "http.client.request.duration", unit="s", description="E-goi request duration, retries included"
        )
        self.deliveries = meter.create_counter(
            "egoi_mcp.webhook.deliveries", unit="{delivery}", description="Webhook deliveries, by outcome"
        )
        self.stored = meter.create_counter("egoi_mcp.events.stored", unit="{event}", description="New events stored")
        self.lag = meter.create_histogram(
            "egoi_mcp.notification.lag", unit="s", description="From an event stored to its notification sent"
        )

        def remaining(options: CallbackOptions) -> Iterable[Observation]:
            return [Observation(limiter.remaining)]

        meter.create_observable_gauge(
            "egoi_mcp.budget.remaining", [remaining], unit="{request}", description="E-goi requests left now"
        )

    def egoi_request(self, method: str, path: str) -> EgoiRequest:
        return EgoiRequest(self, method, route_template(path))

    def delivery(self, outcome: str, trigger: str | None) -> None:
        self.deliveries.add(1, {"egoi_mcp.delivery.outcome": outcome})
        if outcome == "accepted":
            self.stored.add(1, {"egoi_mcp.event.trigger": trigger or "other"})

    def notified(self, events: Sequence[Event]) -> None:
        now = datetime.now(UTC)
        for event in events:
            self.lag.record(max(0.0, (now - event.received_at).total_seconds()))

    async def operation(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """Time one MCP request; name its resource on the SDK's span; count a tool's error result as an error."""
        attributes: dict[str, Any] = {"mcp.method.name": ctx.method}
        target = ctx.params.get("name") if ctx.params else None
        if ctx.method == "tools/call" and isinstance(target, str):
            attributes["gen_ai.tool.name"] = target
        uri = ctx.params.get("uri") if ctx.params else None
        if ctx.method == "resources/read" and isinstance(uri, str):
            trace.get_current_span().set_attribute("mcp.resource.uri", uri)
        started = time.perf_counter()
        try:
            result = await call_next(ctx)
        except BaseException as exc:
            attributes["error.type"] = type(exc).__qualname__
            raise
        else:
            if _is_tool_error(result):
                attributes["error.type"] = "tool_error"
            return result
        finally:
            self.operations.record(time.perf_counter() - started, attributes)

    def shutdown(self) -> None:
        """Export what is pending, then stop (the next `Otel` plugs its own exporter in)."""
        if _SWITCH.target is self._spans:
            _SWITCH.target = None
        self._spans.shutdown()  # type: ignore[no-untyped-call]
        self._meters.shutdown()


def _is_tool_error(result: object) -> bool:
    if isinstance(result, dict):
        return result.get("isError") is True
    return getattr(result, "is_error", False) is True


class EgoiRequest:
    """One E-goi request (retries included) as a CLIENT span and a duration; the transport fills it in."""

    def __init__(self, otel: Otel, method: str, template: str) -> None:
        self._otel = otel
        self.method = method
        self.template = template
        self.status: int | None = None  # of the last attempt
        self.retries = 0
        self.waited = 0.0  # seconds spent waiting on the rate limiter (its queue, its pauses, retry backoff)
        self._span: trace.Span | None = None
        self._scope: Any = None
        self._started = 0.0

    def retried(self, delay: float) -> None:
        self.retries += 1
        self.waited += max(0.0, delay)

    def __enter__(self) -> EgoiRequest:
        attributes = {"http.request.method": self.method, "url.template": self.template}
        self._span = self._otel.tracer.start_span(
            f"{self.method} {self.template}", kind=SpanKind.CLIENT, attributes=attributes
        )
        self._scope = trace.use_span(self._span, end_on_exit=False)
        self._scope.__enter__()
        self._started = time.perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._span is not None
        attributes: dict[str, Any] = {"http.request.method": self.method, "url.template": self.template}
        if self.status is not None:
            attributes["http.response.status_code"] = self.status
        error = getattr(exc, "code", None) or (kind.__qualname__ if kind else None)
        if self.status is not None and self.status >= 400:
            error = error or str(self.status)
        if error:
            attributes["error.type"] = str(error)
            self._span.set_status(StatusCode.ERROR, redact(str(exc)) if exc else None)
        self._span.set_attributes(
            {**attributes, "http.request.resend_count": self.retries, "egoi_mcp.rate_limit.wait": self.waited}
        )
        self._otel.requests.record(time.perf_counter() - self._started, attributes)
        self._scope.__exit__(kind, exc, tb)
        self._span.end()

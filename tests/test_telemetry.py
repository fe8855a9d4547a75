"""OpenTelemetry, end to end: a real OTLP/HTTP receiver (a small HTTP server this test starts, decoding the
protobuf export requests with opentelemetry-proto) gets the spans and metrics of a server run over HTTP on the
sandbox — a tool call that reaches E-goi, a resource read, webhook deliveries. And with telemetry off, nothing of
the OpenTelemetry SDK is even imported."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue

from egoi_mcp.server import build_app, build_server
from tests.conftest import call, make_settings

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:8000"


class Receiver:
    """An OTLP/HTTP endpoint: `/v1/traces` and `/v1/metrics`, every export request kept, decoded."""

    def __init__(self) -> None:
        self.spans: list[Any] = []
        self.metrics: list[Any] = []
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path == "/v1/traces":
                    request = ExportTraceServiceRequest.FromString(body)
                    received.spans += [s for r in request.resource_spans for ss in r.scope_spans for s in ss.spans]
                elif self.path == "/v1/metrics":
                    request = ExportMetricsServiceRequest.FromString(body)
                    received.metrics += [
                        m for r in request.resource_metrics for sm in r.scope_metrics for m in sm.metrics
                    ]
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"

    def metric(self, name: str) -> list[dict[str, Any]]:
        """Every data point of the metric `name`: its attributes, and its count (histograms) or value."""
        points = []
        for metric in (m for m in self.metrics if m.name == name):
            kind = metric.WhichOneof("data")
            for point in getattr(metric, kind).data_points:
                value = point.count if kind == "histogram" else (point.as_int or point.as_double)
                points.append({**_attributes(point.attributes), "value": value})
        return points


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _value(pair) for pair in pairs}


def _value(pair: KeyValue) -> Any:
    kind = pair.value.WhichOneof("value")
    return getattr(pair.value, kind) if kind else None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.http.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.http.shutdown()
        receiver.http.server_close()


async def test_a_tool_call_that_reaches_e_goi_is_traced_and_measured(tmp_path: Path, receiver: Receiver) -> None:
    server = build_server(make_settings(tmp_path, transport="http", otel_endpoint=receiver.url))
    app = build_app(server)
    transport = httpx2.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx2.AsyncClient(transport=transport, base_url=BASE) as http:
        async with Client(streamable_http_client(f"{BASE}/mcp", http_client=http)) as client:
            contact = (await call(client, "egoi_create_contact", email="traced@example.com", list_id=1))["id"]
            await call(client, "egoi_get_contact", contact_id=contact, list_id=1)
            missing = await client.call_tool("egoi_get_contact", {"contact_id": "ffffffffff", "list_id": 1})
            await client.read_resource("egoi://events/recent")
        delivery = {"action": "subscription", "list_id": 1, "contact_id": "8f3a27ef26", "email": "a@example.com"}
        for _ in range(2):  # stored, then the same delivery again
            assert (await http.post("/webhooks/egoi/test-webhook-secret", json=delivery)).status_code == 200
        assert (await http.post("/webhooks/egoi/test-webhook-secret", content=b"{nope")).status_code == 400
    assert missing.is_error  # the lifespan has ended: everything pending was flushed to the receiver

    spans = {span.name: span for span in receiver.spans}
    tools = [s for s in receiver.spans if s.name == "tools/call egoi_get_contact"]
    assert len(tools) == 2, sorted(spans)
    for tool in tools:  # the MCP SDK's own spans, exported by our provider
        assert _attributes(tool.attributes)["gen_ai.tool.name"] == "egoi_get_contact"
        assert _attributes(tool.attributes)["mcp.method.name"] == "tools/call"
    egoi = [s for s in receiver.spans if s.name == "GET /lists/{id}/contacts/{id}"]
    found = next(s for s in egoi if _attributes(s.attributes)["http.response.status_code"] == 200)
    assert (found.trace_id, found.parent_span_id) in {(t.trace_id, t.span_id) for t in tools}, "under its tool call"
    attributes = _attributes(found.attributes)
    assert attributes["http.request.method"] == "GET" and attributes["url.template"] == "/lists/{id}/contacts/{id}"
    assert attributes["http.request.resend_count"] == 0 and attributes["egoi_mcp.rate_limit.wait"] >= 0
    assert any(_attributes(s.attributes).get("http.response.status_code") == 404 for s in egoi)
    read = spans["resources/read"]
    assert _attributes(read.attributes)["mcp.resource.uri"] == "egoi://events/recent"

    operations = receiver.metric("mcp.server.operation.duration")
    calls = [p for p in operations if p.get("gen_ai.tool.name") == "egoi_get_contact"]
    assert {p.get("error.type") for p in calls} == {None, "tool_error"}, calls
    requests = receiver.metric("http.client.request.duration")
    assert {(p["url.template"], p["http.response.status_code"]) for p in requests} >= {
        ("/lists/{id}/contacts/{id}", 200), ("/lists/{id}/contacts/{id}", 404)
    }  # fmt: skip
    assert receiver.metric("egoi_mcp.budget.remaining")[-1]["value"] > 0
    outcomes = {p["egoi_mcp.delivery.outcome"]: p["value"] for p in receiver.metric("egoi_mcp.webhook.deliveries")}
    assert outcomes == {"accepted": 1, "duplicate": 1, "refused": 1}
    assert [p["value"] for p in receiver.metric("egoi_mcp.events.stored")] == [1]
    assert [p["value"] for p in receiver.metric("egoi_mcp.notification.lag")] == [1]


def test_with_telemetry_off_the_sdk_is_never_imported(tmp_path: Path) -> None:
    script = f"""
import sys, anyio
from mcp import Client
from egoi_mcp.config import Settings
from egoi_mcp.server import build_server

async def main():
    server = build_server(Settings(sandbox=True, db={str(tmp_path / "events.db")!r}))
    async with Client(server.mcp) as client:
        assert not (await client.call_tool("egoi_list_lists", {{}})).is_error

anyio.run(main)
print([m for m in sys.modules if m.startswith(("opentelemetry.sdk", "opentelemetry.exporter", "egoi_mcp._otel"))])
"""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().replace("'", '"')) == []

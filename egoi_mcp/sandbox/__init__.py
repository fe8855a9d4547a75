"""An in-memory fake of the E-goi Marketing API v3, for trying egoi-mcp without an account.

    app = create_app()                       # a Starlette app with demo data
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as http:
        await http.get("/lists", headers={"Apikey": "anything"})
    await app.state.sandbox.drain()          # wait for webhook deliveries

It follows E-goi's OpenAPI file: same paths, bodies, status codes and error bodies, and the
`X-RateLimit-*`/`X-Account-*` headers. Where the spec is silent, the choices are documented in the
module that makes them (`segments.py` for segment ids, `delivery.py` for the webhook payload, `queue.py`
for when sends run, `report.py` for what a report counts, `engagement.py` for what recipients do).
`egoi-mcp sandbox --port N` serves it alone over HTTP (`serve`).
"""

from __future__ import annotations

from egoi_mcp.sandbox.app import create_app
from egoi_mcp.sandbox.state import Sandbox

__all__ = ["Sandbox", "create_app", "serve"]


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve a seeded sandbox over HTTP with uvicorn until interrupted (any non-empty Apikey works)."""
    import uvicorn

    uvicorn.run(create_app(), host=host, port=port, log_level="info")

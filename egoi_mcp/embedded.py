"""The sandbox embedded in a `--sandbox` server: the E-goi client's transport, made when first needed.

Importing, building and seeding the fake account is most of what `--sandbox` adds to start-up, and nothing
needs it before the first E-goi request: the server answers `initialize` without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from egoi_mcp.sandbox import Sandbox

__all__ = ["EmbeddedSandbox"]


class EmbeddedSandbox(httpx.AsyncBaseTransport):
    """An ASGI transport to a seeded sandbox accepting only `api_key`, its webhooks posted with `deliver` (by
    default, a client of the sandbox's own). Closing it (the E-goi client closes its transport) closes the sandbox."""

    def __init__(self, api_key: str, deliver: httpx.AsyncClient | None = None) -> None:
        self._api_key = api_key
        self._deliver = deliver
        self._asgi: httpx.ASGITransport | None = None
        self._sandbox: Sandbox | None = None

    @property
    def sandbox(self) -> Sandbox:
        """The fake account (made now if no request has made it yet)."""
        self._open()
        assert self._sandbox is not None
        return self._sandbox

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._open().handle_async_request(request)

    async def aclose(self) -> None:
        if self._sandbox is not None:
            await self._sandbox.aclose()

    def _open(self) -> httpx.ASGITransport:
        if self._asgi is None:
            from egoi_mcp.sandbox import create_app

            app = create_app(deliver=self._deliver, api_key=self._api_key)
            self._sandbox = app.state.sandbox
            self._asgi = httpx.ASGITransport(app=app)
        return self._asgi

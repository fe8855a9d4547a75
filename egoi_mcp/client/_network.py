"""The transport to the real E-goi API, made on the first request.

httpx's transport reads and parses the CA bundle into a TLS context when it is made (20-40 ms), and an E-goi client
is made at start-up, where nothing needs it before the first E-goi request: a server answers `initialize`
without it.
"""

from __future__ import annotations

from urllib.request import getproxies

import httpx

__all__ = ["NetworkTransport", "network_transport"]


def network_transport() -> NetworkTransport | None:
    """The lazy transport; None when the environment names a proxy (HTTPS_PROXY...): httpx mounts those only on a
    client given no transport, so the client then makes its own, with them."""
    return None if getproxies() else NetworkTransport()


class NetworkTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncHTTPTransport()` (as `httpx.AsyncClient()` makes it: TLS verified, HTTP/1.1, httpx's limits),
    made when the first request is sent."""

    def __init__(self) -> None:
        self._inner: httpx.AsyncHTTPTransport | None = None

    @property
    def opened(self) -> bool:
        """Whether a request has made the real transport yet."""
        return self._inner is not None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            self._inner = httpx.AsyncHTTPTransport()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()

"""The transport to the real E-goi API is made on the first request (`client._network`): a client made at start-up
reads no CA bundle, and the first request, over a real socket to E-goi's spec served by Prism, makes it and works.
With a proxy named in the environment, httpx's own transport (which mounts the proxy) is kept."""

from __future__ import annotations

import pytest

from egoi_mcp.client import EGoiClient
from egoi_mcp.client._network import NetworkTransport

pytestmark = pytest.mark.anyio


def _wire(client: EGoiClient) -> object:
    return client._core.transport.http._transport


async def test_the_network_transport_is_made_by_the_first_request(
    prism_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with EGoiClient("test-key", base_url=prism_url, max_retries=0) as client:
        transport = _wire(client)
        assert isinstance(transport, NetworkTransport) and not transport.opened, "nothing made at start-up"
        lists = await client.lists.list(limit=1)
        assert transport.opened and lists.items is not None


async def test_a_proxy_in_the_environment_keeps_httpx_own_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    async with EGoiClient("test-key", max_retries=0) as client:
        http = client._core.transport.http
        assert not isinstance(_wire(client), NetworkTransport)
        assert any(mount is not None for mount in http._mounts.values()), "httpx mounted the proxy"

"""What a test client hears of `resources/updated`, in either protocol era: one collector for every test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp.types as types
from mcp import Client
from mcp.shared.subscriptions import ResourceUpdated

WAIT = 30  # seconds before a test that hears nothing fails, rather than hangs


class Heard:
    """The `resources/updated` URIs one client heard: as a 2025-era message handler, or fed by a 2026-era listen
    stream (`subscribed`)."""

    def __init__(self) -> None:
        self.uris: list[str] = []
        self._changed = anyio.Event()

    async def __call__(self, message: object) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            self.add(message.params.uri)

    def add(self, uri: str) -> None:
        self.uris.append(uri)
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_for(self, uri: str, count: int = 1) -> None:
        """Until `uri` was heard `count` times (fails after WAIT seconds)."""
        with anyio.fail_after(WAIT):
            while self.uris.count(uri) < count:
                await self._changed.wait()


@asynccontextmanager
async def subscribed(client: Client, heard: Heard, mode: str, uris: list[str]) -> AsyncIterator[None]:
    """`client` subscribed to `uris` the way its era does it, what it hears collected in `heard`."""
    if mode == "legacy":
        for uri in uris:
            await client.subscribe_resource(uri)
        yield
        return

    async def collect(listener: Any) -> None:
        async for event in listener:
            if isinstance(event, ResourceUpdated):
                heard.add(event.uri)

    async with client.listen(resource_subscriptions=uris) as listener, anyio.create_task_group() as tasks:
        tasks.start_soon(collect, listener)
        yield
        tasks.cancel_scope.cancel()


def handler(heard: Heard, mode: str) -> Heard | None:
    """The message handler hearing 2025-era updates (a 2026-era client's come from its listen stream)."""
    return heard if mode == "legacy" else None

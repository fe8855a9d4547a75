"""The subscription bus across replicas: PostgreSQL LISTEN/NOTIFY under the SDK's `SubscriptionBus` seam.

`publish` delivers to this replica's listeners at once (like the SDK's in-memory bus) and queues the resource
URI; a sender coalesces what a short window collects into one NOTIFY (payload: the URIs, and which replica
sent them). A dedicated listener connection hears the other replicas' NOTIFYs and delivers their URIs to this
replica's listeners (2026-era listen streams) and to `on_remote` (the notifier's 2025-era sessions). It
reconnects when its connection drops; after such a gap, notifications may have been missed, so it tells
subscribers to re-read the lists (`reread`).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

import anyio
import anyio.lowlevel
import psycopg
from mcp.server.subscriptions import ResourceUpdated, ServerEvent

__all__ = ["CHANNEL", "PostgresBus"]

logger = logging.getLogger("egoi_mcp.store")

CHANNEL: Final = "egoi_mcp_events"
WINDOW: Final = 0.02  # seconds a NOTIFY waits for more URIs to go with it
_MAX_PAYLOAD: Final = 7000  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more
_RETRY: Final = (0.2, 0.5, 1.0, 2.0, 5.0)


class PostgresBus:
    """A `SubscriptionBus` whose events reach every replica listening on the same database."""

    def __init__(self, url: str, *, window: float = WINDOW) -> None:
        self.connected = False
        """Whether the listener connection is up (`/healthz` reports it)."""
        self.origin = secrets.token_hex(8)
        self._url = url
        self._window = window
        self._listeners: dict[object, Callable[[ServerEvent], None]] = {}
        self._queued: list[str] = []
        self._wake = anyio.Event()
        self._running = False  # URIs are queued for the other replicas only while `run` sends them

    # --- the SubscriptionBus protocol ----------------------------------------------------------------------

    async def publish(self, event: ServerEvent) -> None:
        """Deliver `event` to this replica's listeners, and queue it for the others (resource updates only)."""
        self._deliver(event)
        if isinstance(event, ResourceUpdated) and self._running:
            self._queued.append(event.uri)
            self._wake.set()
        await anyio.lowlevel.checkpoint()

    def subscribe(self, listener: Callable[[ServerEvent], None]) -> Callable[[], None]:
        token = object()
        self._listeners[token] = listener

        def unsubscribe() -> None:
            self._listeners.pop(token, None)

        return unsubscribe

    # --- running -------------------------------------------------------------------------------------------

    async def run(self, *, on_remote: Callable[[list[str]], Awaitable[None]], reread: Sequence[str]) -> None:
        """Send the queued URIs and listen for the other replicas' until cancelled (the server's lifetime)."""
        self._running = True
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._send_forever)
                await self._listen_forever(on_remote, list(reread))
        finally:
            self._running = False
            self._queued.clear()

    async def _send_forever(self) -> None:
        conn: psycopg.AsyncConnection[Any] | None = None
        try:
            while True:
                await self._wake.wait()
                await anyio.sleep(self._window)  # let the burst gather
                self._wake = anyio.Event()
                uris, self._queued = list(dict.fromkeys(self._queued)), []
                try:
                    if conn is None or conn.closed:
                        conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
                    for payload in _payloads(self.origin, uris):
                        await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                except psycopg.Error as exc:  # the others re-read after their own gap; ours is logged
                    logger.warning("could not tell the other replicas of %d updates: %s", len(uris), exc)
                    conn = None
        finally:
            if conn is not None:
                await conn.close()

    async def _listen_forever(self, on_remote: Callable[[list[str]], Awaitable[None]], reread: list[str]) -> None:
        attempt = 0
        first = True
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
            except psycopg.Error as exc:
                await self._pause(attempt, exc)
                attempt += 1
                continue
            try:
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.connected, attempt = True, 0
                    if not first:  # what was sent while we were away is lost: have subscribers re-read
                        await self._dispatch(reread, on_remote)
                    first = False
                    async for note in conn.notifies():
                        uris = _uris(note.payload, self.origin)
                        if uris:
                            await self._dispatch(uris, on_remote)
            except psycopg.Error as exc:
                self.connected = False
                await self._pause(attempt, exc)
                attempt += 1
            finally:
                self.connected = False

    async def _dispatch(self, uris: list[str], on_remote: Callable[[list[str]], Awaitable[None]]) -> None:
        for uri in uris:
            self._deliver(ResourceUpdated(uri=uri))
        try:
            await on_remote(uris)
        except Exception:
            logger.exception("notifying this replica's sessions of other replicas' events failed")

    def _deliver(self, event: ServerEvent) -> None:
        for listener in list(self._listeners.values()):
            try:
                listener(event)
            except Exception:  # one bad listener must not starve the others
                logger.exception("subscription listener raised; continuing")

    async def _pause(self, attempt: int, exc: BaseException) -> None:
        delay = _RETRY[min(attempt, len(_RETRY) - 1)]
        logger.warning("the notification listener lost PostgreSQL (%s); reconnecting in %s s", exc, delay)
        await anyio.sleep(delay)


def _payloads(origin: str, uris: list[str]) -> list[str]:
    """The URIs as NOTIFY payloads, each under PostgreSQL's size limit."""
    payloads: list[str] = []
    chunk: list[str] = []
    for uri in uris:
        if chunk and len(json.dumps({"o": origin, "u": [*chunk, uri]})) > _MAX_PAYLOAD:
            payloads.append(json.dumps({"o": origin, "u": chunk}))
            chunk = []
        chunk.append(uri)
    if chunk:
        payloads.append(json.dumps({"o": origin, "u": chunk}))
    return payloads


def _uris(payload: str, origin: str) -> list[str]:
    """The URIs of another replica's NOTIFY; none for our own or for a payload that is not ours."""
    try:
        data = json.loads(payload)
    except ValueError:
        return []
    if not isinstance(data, dict) or data.get("o") == origin or not isinstance(data.get("u"), list):
        return []
    return [uri for uri in data["u"] if isinstance(uri, str)]

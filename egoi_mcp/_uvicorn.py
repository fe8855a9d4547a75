"""uvicorn's HTTP/1.1 protocol with deadlines, and a connection cap that sheds the stalest connection first.

uvicorn times out idle keep-alive connections only after a response, never a request head or body in progress,
and at its connection cap (`limit_concurrency`) it answers 503 to everyone new while slow clients keep their
places. Here every connection is in one of three phases:

- waiting for a request head: it must arrive within `head_timeout` seconds (of connecting, or of the previous
  response);
- receiving a body: it must arrive within `body_timeout` seconds in all, and after `body_grace` seconds at
  `body_min_rate` bytes a second at least (one byte every few seconds is a slow-loris, not a slow network);
- being answered: the application's time (a tool call, an SSE stream), no deadline.

A connection past its deadline is closed. At the cap, a new connection closes the connection that has been
waiting longest on its client (idle or slow, never one being answered); only when every connection is being
answered is the new one refused with 503.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["BODY_TIMEOUT", "HEAD_TIMEOUT", "DeadlineProtocol"]

HEAD_TIMEOUT = 10.0
BODY_TIMEOUT = 30.0


class _Phase(enum.Enum):
    HEAD = "waiting for a request head"
    BODY = "receiving a request body"
    ANSWER = "being answered"


class DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with head and body deadlines; uvicorn's `limit_concurrency` is the shedding cap."""

    head_timeout: ClassVar[float] = HEAD_TIMEOUT
    body_timeout: ClassVar[float] = BODY_TIMEOUT
    body_grace: ClassVar[float] = 5.0
    body_min_rate: ClassVar[float] = 1024.0  # bytes a second, after the grace period

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_connections: int | None = self.limit_concurrency
        self._timer: asyncio.TimerHandle | None = None
        self._phase = _Phase.HEAD
        self._since = self.last_heard = self.loop.time()
        self._received = 0  # body bytes since the body phase began

    # --- uvicorn's hooks -----------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._enter(_Phase.HEAD)

    def data_received(self, data: bytes) -> None:
        self.last_heard = self.loop.time()
        if self._phase is _Phase.HEAD:
            self._admit()
        elif self._phase is _Phase.BODY:
            self._received += len(data)
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # --- phases and deadlines ------------------------------------------------------------------------------

    def _follow(self) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            phase = _Phase.HEAD
        elif cycle.more_body:
            phase = _Phase.BODY
        else:
            phase = _Phase.ANSWER
        if phase is not self._phase:
            self._enter(phase)

    def _enter(self, phase: _Phase) -> None:
        self._phase = phase
        self._since = self.loop.time()
        self._received = 0
        self._disarm()
        if phase is _Phase.ANSWER or self.transport.is_closing():
            return
        self._timer = self.loop.call_at(self._deadline(), self._on_timer)

    def _deadline(self) -> float:
        if self._phase is _Phase.HEAD:
            return self._since + self.head_timeout
        return self._since + min(self.body_timeout, self.body_grace + self._received / self.body_min_rate)

    def _on_timer(self) -> None:
        self._timer = None
        if self._phase is _Phase.ANSWER or self.transport.is_closing():
            return
        now = self.loop.time()
        deadline = self._deadline()
        if self._phase is _Phase.BODY and self.flow.read_paused:
            deadline = now + self.body_grace  # the application is slow to read: not the client's fault
        if now < deadline:
            self._timer = self.loop.call_at(deadline, self._on_timer)
        else:
            self.shed()

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # --- the connection cap --------------------------------------------------------------------------------

    @property
    def waiting_on_client(self) -> bool:
        """Idle or slow: waiting for a request head or body, not being answered."""
        return self._phase is not _Phase.ANSWER and not self.transport.is_closing()

    def shed(self) -> None:
        """Close this connection now (a deadline passed, or a new connection needs its place)."""
        self._disarm()
        self.connections.discard(self)  # its place is free at once, not when the loop reports the close
        self.transport.close()

    def _admit(self) -> None:
        """As a request head arrives: over the cap, shed the connections waiting longest on their clients. With
        none left to shed, uvicorn's own check answers this request 503 (a cap of 0 refuses; None serves)."""
        cap = self.max_connections
        if cap is not None and len(self.connections) > cap:
            stale = [c for c in self.connections if isinstance(c, DeadlineProtocol) and c is not self]
            stale = sorted((c for c in stale if c.waiting_on_client), key=lambda c: c.last_heard)
            for connection in stale[: len(self.connections) - cap]:
                connection.shed()
        self.limit_concurrency = None if cap is None or len(self.connections) <= cap else 0

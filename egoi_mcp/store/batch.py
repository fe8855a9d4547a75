"""Group commit, for both engines: deliveries that arrive together are committed together."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio
import anyio.lowlevel

if TYPE_CHECKING:
    from egoi_mcp.models import Event
    from egoi_mcp.webhooks.parser import ParsedDelivery

__all__ = ["Lane", "Lanes", "Pending", "group_commit"]


@dataclass(eq=False)
class Pending:
    """One delivery on its way into the store, and how that went (`done` once a flush has taken it)."""

    raw: bytes
    parsed: ParsedDelivery
    account: str = ""  # whose receiver took it
    done: bool = False
    duplicate: bool = False
    event: Event | None = None
    error: BaseException | None = None


@dataclass(eq=False)
class Lane:
    """One event loop's way into the store: its single worker, the deliveries waiting, the flush under way.

    Per loop because anyio's limiters and events belong to the loop that made them.
    """

    limiter: anyio.CapacityLimiter
    waiting: deque[Pending] = field(default_factory=deque)
    flushing: anyio.Event | None = None
    """Set when the flush now running ends; None while none runs."""


class Lanes:
    """The lane of the running event loop, made on first use."""

    def __init__(self) -> None:
        self._lanes: dict[object, Lane] = {}

    def current(self) -> Lane:
        loop = anyio.lowlevel.current_token()
        lane = self._lanes.get(loop)
        if lane is None:
            lane = self._lanes[loop] = Lane(anyio.CapacityLimiter(1))
        return lane


async def group_commit(
    lane: Lane,
    raw: bytes,
    parsed: ParsedDelivery,
    flush: Callable[[deque[Pending]], Awaitable[None]],
    *,
    account: str = "",
) -> tuple[Event, bool]:
    """Store one delivery through `flush`, committed before this returns. `(event, True)` when it was a repeat.

    One flush at a time stores every delivery waiting, in one transaction (one disk sync). A delivery that
    arrives while a flush runs waits for that flush to end; then the first delivery still waiting starts the
    next flush, for itself and every other one by then. So a burst of N deliveries costs a couple of round
    trips, not N (each of which would find nothing left to write).

    Cancelled while waiting, a delivery may still be stored by a flush already under way; it was never
    acknowledged, so E-goi retries it and the dedupe absorbs the repeat.
    """
    pending = Pending(raw, parsed, account)
    lane.waiting.append(pending)
    while not pending.done:
        if lane.flushing is not None:
            await lane.flushing.wait()
            continue
        flushing = lane.flushing = anyio.Event()
        try:
            await flush(lane.waiting)
        finally:
            lane.flushing = None
            flushing.set()
    if pending.error is not None:
        raise pending.error
    if pending.event is None:  # the flush was cut short (a BaseException in the worker) before it could say
        raise RuntimeError("the delivery was not stored")
    return pending.event, pending.duplicate


def take_batch(waiting: deque[Pending]) -> list[Pending]:
    """Everything waiting now (the loop may append meanwhile: deque appends and pops are atomic)."""
    batch: list[Pending] = []
    while waiting:
        batch.append(waiting.popleft())
    return batch

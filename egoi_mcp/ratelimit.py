"""The one rate limiter shared by every request of a process.

It starts from an hourly budget (`EGOI_RATE_LIMIT_PER_HOUR`), refills it evenly, adopts what E-goi's
`X-RateLimit-*` and `X-Account-*` headers say as they arrive, and caps how many requests are in flight.
It never waits longer than `max_wait` seconds: past that it raises `RateLimitError` saying when the
budget resets, so a tool answers instead of hanging.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import anyio

from egoi_mcp.errors import RateLimitError


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


class RateLimiter:
    """A token bucket with an upstream-driven pause, plus a concurrency cap."""

    def __init__(
        self,
        per_hour: int = 150,
        *,
        max_concurrency: int = 4,
        max_wait: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_hour < 1:
            raise ValueError("per_hour must be at least 1")
        self.per_hour = per_hour
        self.max_wait = max_wait
        self._clock = clock
        self._tokens = float(per_hour)
        self._updated = clock()
        self._blocked_until = 0.0
        self._slots = anyio.Semaphore(max_concurrency)
        self._lock = anyio.Lock()

    @property
    def remaining(self) -> int:
        """Requests we believe we may still make right now."""
        self._refill()
        return int(self._tokens)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(float(self.per_hour), self._tokens + (now - self._updated) * self.per_hour / 3600)
        self._updated = now

    def _wait_time(self) -> float:
        self._refill()
        now = self._clock()
        wait = max(0.0, self._blocked_until - now)
        if self._tokens < 1:
            wait = max(wait, (1 - self._tokens) * 3600 / self.per_hour)
        return wait

    def _error(self, wait: float) -> RateLimitError:
        reset = datetime.fromtimestamp(time.time() + wait, UTC)
        minutes = math.ceil(wait / 60)
        return RateLimitError(
            f"the E-goi request budget is spent; it resets at {reset:%H:%M:%S} UTC (in about {minutes} min). "
            "Try again then, or raise EGOI_RATE_LIMIT_PER_HOUR if your E-goi plan allows more",
            reset_at=reset,
        )

    async def wait(self, seconds: float) -> None:
        """Sleep before a retry, refusing to sleep past `max_wait`."""
        if seconds > self.max_wait:
            raise self._error(seconds)
        await anyio.sleep(seconds)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one request's place: a concurrency slot and one token of budget."""
        async with self._slots:
            async with self._lock:
                wait = self._wait_time()
                if wait > self.max_wait:
                    raise self._error(wait)
                if wait > 0:
                    await anyio.sleep(wait)
                    self._refill()
                self._tokens -= 1
            yield

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adopt E-goi's view of the budget from a response's headers (names are case-insensitive)."""
        now = self._clock()
        lowest: int | None = None
        for prefix in ("x-ratelimit", "x-account"):
            remaining = _int_header(headers, f"{prefix}-remaining")
            reset = _int_header(headers, f"{prefix}-reset")
            limit = _int_header(headers, f"{prefix}-limit")
            if prefix == "x-account" and limit and limit > 0:
                self.per_hour = limit
            if remaining is None:
                continue
            lowest = remaining if lowest is None else min(lowest, remaining)
            if remaining <= 0 and reset is not None:
                self._blocked_until = max(self._blocked_until, now + max(reset, 1))
        if lowest is not None:
            # E-goi's count is the truth, up or down: a window that reset gives the budget back.
            self._refill()
            self._tokens = min(float(self.per_hour), float(max(lowest, 0)))

    def block_for(self, seconds: float) -> None:
        """Pause everyone: E-goi said 429 without telling us more precisely."""
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)

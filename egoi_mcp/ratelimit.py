"""The one rate limiter: one hourly budget per E-goi account, whatever the number of processes spending it.

It starts from an hourly budget (`EGOI_RATE_LIMIT_PER_HOUR`), refills it evenly, adopts what E-goi's
`X-RateLimit-*` and `X-Account-*` headers say as they arrive, pauses everyone after a 429, and caps how many
requests this process has in flight. The budget's state lives in the store when there is one (every process
and replica sharing it spends from one budget, changed atomically), keyed by a hash of the API key, never the
key; without a store (plain library use) it lives in memory. It never waits longer than `max_wait` seconds:
past that it raises `RateLimitError` saying when the budget resets, so a tool answers instead of hanging.

A process does not pay a store transaction per request: it leases a small block of the budget (at most 1% of
the hourly budget, `LEASE_MAX` tokens, so a budget under 200 an hour is still taken one request at a time),
spends it locally, and gives back what it has not spent within `LEASE_TTL` seconds at its next visit to the
store. Leased tokens are gone from the shared budget while leased, so processes together never exceed it. The
lease grows while a process keeps spending it and falls back to one token when it sits unused. E-goi's headers
are adopted when they disagree with this process's view by more than a lease (or report a limit or a stop).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import anyio

from egoi_mcp.errors import RateLimitError
from egoi_mcp.store.base import SharedState, StateChange

__all__ = [
    "LEASE_MAX",
    "LEASE_TTL",
    "RAISE_BUDGET",
    "SANDBOX_BUDGET",
    "Budget",
    "MemoryState",
    "RateLimiter",
    "budget_key",
]

T = TypeVar("T")

LEASE_MAX: Final = 16  # tokens a process takes from the shared budget at once, at most
LEASE_TTL: Final = 2.0  # seconds a lease's unspent tokens are kept before they go back
RAISE_BUDGET: Final = "raise EGOI_RATE_LIMIT_PER_HOUR if your E-goi plan allows more"
SANDBOX_BUDGET: Final = (
    "restart egoi-mcp --sandbox to reset the sandbox's budget (its limit is 5,000 calls an hour; "
    "EGOI_RATE_LIMIT_PER_HOUR does not change it)"
)


@dataclass
class Budget:
    """A token bucket that follows E-goi's clock. Times are seconds of the limiter's clock (wall time).

    `blocked_until`: nobody sends before then (a 429, or E-goi saying none are left). `resets_at`: when E-goi
    said its window resets, giving the budget back whole; waiting for a token never lasts longer than that.
    """

    per_hour: float
    tokens: float
    updated: float
    blocked_until: float = 0.0
    resets_at: float = 0.0

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)  # another process's clock may be a little behind ours
        self.tokens = min(self.per_hour, self.tokens + elapsed * self.per_hour / 3600)
        if self.resets_at and now >= self.resets_at:
            self.tokens, self.resets_at = self.per_hour, 0.0
        self.updated = max(self.updated, now)

    def wait_time(self, now: float) -> float:
        """How long until one request may go (0 for now)."""
        self.refill(now)
        wait = max(0.0, self.blocked_until - now)
        if self.tokens < 1:
            refill = (1 - self.tokens) * 3600 / self.per_hour
            if self.resets_at > now:
                refill = min(refill, self.resets_at - now)
            wait = max(wait, refill)
        return wait

    def egoi_clock(self, now: float) -> bool:
        """Whether E-goi's word (a 429, its reported window), not our own hourly budget, is what is waited on."""
        return self.blocked_until > now or self.resets_at > now


def budget_key(api_key: str | None) -> str:
    """The store key of an account's budget: a hash of its API key (the key itself is never stored)."""
    digest = hashlib.sha256((api_key or "").encode()).hexdigest()[:32]
    return f"ratelimit:{digest}"


class MemoryState:
    """`SharedState` in this process's memory: the limiter's state when there is no store to share it."""

    def __init__(self) -> None:
        self._values: dict[str, dict[str, Any]] = {}

    async def update_state(self, key: str, change: StateChange[T]) -> T:
        value, result = change(self._values.get(key))  # no await in between: atomic on the event loop
        self._values[key] = value
        return result


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


class RateLimiter:
    """The budget (shared through `state`) and the in-process concurrency cap."""

    def __init__(
        self,
        per_hour: int = 150,
        *,
        max_concurrency: int = 4,
        max_wait: float = 30.0,
        clock: Callable[[], float] = time.time,
        state: SharedState | None = None,
        api_key: str | None = None,
        advice: str = RAISE_BUDGET,
    ) -> None:
        """`advice` ends the spent-budget error: what the reader can do besides waiting."""
        if per_hour < 1:
            raise ValueError("per_hour must be at least 1")
        self._per_hour = per_hour  # the budget to start from when the store has none yet
        self.max_wait = max_wait
        self.advice = advice
        self._clock = clock
        self._state: SharedState = state if state is not None else MemoryState()
        self._key = budget_key(api_key)
        self._seen = Budget(float(per_hour), float(per_hour), clock())  # the last state this process saw
        self._lease = _Lease()
        # fast_acquire: a free slot or lock is taken without yielding to the event loop (two loop turns a request)
        self._slots = anyio.Semaphore(max_concurrency, fast_acquire=True)
        self._lock = anyio.Lock(fast_acquire=True)

    @property
    def per_hour(self) -> int:
        """The hourly budget: as configured, or E-goi's account limit once a response has said it."""
        return int(self._seen.per_hour)

    @property
    def remaining(self) -> int:
        """Requests we believe we may still make right now (as of this process's last look at the budget)."""
        self._seen.refill(self._clock())
        return int(min(self._seen.per_hour, self._seen.tokens + self._lease.tokens))

    async def wait(self, seconds: float) -> None:
        """Sleep before a retry, refusing to sleep past `max_wait`."""
        if seconds > self.max_wait:
            raise self._error(seconds, egoi_clock=True)
        await anyio.sleep(seconds)

    @asynccontextmanager
    async def slot(self, *, max_wait: float | None = None) -> AsyncIterator[None]:
        """Hold one request's place: a concurrency slot and one token of the shared budget, waiting for it at most
        `max_wait` seconds (default: the limiter's)."""
        limit = self.max_wait if max_wait is None else max_wait
        async with self._slots:
            async with self._lock:  # this process's requests queue here, not all at the shared store
                if not self._lease.spend(self._clock(), self._seen):
                    await self._take_shared(limit)
            yield

    async def _take_shared(self, limit: float) -> None:
        """One token from the shared budget (and a lease, when there is room), waiting at most `limit` seconds."""
        wait = await self._change(self._take)
        if wait > limit:
            raise self._error(wait, egoi_clock=self._seen.egoi_clock(self._clock()))
        if wait > 0:  # then the token is ours: a process that waited its turn is not sent back to the end
            await anyio.sleep(wait)
            await self._change(self._take_anyway)

    async def observe(self, headers: Mapping[str, str]) -> None:
        """Adopt E-goi's view of the budget from a response's headers (names are case-insensitive): the tighter
        of its two budgets (the rate window, the account's hour), and when that one resets."""
        reported: list[tuple[int, int | None]] = []  # (remaining, reset) of each budget E-goi reported
        limit: int | None = None
        headers = dict(headers.items())  # httpx's `Headers.get` walks every header: one walk, then six lookups
        for prefix in ("x-ratelimit", "x-account"):
            remaining = _int_header(headers, f"{prefix}-remaining")
            account_limit = _int_header(headers, f"{prefix}-limit")
            if prefix == "x-account" and account_limit and account_limit > 0:
                limit = account_limit
            if remaining is not None:
                reported.append((remaining, _int_header(headers, f"{prefix}-reset")))
        if not reported and limit is None:
            return
        if self._agrees(limit, reported):
            return  # no store transaction for what this process already believes
        # the tighter budget governs; of two spent ones, the one that resets later
        lowest, reset = min(reported, key=lambda pair: (pair[0], -(pair[1] or 0))) if reported else (None, None)
        reset_in = float(max(reset, 1)) if reset is not None and reset >= 0 else None

        def adopt(budget: Budget, now: float) -> None:
            if limit is not None:
                budget.per_hour = float(limit)
            if lowest is not None:  # E-goi's count is the truth, up or down: a window that reset gives it back
                # what this process holds leased is in E-goi's count too, and is spent from the lease
                budget.tokens = min(budget.per_hour, float(max(lowest, 0))) - self._lease.tokens
                budget.resets_at = now + reset_in if reset_in is not None else 0.0
                if lowest <= 0 and reset_in is not None:
                    budget.blocked_until = max(budget.blocked_until, now + reset_in)

        await self._change(adopt)

    async def block_for(self, seconds: float) -> None:
        """Pause every process spending this budget: E-goi said 429 without telling us more precisely."""

        def block(budget: Budget, now: float) -> None:
            budget.blocked_until = max(budget.blocked_until, now + seconds)

        await self._change(block)

    # --- plumbing ------------------------------------------------------------------------------------------

    def _agrees(self, limit: int | None, reported: list[tuple[int, int | None]]) -> bool:
        """Whether E-goi's headers leave this process's view as it is: no new limit, nothing spent, and a count
        within a lease of ours. Only a budget large enough to lease is spared the transaction."""
        if self._lease.most(self._seen.per_hour) <= 1 or (limit is not None and limit != self._seen.per_hour):
            return False
        now = self._clock()
        self._seen.refill(now)
        believed = self._seen.tokens + self._lease.tokens
        room = self._lease.most(self._seen.per_hour)
        return self._seen.blocked_until <= now and all(
            remaining > 0 and abs(remaining - believed) <= room for remaining, _ in reported
        )

    def _take(self, budget: Budget, now: float) -> float:
        """Give back what the lease did not spend, then take one token now and lease more if there is room."""
        budget.tokens = min(budget.per_hour, budget.tokens + self._lease.give_back())
        wait = budget.wait_time(now)
        if wait <= 0:
            budget.tokens -= 1
            leased = min(self._lease.next_size(budget.per_hour), max(0, math.floor(budget.tokens)))
            budget.tokens -= leased
            self._lease.hold(leased, now)
        return wait

    @staticmethod
    def _take_anyway(budget: Budget, now: float) -> None:
        budget.tokens -= 1

    async def _change(self, step: Callable[[Budget, float], T]) -> T:
        """Apply `step` to the shared budget atomically; remember the result as this process's view."""
        now = self._clock()
        per_hour = float(self._per_hour)

        def change(value: dict[str, Any] | None) -> tuple[dict[str, Any], tuple[Budget, T]]:
            budget = Budget(**value) if value else Budget(per_hour, per_hour, now)
            budget.refill(now)
            result = step(budget, now)
            return dict(vars(budget)), (budget, result)  # its fields are plain floats: asdict's deep copy is waste

        self._seen, result = await self._state.update_state(self._key, change)
        return result

    def _error(self, wait: float, *, egoi_clock: bool) -> RateLimitError:
        """The spent budget, saying when it comes back and why: E-goi's own limit (nothing to raise here), or
        this server's hourly budget (`advice` says what to change)."""
        reset = datetime.fromtimestamp(time.time() + wait, UTC)
        when = f"{reset:%H:%M:%S} UTC (in {_duration(wait)})"
        if egoi_clock:
            also = "" if self.advice == RAISE_BUDGET else f", or {self.advice}"  # raising ours would not help
            return RateLimitError(
                f"E-goi's request limit for this account is reached; it resets at {when}. Try again then{also}",
                reset_at=reset,
            )
        return RateLimitError(
            f"the E-goi request budget ({self.per_hour} an hour) is spent; the next request may go when it resets "
            f"at {when}. Try again then, or {self.advice}",
            reset_at=reset,
        )


class _Lease:
    """The tokens this process took from the shared budget and has not spent yet."""

    def __init__(self) -> None:
        self.tokens = 0
        self.until = 0.0
        self.size = 1  # the next lease's size: doubles while leases are spent in time, back to 1 when one is not

    @staticmethod
    def most(per_hour: float) -> int:
        return max(1, min(LEASE_MAX, int(per_hour) // 100))

    def spend(self, now: float, seen: Budget) -> bool:
        """Take one leased token for a request, when one is held, fresh, and nobody is told to stop."""
        if self.tokens < 1 or now >= self.until or seen.blocked_until > now:
            return False
        self.tokens -= 1
        return True

    def give_back(self) -> int:
        """What goes back to the shared budget: the unspent tokens (then the next lease is one token)."""
        unspent, self.tokens = self.tokens, 0
        self.size = 1 if unspent else self.size * 2
        return unspent

    def next_size(self, per_hour: float) -> int:
        """How many tokens to lease beyond the one spent now."""
        return min(self.size, self.most(per_hour)) - 1

    def hold(self, tokens: int, now: float) -> None:
        self.tokens, self.until = tokens, now + LEASE_TTL


def _duration(seconds: float) -> str:
    return f"{math.ceil(seconds)} s" if seconds < 120 else f"about {math.ceil(seconds / 60)} min"

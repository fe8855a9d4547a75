"""The hourly request budget behind the sandbox's rate-limit headers.

E-goi publishes two header families (`X-RateLimit-*` for the request window and `X-Account-*` for the
account's hourly limit) but no numbers. The sandbox has one hourly window and reports it in both.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

WINDOW_SECONDS = 3600


class HourlyBudget:
    """`limit` requests per window; the window starts with the first request and lasts an hour."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self.used = 0
        self._window_end: float | None = None

    def _roll(self) -> None:
        if self._window_end is not None and self.clock() >= self._window_end:
            self.used = 0
            self._window_end = None

    @property
    def remaining(self) -> int:
        self._roll()
        return max(self.limit - self.used, 0)

    @property
    def reset_in(self) -> int:
        """Whole seconds until the window resets (a full window when none has started)."""
        self._roll()
        if self._window_end is None:
            return WINDOW_SECONDS
        return max(math.ceil(self._window_end - self.clock()), 0)

    def consume(self) -> bool:
        """Spend one request; False when the budget is already spent."""
        if self.remaining == 0:
            return False
        if self._window_end is None:
            self._window_end = self.clock() + WINDOW_SECONDS
        self.used += 1
        return True

    def spent_detail(self) -> str:
        """What a 429 says: the sandbox's own budget, and what actually resets it."""
        minutes = max(math.ceil(self.reset_in / 60), 1)
        return (
            f"The sandbox allows {self.limit:,} calls an hour and they are spent. They come back in about "
            f"{minutes} min; restarting the sandbox (egoi-mcp --sandbox, or egoi-mcp sandbox) resets them now. "
            "EGOI_RATE_LIMIT_PER_HOUR does not change the sandbox's budget"
        )

    def headers(self) -> list[tuple[bytes, bytes]]:
        limit, remaining, reset = (str(v).encode() for v in (self.limit, self.remaining, self.reset_in))
        return [
            (b"x-ratelimit-limit", limit),
            (b"x-ratelimit-remaining", remaining),
            (b"x-ratelimit-reset", reset),
            (b"x-account-limit", limit),
            (b"x-account-remaining", remaining),
            (b"x-account-reset", reset),
        ]

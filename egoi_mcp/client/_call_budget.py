"""A bound on the E-goi requests one call may make: `with request_budget(n): ...` (the tool decorator puts each
tool call in one), so that no single call spends the account's hourly budget.

Inside the scope every E-goi request (retries included) is counted where the transport sends it; the request
past the bound raises `CallBudgetExceededError` (`CALL_BUDGET_EXCEEDED`) before it is sent. Listings that page
through a whole collection look at what remains first, stop early and say so (`Listing.complete`).
Outside any scope nothing is counted or bounded. The scope is a context variable: tasks started inside it share
its count; a nested scope counts on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

from egoi_mcp.errors import CallBudgetExceededError, InvalidArgumentError

T = TypeVar("T")

DEFAULT_CALL_BOUND = 10  # requests a call may make, and never more than a tenth of the hourly budget


def default_call_bound(per_hour: int) -> int:
    """The bound of a scope opened without one: `min(10, per_hour // 10)`, at least 1."""
    return max(1, min(DEFAULT_CALL_BOUND, per_hour // 10))


class RequestBudget:
    """One scope's count. `limit` is None until the first request when the scope was opened without one (the
    default then follows the hourly budget of the client that spends it)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0
        self.waited = 0.0  # seconds this call has waited for the rate budget: it may wait `max_wait` in all

    def remaining(self, per_hour: int) -> int:
        return max(0, self._bound(per_hour) - self.used)

    def spend(self, per_hour: int) -> None:
        bound = self._bound(per_hour)
        if self.used >= bound:
            raise CallBudgetExceededError(
                f"this call has made its {bound} E-goi requests (the bound for one call, at most a tenth of the "
                "hourly budget): narrow it (ids rather than names, a list_id or segment_id, a smaller limit, or the "
                "next_cursor of a page) and call again"
            )
        self.used += 1

    def _bound(self, per_hour: int) -> int:
        if self.limit is None:
            self.limit = default_call_bound(per_hour)
        return self.limit


_current: ContextVar[RequestBudget | None] = ContextVar("egoi_request_budget", default=None)


@contextmanager
def request_budget(limit: int | None = None) -> Iterator[RequestBudget]:
    """Bound the E-goi requests made inside the block to `limit` (default: `default_call_bound(per_hour)`)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidArgumentError(f"a request budget must be a positive integer, not {limit!r}")
    budget = RequestBudget(limit)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def spend_one(per_hour: int) -> None:
    """Count one E-goi request against the current scope (none: nothing to count); past the bound, refuse it."""
    budget = _current.get()
    if budget is not None:
        budget.spend(per_hour)


def wait_left(max_wait: float) -> float:
    """How long the current call may still wait for the rate budget: `max_wait` in all, not per request (a
    listing does not page at the refill rate); `max_wait` outside any scope."""
    budget = _current.get()
    return max_wait if budget is None else max(0.0, max_wait - budget.waited)


def waited(seconds: float) -> None:
    """Count time the current call waited for the rate budget."""
    budget = _current.get()
    if budget is not None:
        budget.waited += seconds


def requests_left(per_hour: int) -> int | None:
    """How many requests the current scope still allows; None outside any scope (no bound)."""
    budget = _current.get()
    return None if budget is None else budget.remaining(per_hour)


class Listing(list[T], Generic[T]):
    """The items of a whole collection, as a list; `complete` is False when the call's request bound stopped the
    paging before the end (then the items are those of the pages read)."""

    def __init__(self, items: Iterable[T] = (), *, complete: bool = True) -> None:
        super().__init__(items)
        self.complete = complete

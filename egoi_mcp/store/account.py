"""One account's view of the store: its events only, everything else the store's own.

A hosted server keeps every linked E-goi account's webhook events in one store, each row marked with its account.
Each signed-in user's runtime reads the store through this view, so that every read of events (a page, one event,
the recent lists) is their account's, whatever tool or resource reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from egoi_mcp.models import Event, Page
    from egoi_mcp.store.base import Store
    from egoi_mcp.webhooks.parser import ParsedDelivery

__all__ = ["account_store"]


def account_store(store: Store, account: str) -> Store:
    """`store` with its event reads and writes bound to `account` (the store itself for the one account, '')."""
    return store if not account else cast("Store", _AccountEvents(store, account))


class _AccountEvents:
    def __init__(self, store: Store, account: str) -> None:
        self._store = store
        self._account = account

    def __getattr__(self, name: str) -> Any:  # what is not about events: the store's own (state, secrets, audit)
        return getattr(self._store, name)

    async def add(self, raw: bytes, parsed: ParsedDelivery) -> tuple[Event, bool]:
        return await self._store.add(raw, parsed, account=self._account)

    async def get(self, event_id: str) -> Event | None:
        return await self._store.get(event_id, account=self._account)

    async def page(self, **filters: Any) -> Page[Event]:  # the store's own filters (`Store.page`), this account's
        return await self._store.page(**filters, account=self._account)

    async def recent(self, trigger: str | None = None, limit: int = 50) -> list[Event]:
        return await self._store.recent(trigger, limit, account=self._account)

    async def ids_since(self, last_id: int, limit: int = 0) -> list[int]:
        raise TypeError("every account's new ids are the notifier's to read, from the store itself")

    async def get_many(self, ids: object) -> list[Event]:
        raise TypeError("every account's events by id are the notifier's to read, from the store itself")

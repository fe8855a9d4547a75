"""Campaign names by hash, from one cached listing of the account's campaigns.

Activities, events and reports carry only a campaign's hash; people know campaigns by name. The listing is
read once, and again only when asked about a hash it does not know (a campaign created since).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

ListAll = Callable[[], Awaitable[dict[str, str]]]


class CampaignNames:
    def __init__(self, list_all: ListAll) -> None:
        self._list_all = list_all
        self._names: dict[str, str] | None = None
        self._missing: set[str] = set()  # not there even after a fresh listing: not worth another

    async def all(self, *, refresh: bool = False) -> dict[str, str]:
        if self._names is None or refresh:
            self._names = await self._list_all()
        return self._names

    async def lookup(self, hashes: list[str]) -> dict[str, str]:
        """Hash -> name for `hashes`: no call when all are known, one listing otherwise."""
        wanted = [h for h in hashes if h]
        if not wanted:
            return {}
        names = await self.all()
        if any(h not in names and h not in self._missing for h in wanted):
            names = await self.all(refresh=True)
            self._missing.update(h for h in wanted if h not in names)
        return {h: names[h] for h in wanted if h in names}

    def forget(self) -> None:
        self._names = None
        self._missing.clear()

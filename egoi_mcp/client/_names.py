"""Campaign names by hash, from one cached listing of the account's campaigns.

Activities, events and reports carry only a campaign's hash; people know campaigns by name. The listing is
read once, and again only when asked about a hash it does not know (a campaign created since). Every campaign
the client reads anyway (a campaign listing, one campaign) is learnt on the way, and `known` answers from what
is learnt without a call (a report names its campaign that way: E-goi's report carries only the hash).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

ListAll = Callable[[], Awaitable[dict[str, str]]]


class CampaignNames:
    def __init__(self, list_all: ListAll) -> None:
        self._list_all = list_all
        self._names: dict[str, str] | None = None  # the full listing, once read
        self._learnt: dict[str, str] = {}  # names seen in passing
        self._missing: set[str] = set()  # not there even after a fresh listing: not worth another

    async def all(self, *, refresh: bool = False) -> dict[str, str]:
        if self._names is None or refresh:
            self._names = await self._list_all()
            self._learnt.update(self._names)
        return self._names

    def learn(self, names: dict[str, str]) -> None:
        """Remember names read in passing (no call)."""
        self._learnt.update({h: n for h, n in names.items() if h})
        if self._names is not None:
            self._names.update(self._learnt)

    def known(self, hashes: list[str]) -> dict[str, str]:
        """Hash -> name for the `hashes` already known: never a call."""
        return {h: self._learnt[h] for h in hashes if h in self._learnt}

    async def lookup(self, hashes: list[str]) -> dict[str, str]:
        """Hash -> name for `hashes`: no call when all are known, one listing otherwise."""
        wanted = [h for h in hashes if h]
        if not wanted:
            return {}
        if all(h in self._learnt for h in wanted):
            return self.known(wanted)
        names = await self.all()
        if any(h not in names and h not in self._missing for h in wanted):
            names = await self.all(refresh=True)
            self._missing.update(h for h in wanted if h not in names)
        return {h: names[h] for h in wanted if h in names}

    def forget(self) -> None:
        self._names = None
        self._learnt.clear()
        self._missing.clear()

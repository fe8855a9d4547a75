"""Campaign names by hash, from one cached listing of the account's campaigns.

Activities, events and reports carry only a campaign's hash; people know campaigns by name. The listing is
read once, and again only when asked about a hash it does not know (a campaign created since). Every campaign
the client reads anyway (a campaign listing, one campaign) is learnt on the way, and `known` answers from what
is learnt without a call (a report names its campaign that way: E-goi's report carries only the hash).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from egoi_mcp.client._call_budget import Listing
from egoi_mcp.errors import CallBudgetExceededError

ListAll = Callable[[], Awaitable[Listing[tuple[str, str]]]]  # (hash, name) pairs


class CampaignNames:
    def __init__(self, list_all: ListAll) -> None:
        self._list_all = list_all
        self._names: dict[str, str] | None = None  # the full listing, once read
        self._learnt: dict[str, str] = {}  # names seen in passing
        self._missing: set[str] = set()  # not there even after a fresh listing: not worth another
        self._complete = True  # False when the call's request bound cut the listing short

    async def all(self, *, refresh: bool = False) -> dict[str, str]:
        if self._names is None or refresh:
            pairs = await self._list_all()
            self._names = dict(pairs)
            self._complete = pairs.complete
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
        """Hash -> name for `hashes`: no call when all are known, one listing otherwise. Names only decorate:
        when the call's request bound allows no listing, the hashes not known go unnamed."""
        wanted = [h for h in hashes if h]
        if not wanted:
            return {}
        if all(h in self._learnt for h in wanted):
            return self.known(wanted)
        try:
            warm = self._names is not None
            names = await self.all()
            if warm and any(h not in names and h not in self._missing for h in wanted):
                names = await self.all(refresh=True)
        except CallBudgetExceededError:
            return self.known(wanted)
        if self._complete:  # a listing cut short proves nothing missing
            self._missing.update(h for h in wanted if h not in names)
        return {h: names[h] for h in wanted if h in names}

    def forget(self) -> None:
        self._names = None
        self._learnt.clear()
        self._missing.clear()

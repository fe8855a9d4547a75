"""The tag cache: one listing of the account's tags, kept until a write makes it stale.

Tag arguments accept a name or an id. A name that exists wins over reading it as a number (a tag may be
named "2025"); an `int` is always an id, and a `TagName` is always a name (never read as an id: what a caller
passes when its strings are names, as the tools do). Names are matched case-insensitively. A listing the call's request
bound cut short is kept, but a name it does not hold is then an error, never "no such tag" (nor a new tag).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from egoi_mcp.client._call_budget import Listing
from egoi_mcp.errors import CallBudgetExceededError
from egoi_mcp.models import Tag, TagRef
from egoi_mcp.untrusted import quote

ListAll = Callable[[], Awaitable[Listing[Tag]]]


class TagName(str):
    """A tag argument that is a name, even when it looks like a number: `TagName("2026")` is the tag named
    "2026" (created when missing where tags are created), never tag id 2026."""

    __slots__ = ()


class TagCache:
    def __init__(self, list_all: ListAll) -> None:
        self._list_all = list_all
        self._by_name: dict[str, Tag] | None = None
        self._complete = True

    async def by_name(self, *, refresh: bool = False) -> dict[str, Tag]:
        if self._by_name is None or refresh:
            tags = await self._list_all()
            self._by_name = {tag.name.casefold(): tag for tag in tags}
            self._complete = tags.complete
        return self._by_name

    def add(self, tag: Tag) -> None:
        if self._by_name is not None:
            self._by_name[tag.name.casefold()] = tag

    def forget(self) -> None:
        self._by_name = None

    async def find(self, tag: str | int, *, refresh: bool = False) -> Tag | None:
        """The tag `tag` names: an int is an id; a `TagName` is a name; another string is a name, or an id when
        no tag has that name. A miss
        in a listing cut short by an earlier call's bound reads the listing again (this call may allow more)."""
        warm = self._by_name is not None
        known = _match(await self.by_name(refresh=refresh), tag)
        if known is None and not self._complete and warm and not refresh:
            known = _match(await self.by_name(refresh=True), tag)
        if known is None and not self._complete:
            raise CallBudgetExceededError(
                f"the account has more tags than one call may list, and {quote(str(tag).strip())} is not among those "
                "read: pass the tag's id instead (egoi_list_tags pages through them)"
            )
        return known

    async def names(self, tag_ids: list[int]) -> dict[int, str]:
        """Id -> name for `tag_ids`, from the cache: no call when warm, one listing when cold or an id is new.
        Names only decorate: when the call's request bound allows no listing, the ids not known go unnamed."""
        if not tag_ids:
            return {}
        try:
            warm = self._by_name is not None
            names = {t.id: t.name for t in (await self.by_name()).values()}
            if warm and any(i not in names for i in tag_ids):
                names = {t.id: t.name for t in (await self.by_name(refresh=True)).values()}
        except CallBudgetExceededError:
            names = {t.id: t.name for t in (self._by_name or {}).values()}
        return names

    @staticmethod
    def refs(tag_ids: list[int], names: dict[int, str]) -> list[TagRef]:
        return [TagRef(id=i, name=names.get(i, "")) for i in tag_ids]


def _match(tags: dict[str, Tag], tag: str | int) -> Tag | None:
    if isinstance(tag, int) and not isinstance(tag, bool):
        return next((t for t in tags.values() if t.id == tag), None)
    text = str(tag).strip()
    known = tags.get(text.casefold())
    if known is None and not isinstance(tag, TagName) and text.isascii() and text.isdigit():
        known = next((t for t in tags.values() if t.id == int(text)), None)
    return known

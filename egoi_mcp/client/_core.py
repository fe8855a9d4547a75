"""What every resource group of `EGoiClient` shares: the one transport, the default list, the clock and the caches
(tag names, campaign names), with the collection paging every listing uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from egoi_mcp._model import list_of
from egoi_mcp._paging import EGOI_MAX_LIMIT, decode_cursor
from egoi_mcp.client._call_budget import Listing
from egoi_mcp.client._names import CampaignNames
from egoi_mcp.client._tag_cache import TagCache
from egoi_mcp.client._transport import Retry, Transport
from egoi_mcp.client._validate import check_limit
from egoi_mcp.errors import InvalidArgumentError, UpstreamError
from egoi_mcp.models import Contact, Tag

T = TypeVar("T")

Item = dict[str, Any]


class Core:
    """The state the groups hold in common (each group is given this one object; no I/O here)."""

    def __init__(self, transport: Transport, *, default_list_id: int | None, clock: Callable[[], float]) -> None:
        self.transport = transport
        self.default_list_id = default_list_id
        self.clock = clock
        self.tags = TagCache(self._list_all_tags)
        self.campaign_names = CampaignNames(self._list_all_campaign_names)

    def resolve_list_id(self, list_id: int | None) -> int:
        """The list to act on: the one given, else the default list; an error naming the fix when neither."""
        value = list_id if list_id is not None else self.default_list_id
        if value is None:
            raise InvalidArgumentError(
                "list_id is required: pass one (find it with get_lists) or set EGOI_DEFAULT_LIST_ID",
                code="LIST_NOT_FOUND",
            )
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number < 1 or isinstance(value, bool):
            raise InvalidArgumentError(f"list_id must be a positive integer, not {value!r}", code="LIST_NOT_FOUND")
        return number

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        resource: str | None = None,
        retry: Retry = Retry.SAFE,
    ) -> Any:
        return await self.transport.request(method, path, params=params, json=json, resource=resource, retry=retry)

    async def page(
        self, path: str, *, limit: int, cursor: str | None, resource: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> tuple[list[Item], int | None, int]:  # fmt: skip
        """GET one page of an E-goi collection; returns (items, total_items, offset). An upstream that answers
        more items than asked is cut to `limit`: the next cursor then starts after the last item kept."""
        check_limit(limit, EGOI_MAX_LIMIT)
        offset = decode_cursor(cursor)
        body = await self.request(
            "GET", path, params={**(params or {}), "offset": offset, "limit": limit}, resource=resource
        )
        items, total = _items(body, path, limit)
        return items, total, offset

    async def every(
        self, path: str, *, params: dict[str, Any] | None = None, resource: str | None = None, reserve: int = 0,
        until: Callable[[Item], bool] | None = None,
    ) -> Listing[Item]:  # fmt: skip
        """Every item of a collection, 1000 per call. Within a call's request bound it reads no more pages than
        leave `reserve` requests for what the caller does next, and then says `complete=False`; with `until`,
        it stops after the page holding an item `until` accepts (the listing is then complete enough)."""
        found: Listing[Item] = Listing()
        offset = 0
        while True:
            left = self.transport.budget.requests_left()
            if offset and left is not None and left < 1 + reserve:
                found.complete = False
                return found
            body = await self.request(
                "GET", path, params={**(params or {}), "offset": offset, "limit": EGOI_MAX_LIMIT}, resource=resource
            )
            items, total = _items(body, path, EGOI_MAX_LIMIT)
            found.extend(items)
            offset += len(items)
            if until is not None and any(until(item) for item in items):
                return found
            if not items or (offset >= total if total is not None else len(items) < EGOI_MAX_LIMIT):
                return found

    async def with_tag_names(self, items: list[Item], list_id: int) -> list[Contact]:
        """E-goi contacts as `Contact`s with tag names: one tag listing at most, none when the cache is warm."""
        tag_ids = [Contact.tag_ids(item) for item in items]
        names = await self.tags.names(sorted({i for ids in tag_ids for i in ids}))
        return parse(_contacts, items, tag_ids=tag_ids, list_id=list_id, names=names)

    async def _list_all_tags(self) -> Listing[Tag]:
        items = await self.every("/tags", params={"order": "asc", "order_by": "tag_id"})
        return Listing((parse(Tag.from_egoi, item) for item in items), complete=items.complete)

    async def _list_all_campaign_names(self) -> Listing[tuple[str, str]]:
        items = await self.every("/campaigns")
        pairs = ((str(i["campaign_hash"]), str(i.get("internal_name") or "")) for i in items if i.get("campaign_hash"))
        return Listing(pairs, complete=items.complete)


def _contacts(items: list[Item], tag_ids: list[list[int]], list_id: int, names: dict[int, str]) -> list[Contact]:
    """E-goi's contacts validated in one pass, not one by one (the same models: a third less time for a page)."""
    rows = [Contact.fields_of(item, list_id, names, ids) for item, ids in zip(items, tag_ids, strict=True)]
    return list_of(Contact).validate_python(rows)


def _items(body: Any, path: str, limit: int) -> tuple[list[Item], int | None]:
    if not isinstance(body, dict):
        raise unexpected(path)
    items = [item for item in body.get("items") or [] if isinstance(item, dict)][:limit]
    total = body.get("total_items")
    return items, total if isinstance(total, int) and not isinstance(total, bool) else None


def path(template: str, *parts: object) -> str:
    """`template` with each `{}` replaced by a percent-encoded path segment: an id can never rewrite the path."""
    return template.format(*(_segment(part) for part in parts))


def _segment(part: object) -> str:
    text = quote(str(part), safe="")
    return text.replace(".", "%2E") if text in (".", "..") else text


def unexpected(what: str) -> UpstreamError:
    return UpstreamError(f"E-goi answered {what} with a body of an unexpected shape; try again later")


def parse(factory: Callable[..., T], data: Any, **kwargs: Any) -> T:
    """Build a model from E-goi's JSON; a body we cannot read is an upstream error, not a crash."""
    try:
        return factory(data, **kwargs)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise UpstreamError("E-goi answered with a body of an unexpected shape; try again later") from None


class Resource:
    """A group of E-goi operations (contacts, lists, tags, ...) over the shared `Core`."""

    def __init__(self, core: Core) -> None:
        self._core = core

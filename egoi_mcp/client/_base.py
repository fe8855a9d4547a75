"""What every part of `EGoiClient` shares: configuration, the transport, the caches and collection paging."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from egoi_mcp._paging import EGOI_MAX_LIMIT, decode_cursor
from egoi_mcp.client._names import CampaignNames
from egoi_mcp.client._tags import TagCache
from egoi_mcp.client._transport import Retry, Transport
from egoi_mcp.client._validate import check_contact_ids, check_limit
from egoi_mcp.errors import InvalidArgumentError, UpstreamError
from egoi_mcp.models import Contact, Tag
from egoi_mcp.ratelimit import RateLimiter
from egoi_mcp.redact import register_secret

DEFAULT_BASE_URL = "https://api.egoiapp.com"

T = TypeVar("T")

_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces: what an HTTP header value carries


class ClientBase:
    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        default_list_id: int | None = None,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        max_retries: int = 3,
        retry_backoff: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        api_key = (api_key or "").strip()  # a key read from a secrets file ends with a newline
        if not api_key:
            raise InvalidArgumentError(
                "no E-goi API key: set EGOI_API_KEY (E-goi > Integrations > API key), or use the sandbox",
                code="NO_ACCESS",
            )
        if not _HEADER_SAFE.fullmatch(api_key):
            raise InvalidArgumentError(
                "EGOI_API_KEY contains characters an HTTP header cannot carry (spaces, control or non-ASCII "
                "characters): copy the key again from E-goi > Integrations > API key",
                code="NO_ACCESS",
            )
        register_secret(api_key)
        self.default_list_id = default_list_id
        http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Apikey": api_key, "Accept": "application/json", "User-Agent": "egoi-mcp"},
            timeout=timeout,
            transport=transport,
        )
        self._transport = Transport(
            http, limiter or RateLimiter(), max_retries=max_retries, retry_backoff=retry_backoff, clock=clock
        )
        self._clock = clock
        self._tags = TagCache(self._list_all_tags)
        self._campaign_names = CampaignNames(self._list_all_campaign_names)

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter this client spends its budget with (shared with every client given the same one)."""
        return self._transport.budget.limiter

    @limiter.setter
    def limiter(self, limiter: RateLimiter) -> None:
        self._transport.budget.limiter = limiter

    async def aclose(self) -> None:
        await self._transport.http.aclose()

    def __repr__(self) -> str:
        return f"EGoiClient(base_url={str(self._transport.http.base_url)!r})"

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

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        resource: str | None = None,
        retry: Retry = Retry.SAFE,
    ) -> Any:
        return await self._transport.request(method, path, params=params, json=json, resource=resource, retry=retry)

    async def _collection(
        self,
        path: str,
        *,
        limit: int,
        cursor: str | None,
        resource: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], int | None, int]:
        """GET one page of an E-goi collection; returns (items, total_items, offset)."""
        check_limit(limit, EGOI_MAX_LIMIT)
        offset = decode_cursor(cursor)
        body = await self._request(
            "GET", path, params={**(params or {}), "offset": offset, "limit": limit}, resource=resource
        )
        if not isinstance(body, dict):
            raise unexpected(path)
        items = [item for item in body.get("items") or [] if isinstance(item, dict)]
        total = body.get("total_items")
        return items, total if isinstance(total, int) else None, offset

    async def _every(
        self, path: str, *, params: dict[str, Any] | None = None, resource: str | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a collection, 1000 per call."""
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            body = await self._request(
                "GET", path, params={**(params or {}), "offset": offset, "limit": EGOI_MAX_LIMIT}, resource=resource
            )
            if not isinstance(body, dict):
                raise unexpected(path)
            items = [item for item in body.get("items") or [] if isinstance(item, dict)]
            found.extend(items)
            offset += len(items)
            total = body.get("total_items")
            if not items or (offset >= total if isinstance(total, int) else len(items) < EGOI_MAX_LIMIT):
                return found

    async def _list_all_tags(self) -> list[Tag]:
        items = await self._every("/tags", params={"order": "asc", "order_by": "tag_id"})
        return [parse(Tag.from_egoi, item) for item in items]

    async def _list_all_campaign_names(self) -> dict[str, str]:
        items = await self._every("/campaigns")
        return {str(i["campaign_hash"]): str(i.get("internal_name") or "") for i in items if i.get("campaign_hash")}

    async def _contacts(self, items: list[dict[str, Any]], list_id: int) -> list[Contact]:
        """E-goi contacts as `Contact`s with tag names: one tag listing at most, none when the cache is warm."""
        names = await self._tags.names(sorted({i for item in items for i in Contact.tag_ids(item)}))
        return [parse(Contact.from_egoi, item, list_id=list_id, tag_names=names) for item in items]

    async def get_contact(self, contact_id: str, list_id: int | None = None) -> Contact:
        """One contact (`GET /lists/{id}/contacts/{contact_id}`)."""
        list_id = self.resolve_list_id(list_id)
        (contact_id,) = check_contact_ids([contact_id])
        body = await self._request("GET", path("/lists/{}/contacts/{}", list_id, contact_id), resource="contact")
        if not isinstance(body, dict):
            raise unexpected("the contact")
        (contact,) = await self._contacts([body], list_id)
        return contact


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

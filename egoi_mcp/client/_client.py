"""`EGoiClient`: the async client for the E-goi marketing API v3 (https://api.egoiapp.com).

The public methods keep the seed's flat names. They are grouped by concept in the modules this class
inherits from (tags, contacts, campaigns and segments); lists, webhooks and the client's lifecycle are here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from egoi_mcp._paging import make_page
from egoi_mcp.client._base import parse, path
from egoi_mcp.client._campaigns import CampaignsAPI
from egoi_mcp.client._transport import Retry
from egoi_mcp.client._validate import check_text
from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.models import MailingList, Page, Webhook

_WEBHOOK_URL = re.compile(r"https?://[^\s/?#]+(?:[/?#]\S*)?")


class EGoiClient(CampaignsAPI):
    """Async client for E-goi API v3. Use as `async with EGoiClient(api_key=...) as client:`.

    `transport` runs the client over any httpx transport (e.g. the embedded sandbox in-process), `limiter`
    shares a rate budget, and `clock` (epoch seconds) is what retries and schedules measure time with.
    """

    async def __aenter__(self) -> EGoiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def ping(self) -> bool:
        """True when E-goi answers `POST /ping`."""
        body = await self._request("POST", "/ping")
        return isinstance(body, dict) and body.get("result") == "pong"

    # -- lists ------------------------------------------------------------------------------------

    async def create_list(self, name: str, description: str | None = None) -> MailingList:
        """Create a list (`POST /lists`); `description` becomes E-goi's public name."""
        if not name.strip():
            raise InvalidArgumentError("name is empty: give the list a name")
        check_text(name, "name")
        check_text(description, "description")
        payload = {"internal_name": name.strip(), "public_name": (description or name).strip()}
        body = await self._request("POST", "/lists", json=payload, retry=Retry.ON_429)
        return parse(MailingList.from_egoi, body)

    async def get_lists(self, *, limit: int = 25, cursor: str | None = None) -> Page[MailingList]:
        items, total, offset = await self._collection(
            "/lists", limit=limit, cursor=cursor, params={"order": "asc", "order_by": "list_id"}
        )
        return make_page([parse(MailingList.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def get_list(self, list_id: int) -> MailingList:
        body = await self._request("GET", path("/lists/{}", self.resolve_list_id(list_id)), resource="list")
        return parse(MailingList.from_egoi, body)

    async def delete_list(self, list_id: int) -> None:
        await self._request("DELETE", path("/lists/{}", self.resolve_list_id(list_id)), resource="list")

    # -- webhooks -----------------------------------------------------------------------------------

    async def list_webhooks(self, *, limit: int = 25, cursor: str | None = None) -> Page[Webhook]:
        items, total, offset = await self._collection("/webhooks", limit=limit, cursor=cursor)
        return make_page([parse(Webhook.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def create_webhook(self, list_id: int, url: str, actions: Sequence[str]) -> Webhook:
        if not _WEBHOOK_URL.fullmatch(url or ""):
            raise InvalidArgumentError(f"the webhook url must be an http:// or https:// URL with a host, not {url!r}")
        if not actions:
            raise InvalidArgumentError("actions is empty: pass at least one E-goi webhook action")
        payload = {"list_id": self.resolve_list_id(list_id), "url": url, "actions": list(actions)}
        return parse(Webhook.from_egoi, await self._request("POST", "/webhooks", json=payload, retry=Retry.ON_429))

    async def delete_webhook(self, webhook_id: int) -> None:
        try:
            number = int(webhook_id)
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            raise InvalidArgumentError(f"webhook_id must be a positive integer, not {webhook_id!r}")
        await self._request("DELETE", path("/webhooks/{}", number), resource="webhook")

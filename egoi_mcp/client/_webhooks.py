"""`client.webhooks`: list, create and delete the account's webhooks."""

from __future__ import annotations

import re
from collections.abc import Sequence

from egoi_mcp._paging import make_page
from egoi_mcp.client._core import Resource, parse, path
from egoi_mcp.client._transport import Retry
from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.models import Page, Webhook

_WEBHOOK_URL = re.compile(r"https?://[^\s/?#]+(?:[/?#]\S*)?")


class WebhooksAPI(Resource):
    async def list(self, *, limit: int = 25, cursor: str | None = None) -> Page[Webhook]:
        """One page of the account's webhooks (`GET /webhooks`)."""
        items, total, offset = await self._core.page("/webhooks", limit=limit, cursor=cursor)
        return make_page([parse(Webhook.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def create(self, list_id: int, url: str, actions: Sequence[str]) -> Webhook:
        """Have E-goi call `url` on `actions` in a list (`POST /webhooks`)."""
        if not _WEBHOOK_URL.fullmatch(url or ""):
            raise InvalidArgumentError(f"the webhook url must be an http:// or https:// URL with a host, not {url!r}")
        if not actions:
            raise InvalidArgumentError("actions is empty: pass at least one E-goi webhook action")
        payload = {"list_id": self._core.resolve_list_id(list_id), "url": url, "actions": list(actions)}
        body = await self._core.request("POST", "/webhooks", json=payload, retry=Retry.ON_429)
        return parse(Webhook.from_egoi, body)

    async def delete(self, webhook_id: int) -> None:
        """Delete a webhook (`DELETE /webhooks/{id}`); an unknown one is `WEBHOOK_NOT_FOUND`."""
        try:
            number = int(webhook_id)
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            raise InvalidArgumentError(f"webhook_id must be a positive integer, not {webhook_id!r}")
        await self._core.request("DELETE", path("/webhooks/{}", number), resource="webhook")

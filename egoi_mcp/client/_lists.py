"""`client.lists`: create, list, read and delete mailing lists."""

from __future__ import annotations

import asyncio
import builtins

from egoi_mcp._paging import make_page
from egoi_mcp.client._core import Resource, parse, path
from egoi_mcp.client._transport import Retry
from egoi_mcp.client._validate import check_text
from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.models import MailingList, Page


class ListsAPI(Resource):
    async def create(self, name: str, description: str | None = None) -> MailingList:
        """Create a list (`POST /lists`); `description` becomes E-goi's public name."""
        if not name.strip():
            raise InvalidArgumentError("name is empty: give the list a name")
        check_text(name, "name")
        check_text(description, "description")
        payload = {"internal_name": name.strip(), "public_name": (description or name).strip()}
        body = await self._core.request("POST", "/lists", json=payload, retry=Retry.ON_429)
        return parse(MailingList.from_egoi, body)

    async def list(self, *, limit: int = 25, cursor: str | None = None, counts: bool = False) -> Page[MailingList]:
        """One page of the account's lists (`GET /lists`), by id. With `counts`, each list's subscriber counts:
        E-goi's collection does not carry them, so one `GET /lists/{id}` per list shown (concurrently). Within a
        call's request bound the page is shorter, and `next_cursor` goes on from there."""
        items, total, offset = await self._core.page(
            "/lists", limit=limit, cursor=cursor, params={"order": "asc", "order_by": "list_id"}
        )
        lists = [parse(MailingList.from_egoi, i) for i in items]
        if counts and lists:
            left = self._core.transport.budget.requests_left()
            if left is not None and left < len(lists):
                lists = lists[: max(left, 1)]
            lists = builtins.list(await asyncio.gather(*(self.get(item.id) for item in lists)))
        return make_page(lists, offset=offset, limit=len(lists) or limit, total=total)

    async def get(self, list_id: int | None = None) -> MailingList:
        """One list (`GET /lists/{id}`); the default list when none is given."""
        body = await self._core.request("GET", path("/lists/{}", self._core.resolve_list_id(list_id)), resource="list")
        return parse(MailingList.from_egoi, body)

    async def delete(self, list_id: int) -> None:
        """Delete a list and its contacts (`DELETE /lists/{id}`)."""
        await self._core.request("DELETE", path("/lists/{}", self._core.resolve_list_id(list_id)), resource="list")

"""`client.senders`: the account's e-mail senders (the From addresses a campaign may use)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from egoi_mcp._paging import make_page
from egoi_mcp.client._core import Resource, parse
from egoi_mcp.models import Page


class Sender(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    email: str
    name: str = ""
    status: str | None = None  # active, moderation or rejected

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> Sender:
        return cls(id=data["sender_id"], email=data["email"], name=data.get("name") or "", status=data.get("status"))


class SendersAPI(Resource):
    async def email(self, *, status: str | None = None, limit: int = 25, cursor: str | None = None) -> Page[Sender]:
        """One page of the account's e-mail senders (`GET /senders/email`), of one `status` when given."""
        items, total, offset = await self._core.page(
            "/senders/email", limit=limit, cursor=cursor, params={"status": status}
        )
        return make_page([parse(Sender.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

"""`client.senders`: the account's e-mail senders (the From addresses a campaign may use)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from egoi_mcp._paging import EGOI_MAX_LIMIT, make_page
from egoi_mcp.client._core import Resource, parse
from egoi_mcp.errors import InvalidArgumentError, NotFoundError
from egoi_mcp.models import Page
from egoi_mcp.untrusted import quote


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

    async def resolve(self, sender: str | int, reply_to: str | int | None = None) -> tuple[Sender, Sender | None]:
        """The sender (and reply-to sender) given by address or id, from one listing of the account's senders;
        one that does not exist or is not validated (`active`) is refused, naming the validated ones."""
        page = await self.email(limit=EGOI_MAX_LIMIT)
        return _pick(page.items, sender), None if reply_to is None else _pick(page.items, reply_to)


def _pick(senders: list[Sender], wanted: str | int) -> Sender:
    key = str(wanted).strip()
    found = next((s for s in senders if str(s.id) == key or s.email.casefold() == key.casefold()), None)
    valid = ", ".join(f"{quote(s.email)} (id {s.id})" for s in senders if s.status == "active") or "none yet"
    if found is None:
        raise NotFoundError(
            f"no e-mail sender {quote(key)} in the account; validated senders: {valid} (add one in E-goi first)",
            code="SENDER_NOT_EXISTS",
        )
    if found.status != "active":
        raise InvalidArgumentError(
            f"sender {quote(found.email)} is not validated yet (E-goi status {found.status}); use a validated one: "
            f"{valid}",
            code="SENDER_NOT_VALIDATED",
        )
    return found

"""`client.senders`: the account's senders, by channel: e-mail (the From addresses a campaign may use) and
cellphone (the number or name an SMS comes from)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

from egoi_mcp._paging import EGOI_MAX_LIMIT, make_page
from egoi_mcp.client._core import Resource, parse
from egoi_mcp.client._validate import maybe_phone
from egoi_mcp.errors import InvalidArgumentError, NotFoundError
from egoi_mcp.models import Page
from egoi_mcp.untrusted import quote


class Sender(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    email: str | None = None  # an e-mail sender's address
    cellphone: str | None = None  # an SMS sender's number ('351-912345678') or name
    name: str = ""
    status: str | None = None  # active, moderation or rejected

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> Sender:
        return cls(id=data["sender_id"], email=data["email"], name=data.get("name") or "", status=data.get("status"))

    @classmethod
    def from_egoi_cellphone(cls, data: dict[str, Any]) -> Sender:
        return cls(id=data["sender_id"], cellphone=str(data["cellphone"]), status=data.get("status"))

    @property
    def label(self) -> str:
        return self.email or self.cellphone or ""


class SendersAPI(Resource):
    async def email(self, *, status: str | None = None, limit: int = 25, cursor: str | None = None) -> Page[Sender]:
        """One page of the account's e-mail senders (`GET /senders/email`), of one `status` when given."""
        return await self._page("/senders/email", Sender.from_egoi, status, limit, cursor)

    async def cellphone(self, *, status: str | None = None, limit: int = 25, cursor: str | None = None) -> Page[Sender]:
        """One page of the account's SMS senders (`GET /senders/cellphone`), of one `status` when given."""
        return await self._page("/senders/cellphone", Sender.from_egoi_cellphone, status, limit, cursor)

    async def _page(
        self, target: str, read: Callable[[dict[str, Any]], Sender], status: str | None, limit: int, cursor: str | None
    ) -> Page[Sender]:
        items, total, offset = await self._core.page(target, limit=limit, cursor=cursor, params={"status": status})
        return make_page([parse(read, i) for i in items], offset=offset, limit=limit, total=total)

    async def resolve(self, sender: str | int, reply_to: str | int | None = None) -> tuple[Sender, Sender | None]:
        """The sender (and reply-to sender) given by address or id, from one listing of the account's senders;
        one that does not exist or is not validated (`active`) is refused, naming the validated ones."""
        page = await self.email(limit=EGOI_MAX_LIMIT)
        return _pick(page.items, sender, "e-mail"), None if reply_to is None else _pick(page.items, reply_to, "e-mail")

    async def resolve_cellphone(self, sender: str | int) -> Sender:
        """The SMS sender given by number (any form `egoi_phone` reads), name or id, from one listing; refused
        like `resolve` when unknown or not validated."""
        return _pick((await self.cellphone(limit=EGOI_MAX_LIMIT)).items, sender, "SMS")


def _pick(senders: list[Sender], wanted: str | int, kind: str) -> Sender:
    key = str(wanted).strip()
    keys = {key.casefold(), maybe_phone(key) or key.casefold()}
    found = next((s for s in senders if str(s.id) == key or s.label.casefold() in keys), None)
    valid = ", ".join(f"{quote(s.label)} (id {s.id})" for s in senders if s.status == "active") or "none yet"
    if found is None:
        raise NotFoundError(
            f"no {kind} sender {quote(key)} in the account; validated senders: {valid} (add one in E-goi first)",
            code="SENDER_NOT_EXISTS",
        )
    if found.status != "active":
        raise InvalidArgumentError(
            f"sender {quote(found.label)} is not validated yet (E-goi status {found.status}); use a validated one: "
            f"{valid}",
            code="SENDER_NOT_VALIDATED",
        )
    return found

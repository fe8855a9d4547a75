"""Typed results of the E-goi client and of the MCP tools.

E-goi's JSON is nested and verbose (`base`, `extra`, `internal_name`, `campaign_hash`...). These models are
the flat, stable shapes the library returns and the tools print. Each has a `from_egoi` constructor that
reads E-goi's response shape, so the mapping from the wire lives in one place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from egoi_mcp._dates import parse_datetime

T = TypeVar("T")

ContactStatus = Literal["active", "inactive", "removed", "unconfirmed"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Contact(_Model):
    # A contact in one E-goi list. (Comments, not docstrings: docstrings would be sent in every schema.)

    id: str
    list_id: int | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    status: str | None = None
    tags: list[int] = Field(default_factory=list)

    @classmethod
    def from_egoi(cls, data: dict[str, Any], list_id: int | None = None) -> Contact:
        base = data.get("base") or data
        return cls(
            id=str(base.get("contact_id", "")),
            list_id=list_id,
            email=base.get("email") or None,
            first_name=base.get("first_name") or None,
            last_name=base.get("last_name") or None,
            phone=base.get("cellphone") or base.get("phone") or None,
            status=base.get("status"),
            tags=[int(t) for t in data.get("tags") or [] if str(t).isdigit()],
        )


class ContactRef(_Model):
    """Where an e-mail, phone or cellphone was found by E-goi's account-wide search."""

    contact_id: str
    list_id: int


class MailingList(_Model):
    id: int
    name: str
    description: str | None = None
    status: str | None = None
    created: datetime | None = None

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> MailingList:
        return cls(
            id=data["list_id"],
            name=data.get("internal_name") or "",
            description=data.get("public_name"),
            status=data.get("status"),
            created=parse_datetime(data.get("created")),
        )


class Tag(_Model):
    id: int
    name: str
    color: str | None = None

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> Tag:
        return cls(id=data["tag_id"], name=data.get("name") or "", color=data.get("color"))


class Campaign(_Model):
    id: str
    name: str
    channel: str | None = None
    status: str | None = None
    subject: str | None = None
    list_id: int | None = None
    created: datetime | None = None

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> Campaign:
        return cls(
            id=data["campaign_hash"],
            name=data.get("internal_name") or "",
            channel=data.get("channel"),
            status=data.get("status"),
            subject=data.get("title"),
            list_id=data.get("list_id"),
            created=parse_datetime(data.get("created")),
        )


class Segment(_Model):
    id: str
    name: str
    type: str | None = None

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> Segment:
        return cls(id=str(data["segment_id"]), name=data.get("name") or "", type=data.get("type"))


class Webhook(_Model):
    id: int
    list_id: int
    url: str
    actions: list[str] = Field(default_factory=list)

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> Webhook:
        return cls(
            id=data["webhook_id"],
            list_id=data["list_id"],
            url=data["url"],
            actions=[a for a in data.get("actions") or [] if isinstance(a, str)],
        )


class Event(_Model):
    # One webhook delivery from E-goi, as stored; `payload` is the raw delivery.

    id: str
    trigger: str
    action: str | None = None
    list_id: int | None = None
    contact_id: str | None = None
    email: str | None = None
    campaign_id: str | None = None
    occurred_at: datetime | None = None
    received_at: datetime
    payload: Any = None


class Page(_Model, Generic[T]):
    # One page of a listing. Pass `next_cursor` back as `cursor` for the next page; null at the end.

    items: list[T]
    total: int | None = None
    next_cursor: str | None = None
    note: str | None = None  # says why a page ended early (the result size bound), when it did

"""Typed results of the E-goi client and of the MCP tools.

E-goi's JSON is nested and verbose (`base`, `extra`, `internal_name`, `campaign_hash`...). These models are
the flat, stable shapes the library returns and the tools print. Each has a `from_egoi` constructor that
reads E-goi's response shape, so the mapping from the wire lives in one place.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import Field, WithJsonSchema

from egoi_mcp._dates import parse_datetime, parse_day
from egoi_mcp._json import json_object
from egoi_mcp._model import Model as _Model
from egoi_mcp._series import MAX_COUNT, Granularity, summarise
from egoi_mcp.sms import SmsReport
from egoi_mcp.untrusted import quote

T = TypeVar("T")


class TagRef(_Model):
    id: int
    name: str


class Contact(_Model):
    # A contact in one E-goi list. (Comments, not docstrings: docstrings would be sent in every schema.)

    id: str
    list_id: int | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    status: str | None = None
    tags: list[TagRef] = Field(default_factory=list)
    fields: dict[str, str | list[str]] = Field(default_factory=dict)  # extra fields by name

    @staticmethod
    def tag_ids(data: dict[str, Any]) -> list[int]:
        """The tag ids of an E-goi contact (`tags: [1, 2]`), in order, without duplicates."""
        tags = data.get("tags")
        if isinstance(tags, list) and all(type(t) is int and t >= 0 for t in tags):  # E-goi's: no text to read
            return list(dict.fromkeys(tags))
        digits = [t for t in map(str, tags) if t.isascii() and t.isdigit()] if isinstance(tags, list) else ()
        return list(dict.fromkeys(map(int, digits)))

    @classmethod
    def from_egoi(
        cls, data: dict[str, Any], list_id: int | None = None, tag_names: dict[int, str] | None = None
    ) -> Contact:
        return cls.model_validate(cls.fields_of(data, list_id, tag_names))  # one validation, the tags' with it

    @classmethod
    def fields_of(
        cls, data: dict[str, Any], list_id: int | None, names: dict[int, str] | None, tag_ids: list[int] | None = None
    ) -> dict[str, Any]:
        """An E-goi contact as this model's fields, not validated yet (one contact, or a page of them at once)."""
        base, names = data.get("base") or data, names or {}
        return dict(
            id=str(base.get("contact_id", "")), list_id=list_id, email=base.get("email") or None,
            first_name=base.get("first_name") or None, last_name=base.get("last_name") or None,
            phone=base.get("cellphone") or base.get("phone") or None, status=base.get("status"),
            tags=[{"id": i, "name": names.get(i, "")} for i in (cls.tag_ids(data) if tag_ids is None else tag_ids)],
        )  # fmt: skip


class ContactRef(_Model):
    """Where an e-mail, phone or cellphone was found by E-goi's account-wide search."""

    contact_id: str
    list_id: int


class ListCounts(_Model):
    # Subscribers as E-goi counts them (`stats` of GET /lists/{id}); unsubscribed is E-goi's "removed".
    total: int = 0
    active: int = 0
    unsubscribed: int = 0
    inactive: int = 0
    unconfirmed: int = 0


class MailingList(_Model):
    id: int
    name: str
    description: str | None = None
    status: str | None = None
    created: datetime | None = None
    subscribers: ListCounts | None = None

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> MailingList:
        stats = {k: v for k, v in json_object(data.get("stats")).items() if isinstance(v, int) and v >= 0}
        names = {"total": "contacts", "unsubscribed": "removed"}
        counts = {name: stats.get(f"total_{names.get(name, name)}", 0) for name in ListCounts.model_fields}
        return cls(
            id=data["list_id"], name=data.get("internal_name") or "", description=data.get("public_name"),
            status=data.get("status"), created=parse_datetime(data.get("created")),
            subscribers=ListCounts(**counts) if stats else None,
        )  # fmt: skip


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
        actions = [a for a in data.get("actions") or [] if isinstance(a, str)]
        return cls(id=data["webhook_id"], list_id=data["list_id"], url=data["url"], actions=actions)


class LinkClicks(_Model):
    url: str
    clicks: int


class DayStats(_Model):
    date: str  # YYYY-MM-DD: the day, or the first day of the week or month (by_day_granularity)
    opens: int
    clicks: int


class CampaignReport(_Model):
    # How a campaign did. Rates are percentages with one decimal, 0 when nothing was sent. by_day is by week past
    # 90 days and by month past two years; `note` says what was summarised or left out. An SMS campaign's report
    # has sent, delivered and `sms` instead of the e-mail fields (they are left out).

    campaign_id: str
    name: str | None = None
    sent: int = 0
    delivered: int = 0
    opens: int | None = None
    unique_opens: int | None = None
    clicks: int | None = None
    unique_clicks: int | None = None
    hard_bounces: int | None = None
    soft_bounces: int | None = None
    unsubscribes: int | None = None
    complaints: int | None = None
    open_rate: float | None = None
    click_rate: float | None = None
    bounce_rate: float | None = None
    top_links: list[LinkClicks] | None = None
    by_day: list[DayStats] | None = None
    by_day_granularity: Annotated[Granularity | None, WithJsonSchema({"type": "string"})] = "day"
    sms: SmsReport | None = None
    summary: str = ""
    note: str | None = None

    @classmethod
    def from_egoi(cls, data: dict[str, Any], campaign_id: str, name: str | None = None) -> CampaignReport:
        """Read E-goi's `EmailReport` (`overall`, `date`, `url`); E-goi gives no delivered count, so it is
        sends minus bounces. Bounded whatever E-goi sends: see `_series` for the day series; the links are the
        `_TOP_LINKS` most clicked, each URL cut at `_MAX_URL_CHARS`."""
        overall = json_object(data.get("overall"))
        count = {key: _count(overall.get(key)) for key in _OVERALL}
        sent, hard, soft = count["sends"], count["hard_bounces"], count["soft_bounces"]
        delivered = max(sent - hard - soft, 0)
        links = _links(data.get("url"))
        series = summarise(_days(data.get("date")))
        report = cls(
            campaign_id=campaign_id,
            name=name,
            sent=sent,
            delivered=delivered,
            opens=count["opens"],
            unique_opens=count["unique_opens"],
            clicks=count["clicks"],
            unique_clicks=count["unique_clicks"],
            hard_bounces=hard,
            soft_bounces=soft,
            unsubscribes=count["unsubscriptions"],
            complaints=count["complaints"],
            open_rate=_percent(count["unique_opens"], delivered),
            click_rate=_percent(count["unique_clicks"], delivered),
            bounce_rate=_percent(hard + soft, sent),
            top_links=links[:_TOP_LINKS],
            by_day=[DayStats(date=p.start.isoformat(), opens=p.opens, clicks=p.clicks) for p in series.periods],
            by_day_granularity=series.granularity,
        )
        report.summary = report._summary(series.span_days)
        report.note = _note(series.granularity, series.span_days, series.left_out, len(links)) or None
        return report

    def _summary(self, span_days: int) -> str:
        label = quote(self.name) if self.name else self.campaign_id  # a name is a stranger's text: fenced
        if self.sent == 0:
            return f"campaign {label} has not been sent yet: there is nothing to report"
        text = f"{_amount(self.sent)} sent, {self.open_rate:.1f}% opened, {self.click_rate:.1f}% clicked"
        if self.by_day_granularity != "day":
            text += f"; by_day is by {self.by_day_granularity} over {span_days:,} days"
        return text


_OVERALL = (
    "sends", "opens", "unique_opens", "clicks", "unique_clicks", "hard_bounces", "soft_bounces", "complaints",
    "unsubscriptions",
)  # fmt: skip
_TOP_LINKS = 10
_MAX_URL_CHARS = 2048
_MAX_RATE = 10**9  # percent: a rate past it (a count far beyond its base) is shown as this


def _count(value: Any) -> int:
    """A count as E-goi sends it (a positive integer), else 0; saturated at `MAX_COUNT`."""
    return min(value, MAX_COUNT) if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _amount(count: int) -> str:
    """A count as a person reads it: 1,240; past a quadrillion in scientific notation (1.000E+100)."""
    return f"{count:,}" if count < 10**15 else f"{Decimal(count):.3E}"


def _percent(part: int, whole: int) -> float:
    if whole <= 0:
        return 0.0
    return round(100 * part / whole, 1) if part <= whole * (_MAX_RATE // 100) else float(_MAX_RATE)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…[cut: {len(text) - limit} more characters]"


def _links(rows: Any) -> list[LinkClicks]:
    """Every link E-goi lists, most clicked first."""
    links = [
        LinkClicks(url=_cut(str(row["url"]), _MAX_URL_CHARS), clicks=_count(row.get("clicks")))
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, dict) and row.get("url")
    ]
    return sorted(links, key=lambda link: -link.clicks)


def _days(rows: Any) -> list[tuple[date, int, int]]:
    days = []
    for row in rows if isinstance(rows, list) else []:
        day = _day(row.get("date")) if isinstance(row, dict) else None
        if day is not None:
            days.append((day, _count(row.get("opens")), _count(row.get("clicks"))))
    return days


def _day(value: Any) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])  # the common case, fast: a report may list 100,000 days
        except ValueError:
            pass
    day = parse_day(value)
    return date.fromisoformat(day) if day else None


def _note(granularity: Granularity, span_days: int, left_out: int, links: int) -> str:
    """What the report summarised or left out, in one line; empty when nothing."""
    parts = []
    if granularity != "day":
        parts.append(f"by_day is summarised by {granularity}: the report spans {span_days:,} days")
    if left_out:
        parts.append(f"the {left_out:,} latest {granularity}s of by_day are left out")
    if links > _TOP_LINKS:
        parts.append(f"top_links shows the {_TOP_LINKS} most clicked of {links:,} links")
    return "; ".join(parts)


class Activity(_Model):
    # One thing a contact did or had done (E-goi's `action_name`), newest first in a page.

    type: str
    date: datetime | None = None
    campaign_id: str | None = None
    campaign_name: str | None = None
    tag_id: int | None = None
    detail: str | None = None  # the link clicked, or the tag attached or detached

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> Activity:
        action = json_object(data.get("action_data"))
        tag_id = action.get("tag_id")
        return cls(
            type=str(data.get("action_name") or "unknown"),
            date=parse_datetime(data.get("date")),
            campaign_id=action.get("campaign_hash") or None,
            tag_id=tag_id if isinstance(tag_id, int) and not isinstance(tag_id, bool) else None,
            detail=str(action["url"]) if action.get("url") else None,
        )


class Operation(_Model):
    # A job in E-goi's queue (`GET /operations`): a send that is queued, scheduled, running or paused.

    id: int
    type: str | None = None
    status: str | None = None
    campaign_id: str | None = None
    campaign_name: str | None = None
    created: datetime | None = None
    start_date: datetime | None = None

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> Operation:
        extra = json_object(data.get("operation_data"))
        return cls(
            id=data["operation_id"],
            type=data.get("type"),
            status=data.get("status"),
            campaign_id=extra.get("campaign_hash") or None,
            campaign_name=extra.get("internal_name") or None,
            created=parse_datetime(data.get("created")),
            start_date=parse_datetime(data.get("start_date")),
        )


class EventSummary(_Model):
    # An event as listed (egoi_list_events): egoi://event/{id} has it in full.

    id: str
    trigger: str
    list_id: int | None = None
    contact_id: str | None = None
    email: str | None = None
    campaign_id: str | None = None
    campaign_name: str | None = None
    occurred_at: datetime | None = None
    received_at: datetime | None = None  # listed only when it is not the second `occurred_at` names


class Event(EventSummary):
    # One webhook delivery from E-goi, as stored; `payload` is the raw delivery.

    action: str | None = None
    payload: Any = None
    received_at: datetime  # always known when stored
    account: str = Field(default="", exclude=True, repr=False)  # whose receiver took it (never shown: routing only)


class Page(_Model, Generic[T]):
    # One page of a listing. Pass `next_cursor` back as `cursor` for the next page; null at the end.

    items: list[T]
    total: int | None = None
    next_cursor: str | None = None
    note: str | None = None  # says why a page ended early (the result size bound), when it did

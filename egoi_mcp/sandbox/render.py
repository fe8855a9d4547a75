"""Records -> the JSON shapes of E-goi's OpenAPI (`List`, `ComplexList`, `Contact`, `Operation`, ...).

Dates are `YYYY-MM-DD HH:MM:SS` (UTC), the form of the spec's only example. The spec declares no field
nullable, so an unset string is `""` (as E-goi's own enums suggest) and an unset date is left out.
"""

from __future__ import annotations

import copy
import functools
import operator
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

import pydantic_core

from egoi_mcp.sandbox.models import Activity, Campaign, Contact, MailingList, Operation, Tag, Webhook


def stamp(value: datetime) -> str:
    return _formatted(value, value.tzinfo, "%Y-%m-%d %H:%M:%S")


def day(value: datetime) -> str:
    return _formatted(value, value.tzinfo, "%Y-%m-%d")


@functools.lru_cache(maxsize=8192)
def _formatted(value: datetime, zone: tzinfo | None, form: str) -> str:
    """`value` in `form`, once per time: a record's dates rarely change and every page renders them again
    (`strftime` was a tenth of a contact page's cost). `zone` keeps one instant in two zones apart."""
    return value.strftime(form)


def _dates(**values: datetime | None) -> dict[str, str]:
    return {name: stamp(value) for name, value in values.items() if value is not None}


def mailing_list(record: MailingList) -> dict[str, Any]:
    return {
        "list_id": record.list_id,
        "internal_name": record.internal_name,
        "public_name": record.public_name,
        "status": record.status,
        "group_id": 1,
        # The spec's `List` requires `language`, although it declares no such property.
        "language": record.language,
        "created": stamp(record.created),
        "updated": stamp(record.updated),
    }


def complex_list(record: MailingList, contacts: Iterable[Contact]) -> dict[str, Any]:
    statuses = Counter(contact.status for contact in contacts)
    return {
        **mailing_list(record),
        "default_language": record.language,
        "available_languages": [record.language],
        "stats": {
            "total_contacts": sum(statuses.values()),
            "total_active": statuses["active"],
            "total_inactive": statuses["inactive"],
            "total_removed": statuses["removed"],
            "total_unconfirmed": statuses["unconfirmed"],
            "total_waiting_new_confirmation": 0,
        },
    }


def contact(record: Contact) -> dict[str, Any]:
    base: dict[str, Any] = {
        "contact_id": record.contact_id,
        "status": record.status,
        "consent": record.consent,
        "subscription_method": record.subscription_method,
        "subscription_form": 0,
        "unsubscription_method": record.unsubscription_method,
        "unsubscription_reason": record.unsubscription_reason,
        "unsubscription_observation": record.unsubscription_observation,
        "change_date": day(record.change_date),
        "first_name": record.first_name,
        "last_name": record.last_name,
        "language": record.language,
        "email": record.email,
        "email_status": record.email_status,
        "cellphone": record.cellphone,
        "cellphone_status": record.cellphone_status,
        "phone": record.phone,
        "phone_status": record.phone_status,
        "push_token_android": [],
        "push_token_ios": [],
    }
    subscribed, unsubscribed = record.subscription_date, record.unsubscription_date  # the dates a page renders most
    for name, value in (
        ("consent_date", subscribed),
        ("subscription_date", subscribed),
        ("unsubscription_date", unsubscribed),
    ):
        if value is not None:
            base[name] = stamp(value)
    if record.birth_date:
        base["birth_date"] = record.birth_date
    return {"base": base, "extra": [record.extra[i] for i in sorted(record.extra)], "tags": sorted(record.tags)}


class _Rendered(NamedTuple):
    scalars: tuple[Any, ...]  # the very objects rendered (compared by identity: one instant in two zones differs)
    tags: frozenset[int]
    extra: dict[int, dict[str, Any]]  # a deep copy (compared by value: changed in place)
    body: bytes


def contact_json(record: Contact) -> bytes:
    """`contact(record)` as JSON, kept on the record while everything it renders is unchanged: a listing renders the
    same contacts again and again, and encoding each was most of a page's cost. Nothing can go stale: the values read
    are the ones rendered (strings and dates by identity, tags and extra fields by value)."""
    scalars = _scalars(record)
    kept = record.rendered
    if (
        isinstance(kept, _Rendered)
        and all(map(operator.is_, scalars, kept.scalars))
        and record.tags == kept.tags
        and record.extra == kept.extra
    ):
        return kept.body
    body = pydantic_core.to_json(contact(record))
    record.rendered = _Rendered(scalars, frozenset(record.tags), copy.deepcopy(record.extra), body)
    return body


def _scalars(record: Contact) -> tuple[Any, ...]:
    """Every value `contact` reads from a record but its tags and extra fields."""
    return (
        record.contact_id, record.status, record.consent, record.subscription_method, record.unsubscription_method,
        record.unsubscription_reason, record.unsubscription_observation, record.change_date, record.first_name,
        record.last_name, record.language, record.email, record.email_status, record.cellphone,
        record.cellphone_status, record.phone, record.phone_status, record.subscription_date,
        record.unsubscription_date, record.birth_date,
    )  # fmt: skip


def collection_json(items: list[bytes], total: int) -> bytes:
    """`collection` of items already encoded, encoded: the same bytes as encoding it whole."""
    return b'{"total_items":%d,"items":[%b]}' % (total, b",".join(items))


def complex_contact(record: Contact) -> dict[str, Any]:
    stats = record.email_stats
    return {
        **contact(record),
        "email_stats": {
            "sent": stats.sent,
            "opens": stats.opens,
            "clicks": stats.clicks,
            "soft_bounces": stats.soft_bounces,
            "hard_bounces": 0,
            "forwards": 0,
            "conversions": 0,
            "social_actions": 0,
            "last_send_date": _maybe_stamp(stats.last_send_date),
            "last_open_date": _maybe_stamp(stats.last_open_date),
            "last_click_date": _maybe_stamp(stats.last_click_date),
            "last_open_country": None,
            "last_open_region": None,
            "last_open_city": None,
        },
        "sms_stats": {"sent": 0, "delivered": 0},
        "push_stats": {"sent": 0, "delivered": 0, "not_delivered": 0, "views": 0, "clicks": 0, "last_view_date": None},
        "webpush_stats": {"sent": 0, "delivered": 0, "clicks": 0, "bounces": 0},
        "voice_stats": {"sent": 0, "answered": 0},
        "traffic_stats": {
            "utm": record.traffic.get("utm", {}),
            "referrer": record.traffic.get("referrer", {}),
            "advertising": record.traffic.get("advertising", {}),
        },
    }


def _maybe_stamp(value: datetime | None) -> str | None:
    return stamp(value) if value is not None else None


def tag(record: Tag) -> dict[str, Any]:
    return {"tag_id": record.tag_id, "name": record.name, "color": record.color}


def campaign(record: Campaign) -> dict[str, Any]:
    schedule: dict[str, Any] = {"enabled": record.schedule_date is not None}
    if record.schedule_date is not None:
        schedule["date"] = stamp(record.schedule_date)
    return {
        "id": record.id,
        "campaign_hash": record.campaign_hash,
        "status": record.status,
        "thumbnail": "",
        "channel": record.channel,
        "internal_name": record.internal_name,
        "list_id": record.list_id,
        "title": record.title,
        "created_by": record.created_by,
        "group_id": record.group_id,
        **_dates(
            created=record.created,
            updated=record.updated,
            start_date=record.start_date,
            end_date=record.end_date,
        ),
        "schedule_date": schedule,
        "processed_messages": record.processed_messages,
        "automation_id": 0,
    }


def webhook(record: Webhook) -> dict[str, Any]:
    return {
        "webhook_id": record.webhook_id,
        "list_id": record.list_id,
        "url": record.url,
        "actions": list(record.actions),
        "fields": list(record.fields),
    }


def operation(record: Operation, campaign: Campaign | None) -> dict[str, Any]:
    """A send in the queue (`Operation`), of its campaign's channel; its campaign's name, or "" when it is gone."""
    return {
        "operation_id": record.operation_id,
        "operation_data": {
            "internal_name": campaign.internal_name if campaign is not None else "",
            "campaign_hash": record.campaign_hash,
        },
        "type": campaign.channel if campaign is not None else "email",
        "status": record.status,
        "created_by": 1,
        "created": stamp(record.created),
        "start_date": stamp(record.start_date),
    }


def activity(record: Activity) -> dict[str, Any]:
    """One `ContactActivity`: campaign actions carry the hash (and a click its url), tag actions the tag."""
    # an SMS's delivery is `sms_delivered` to webhooks, `sms_report` in the contact's activities
    name = "sms_report" if record.action == "sms_delivered" else record.action
    item: dict[str, Any] = {"date": stamp(record.date), "action_name": name}
    if record.campaign_hash is not None:
        item["action_data"] = {"campaign_hash": record.campaign_hash}
        if record.url is not None:
            item["action_data"]["url"] = record.url
    elif record.tag_id is not None:
        item["action_data"] = {"tag_id": record.tag_id}
    return item


def collection(items: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"total_items": total, "items": items}

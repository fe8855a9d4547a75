"""The sandbox's records: lists, contacts, tags, segments, campaigns, webhooks, queued sends and activities.

Plain mutable dataclasses; `render.py` turns them into the spec's JSON. Times are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple


@dataclass
class MailingList:
    list_id: int
    internal_name: str
    public_name: str
    created: datetime
    updated: datetime
    status: str = "active"
    language: str = "en"


@dataclass
class EmailStats:
    sent: int = 0
    opens: int = 0
    clicks: int = 0
    soft_bounces: int = 0
    last_send_date: datetime | None = None
    last_open_date: datetime | None = None
    last_click_date: datetime | None = None


@dataclass
class Contact:
    """One contact of one list (E-goi's contact ids are per list: the same person in two lists has two)."""

    contact_id: str
    list_id: int
    subscription_date: datetime
    change_date: datetime
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    cellphone: str = ""
    phone: str = ""
    birth_date: str = ""
    language: str = "en"
    status: str = "active"
    consent: str = "consent"
    email_status: str = "active"
    cellphone_status: str = "active"
    phone_status: str = "active"
    subscription_method: str = "api"
    unsubscription_method: str = ""
    unsubscription_reason: str = ""
    unsubscription_observation: str = ""
    unsubscription_date: datetime | None = None
    tags: set[int] = field(default_factory=set)
    extra: dict[int, dict[str, Any]] = field(default_factory=dict)  # extra field id -> {field_id, format, value}
    traffic: dict[str, dict[str, Any]] = field(default_factory=dict)
    email_stats: EmailStats = field(default_factory=EmailStats)
    rendered: object = field(default=None, repr=False, compare=False)  # `render.contact_json`'s, not a field of E-goi


@dataclass
class Tag:
    tag_id: int
    name: str
    color: str
    created: datetime


@dataclass
class SegmentRule:
    """One condition of a saved segment: `segment_field` is a base field name (e.g. `email`)."""

    segment_field: str
    segment_operator: str
    segment_value: str


@dataclass
class SavedSegment:
    segment_id: str
    list_id: int
    name: str
    rules: list[SegmentRule]
    created: datetime
    updated: datetime
    boolean_operator: str = "and"
    invert: bool = False


@dataclass
class Campaign:
    id: int
    campaign_hash: str
    list_id: int
    internal_name: str
    title: str
    created: datetime
    updated: datetime
    status: str = "draft"
    channel: str = "email"
    created_by: int = 1
    group_id: int = 1
    start_date: datetime | None = None
    end_date: datetime | None = None
    schedule_date: datetime | None = None
    processed_messages: int = 0
    sender_id: int | None = None
    reply_to: int | None = None
    html: str = ""
    plain_text: str = ""  # an e-mail's text part, or an SMS campaign's message
    max_messages: int = 1  # SMS: the parts E-goi may split the message into


@dataclass
class Sender:
    """An e-mail sender (From address): `status` is active (validated), moderation (pending) or rejected."""

    sender_id: int
    email: str
    name: str
    status: str = "active"


@dataclass
class CellphoneSender:
    """An SMS sender: a number (`numeric`, '351-300404336') or a name (`alpha_numeric`); `status` as `Sender`."""

    sender_id: int
    cellphone: str
    type: str
    status: str = "active"


@dataclass
class ExtraField:
    """An extra contact field of one list; `options` maps option ids to their English labels."""

    field_id: int
    list_id: int
    name: str
    format: str  # date, text, number, email, options
    options: dict[int, str] = field(default_factory=dict)


@dataclass
class Webhook:
    webhook_id: int
    list_id: int
    url: str
    actions: list[str]
    fields: list[str] = field(default_factory=list)


@dataclass
class Operation:
    """A send in E-goi's operations queue: it waits until `start_date`, then runs and leaves the queue.

    `selection` is the send's validated `segments` object; the recipients are worked out when it runs.
    `scheduled` tells a send with a `schedule_date` from one sent "now" (queued briefly).
    """

    operation_id: int
    campaign_hash: str
    list_id: int
    selection: dict[str, Any]
    created: datetime
    start_date: datetime
    scheduled: bool
    status: str = "queued"  # queued | paused


@dataclass(frozen=True)
class Activity:
    """One thing that happened to a contact, in the order it was recorded (`seq`).

    `domain` is the domain of the contact's e-mail address at the time (for the report's by-domain stats), and
    `network` the mobile network of an SMS's number (for the SMS report's by-network stats).
    """

    seq: int
    action: str
    list_id: int
    contact_id: str
    date: datetime
    campaign_hash: str | None = None
    url: str | None = None
    tag_id: int | None = None
    domain: str = ""
    network: str = ""


class Event(NamedTuple):
    """Something that happens to a contact now: recorded as an activity and posted to the webhooks."""

    action: str
    contact: Contact
    campaign_hash: str | None = None
    url: str | None = None

"""The sandbox's account: its records in memory, and every change that E-goi would make to them.

Endpoints parse and validate requests, then call these methods. A method that changes contacts also
records what happened as the contacts' activities and posts it to the webhooks (see `delivery.py`);
sends go through the operations queue (`queue.py`, `sending.py`).

Time is the sandbox's `clock` (UTC `datetime`s; tests may replace it).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from egoi_mcp.sandbox.budget import HourlyBudget
from egoi_mcp.sandbox.delivery import Post, WebhookDelivery, payload
from egoi_mcp.sandbox.models import (
    Activity,
    Campaign,
    CellphoneSender,
    Contact,
    Event,
    ExtraField,
    MailingList,
    SavedSegment,
    Sender,
    Tag,
    Webhook,
)
from egoi_mcp.sandbox.problems import conflict
from egoi_mcp.sandbox.queue import SendQueue
from egoi_mcp.sandbox.sms_sending import network_of

UNIQUE_FIELD_IN_USE = "A unique field is already being used"
SENT_RECENTLY = timedelta(days=30)
SEND_DELAY = timedelta(seconds=5)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Sandbox:
    """One fake E-goi account. Tests may read (and arrange) its dictionaries directly."""

    def __init__(
        self,
        *,
        deliver: httpx.AsyncClient | None = None,
        max_lists: int = 100,
        clock: Callable[[], datetime] = utc_now,
        send_delay: timedelta = SEND_DELAY,
        rate_limit: int = 5000,
    ) -> None:
        self.budget = HourlyBudget(rate_limit)  # counts every request that reaches the sandbox
        self.lists: dict[int, MailingList] = {}
        self.contacts: dict[str, Contact] = {}
        self.tags: dict[int, Tag] = {}
        self.segments: dict[str, SavedSegment] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.webhooks: dict[int, Webhook] = {}
        self.senders: dict[int, Sender] = {}
        self.cellphone_senders: dict[int, CellphoneSender] = {}
        self.balance = Decimal(0)  # the account's credits: each SMS part sent spends one
        self.extra_fields: dict[tuple[int, int], ExtraField] = {}  # by (list id, field id): ids are per list
        self.activities: list[Activity] = []
        self.files: dict[str, str] = {}  # export and report files by name (`endpoints/bulk.py`)
        self.max_lists = max_lists
        self.clock = clock
        self.delivery = WebhookDelivery(deliver)
        self.queue = SendQueue(self, send_delay)
        self._counters: Counter[str] = Counter()

    # -- time and ids -------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def next_id(self, kind: str) -> int:
        self._counters[kind] += 1
        return self._counters[kind]

    def new_contact_id(self) -> str:
        """Ten lowercase hex characters, derived from a counter: the same run gives the same ids."""
        while True:
            seed = f"egoi-sandbox-contact-{self.next_id('contact')}".encode()
            contact_id = hashlib.sha256(seed).hexdigest()[:10]
            if contact_id not in self.contacts:
                return contact_id

    # -- queries ------------------------------------------------------------------------------------

    def contacts_of(self, list_id: int) -> list[Contact]:
        return [contact for contact in self.contacts.values() if contact.list_id == list_id]

    def find_contact(self, list_id: int, contact_id: str) -> Contact | None:
        contact = self.contacts.get(contact_id.lower())
        return contact if contact is not None and contact.list_id == list_id else None

    def find_by(self, list_id: int, field: str, value: str) -> Contact | None:
        """The contact of a list whose `field` (email, cellphone, phone) equals `value`, ignoring case."""
        wanted = value.casefold()
        for contact in self.contacts_of(list_id):
            if getattr(contact, field).casefold() == wanted:
                return contact
        return None

    # -- lists --------------------------------------------------------------------------------------

    def add_list(self, internal_name: str, public_name: str) -> MailingList:
        if len(self.lists) >= self.max_lists:
            raise conflict(
                "The account cannot have more lists",
                {"list_limit_reached": "The maximum number of allowed lists was reached"},
            )
        now = self.now()
        record = MailingList(self.next_id("list"), internal_name, public_name, created=now, updated=now)
        self.lists[record.list_id] = record
        return record

    def delete_list(self, record: MailingList) -> None:
        if self.queue.pending(list_id=record.list_id):
            raise conflict(
                "The list cannot be deleted while it has queued operations",
                {"has_queued_operations": "The list has queued operations"},
            )
        recent = self.now() - SENT_RECENTLY
        if any(
            c.list_id == record.list_id and c.end_date is not None and c.end_date >= recent
            for c in self.campaigns.values()
        ):
            raise conflict(
                "The list cannot be deleted yet",
                {"has_campaigns_last_thirty_days": "The list has sent campaigns in the last thirty days"},
            )
        del self.lists[record.list_id]
        for table in (self.contacts, self.segments, self.campaigns, self.webhooks, self.extra_fields):
            _drop_list(table, record.list_id)

    # -- contacts -----------------------------------------------------------------------------------

    def add_contact(
        self,
        list_id: int,
        fields: dict[str, Any],
        *,
        traffic: dict[str, dict[str, Any]] | None = None,
        method: str = "api",
    ) -> Contact:
        self._check_unique_email(list_id, fields.get("email", ""))
        now = self.now()
        contact = Contact(
            contact_id=self.new_contact_id(),
            list_id=list_id,
            subscription_date=now,
            change_date=now,
            subscription_method=method,
            traffic=traffic or {},
        )
        _assign(contact, fields)
        self.contacts[contact.contact_id] = contact
        self.emit([Event("subscription", contact)])
        return contact

    def update_contact(self, contact: Contact, fields: dict[str, Any]) -> None:
        """PATCH: only the given fields change."""
        if "email" in fields:
            self._check_unique_email(contact.list_id, fields["email"], besides=contact)
        self.emit([self._change(contact, fields)])

    def update_contacts(self, contacts: Iterable[Contact], fields: dict[str, Any]) -> None:
        """Bulk update: removed contacts are skipped, as E-goi does."""
        self.emit([self._change(contact, fields) for contact in contacts if contact.status != "removed"])

    def set_status(self, contacts: Iterable[Contact], status: str) -> None:
        """Activate or deactivate. Deactivating skips removed contacts; activating brings them back."""
        changed = [
            contact
            for contact in contacts
            if contact.status != status and not (status == "inactive" and contact.status == "removed")
        ]
        self.emit([self._change(contact, {"status": status}) for contact in changed])

    def unsubscribe(self, requests: Iterable[tuple[Contact, str, str, str]]) -> None:
        """Mark contacts removed: (contact, method, reason, observation) each."""
        events: list[Event] = []
        for contact, method, reason, observation in requests:
            _remove(contact, self.now(), method, reason, observation)
            events.append(Event("unsubscribe", contact))
        self.emit(events)

    def forget(self, contacts: Iterable[Contact]) -> None:
        """GDPR erase: the contacts are gone (a later GET answers 404)."""
        contacts = list(contacts)
        self.emit([Event("forget_subscription", contact) for contact in contacts])
        for contact in contacts:
            del self.contacts[contact.contact_id]

    def _check_unique_email(self, list_id: int, email: str, *, besides: Contact | None = None) -> None:
        existing = self.find_by(list_id, "email", email) if email else None
        if existing is not None and existing is not besides:
            raise conflict(
                "A contact with this e-mail address already exists in the list",
                {"unique_field_in_use": UNIQUE_FIELD_IN_USE, "field_id": "email", "contacts": [existing.contact_id]},
            )

    def _change(self, contact: Contact, fields: dict[str, Any]) -> Event:
        was = contact.status
        if fields.get("status") == "removed" and was != "removed":
            _assign(contact, {k: v for k, v in fields.items() if k != "status"})
            _remove(contact, self.now(), "api", "", "")
            return Event("unsubscribe", contact)
        _assign(contact, fields)
        contact.change_date = self.now()
        if was == "removed" and contact.status == "active":
            contact.unsubscription_method = contact.unsubscription_reason = ""
            contact.unsubscription_observation = ""
            contact.unsubscription_date = None
            return Event("resubscription", contact)
        return Event("edit_subscription", contact)

    # -- tags ---------------------------------------------------------------------------------------

    def add_tag(self, name: str, color: str) -> Tag:
        self._check_unique_tag(name)
        tag = Tag(self.next_id("tag"), name, color, created=self.now())
        self.tags[tag.tag_id] = tag
        return tag

    def update_tag(self, tag: Tag, name: str | None, color: str | None) -> None:
        if name is not None:
            self._check_unique_tag(name, besides=tag)
            tag.name = name
        if color is not None:
            tag.color = color

    def delete_tag(self, tag: Tag) -> None:
        del self.tags[tag.tag_id]
        for contact in self.contacts.values():
            contact.tags.discard(tag.tag_id)

    def set_tag(self, contacts: Iterable[Contact], tag_id: int, *, attach: bool) -> None:
        """Attach or detach a tag; each contact it changes gets an `attach_tag`/`detach_tag` activity."""
        now = self.now()
        for contact in contacts:
            if (tag_id in contact.tags) == attach:
                continue
            if attach:
                contact.tags.add(tag_id)
            else:
                contact.tags.discard(tag_id)
            self.record("attach_tag" if attach else "detach_tag", contact, now, tag_id=tag_id)

    def _check_unique_tag(self, name: str, *, besides: Tag | None = None) -> None:
        for tag in self.tags.values():
            if tag is not besides and tag.name.casefold() == name.casefold():
                raise conflict("A tag with this name already exists", {"name_already_exists": "Name already exists"})

    # -- webhooks -----------------------------------------------------------------------------------

    def add_webhook(self, list_id: int, url: str, actions: list[str], fields: list[str]) -> Webhook:
        hook = Webhook(self.next_id("webhook"), list_id, url, actions, fields)
        self.webhooks[hook.webhook_id] = hook
        return hook

    def delete_webhook(self, hook: Webhook) -> None:
        del self.webhooks[hook.webhook_id]

    # -- what happens to contacts -------------------------------------------------------------------

    def emit(self, events: list[Event]) -> None:
        """Record each event as an activity of its contact, and post it to the webhooks listening for it."""
        now = self.now()
        posts: list[Post] = []
        for action, contact, campaign_hash, url in events:
            self.record(action, contact, now, campaign_hash=campaign_hash, url=url)
            for hook in self.webhooks.values():
                if hook.list_id == contact.list_id and action in hook.actions:
                    body = payload(
                        action, contact, event_date=now, campaign_hash=campaign_hash, url=url, fields=hook.fields
                    )
                    posts.append((hook.url, body))
        self.delivery.submit(posts)

    def record(
        self,
        action: str,
        contact: Contact,
        date: datetime,
        *,
        campaign_hash: str | None = None,
        url: str | None = None,
        tag_id: int | None = None,
    ) -> None:
        """Add an activity to the contact's timeline (and so to its campaign's report)."""
        domain = contact.email.rpartition("@")[2].lower()
        network = network_of(contact.cellphone) if action.startswith("sms_") else ""
        self.activities.append(
            Activity(
                len(self.activities) + 1,
                action,
                contact.list_id,
                contact.contact_id,
                date,
                campaign_hash=campaign_hash,
                url=url,
                tag_id=tag_id,
                domain=domain,
                network=network,
            )
        )

    # -- lifecycle ----------------------------------------------------------------------------------

    async def drain(self) -> None:
        """Run the sends queued briefly (not the scheduled ones) now, then wait for every webhook delivery."""
        self.queue.run_due(flush=True)
        await self.delivery.drain()

    async def aclose(self) -> None:
        """Stop the queue's timers, wait for the deliveries, and close the delivery client if the sandbox made it."""
        self.queue.close()
        await self.delivery.aclose()


def _drop_list(table: dict[Any, Any], list_id: int) -> None:
    for key in [key for key, value in table.items() if value.list_id == list_id]:
        del table[key]


def _assign(contact: Contact, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name == "extra":  # field id -> its value, or None to clear it
            contact.extra.update(value)
            contact.extra = {i: v for i, v in contact.extra.items() if v is not None}
        else:
            setattr(contact, name, value)


def _remove(contact: Contact, now: datetime, method: str, reason: str, observation: str) -> None:
    contact.status = "removed"
    contact.unsubscription_method = method
    contact.unsubscription_reason = reason
    contact.unsubscription_observation = observation
    contact.unsubscription_date = now
    contact.change_date = now

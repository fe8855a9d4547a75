"""What the sandbox's background operations do: import-bulk, export and advanced reports.

An import applies its contacts at once (mode `add`, `update` or `update_only`, matched by e-mail): each valid
contact is created or updated, each invalid one counted; its callback names a file of the invalid ones' reasons. An
export or report writes a CSV file (kept in `Sandbox.files`, served at `/files/{name}`) and calls back
`{"file": url}` after the 202 answer, as E-goi does: asynchronously.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from egoi_mcp.sandbox.contact_fields import ALL_STATUSES
from egoi_mcp.sandbox.extra_fields import contact_fields
from egoi_mcp.sandbox.models import Contact, Event
from egoi_mcp.sandbox.problems import ApiError
from egoi_mcp.sandbox.state import Sandbox

__all__ = ["Imported", "contacts_csv", "import_contacts", "keep_file", "reasons_csv", "report_csv"]

_COLUMNS = ("contact_id", "email", "first_name", "last_name", "cellphone", "status")


@dataclass
class Imported:
    """E-goi's `ImportContactsWebhookData` counts, and the reasons of the invalid rows (the sandbox's own)."""

    imported: int = 0
    updated: int = 0
    ignored: int = 0
    invalid: int = 0
    reasons: list[tuple[int, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"imported": self.imported, "updated": self.updated, "ignored": self.ignored, "invalid": self.invalid}


def import_contacts(sandbox: Sandbox, list_id: int, contacts: list[Any], mode: str) -> Imported:
    """Apply one import-bulk request; one pass over the list (an e-mail index), events emitted together."""
    by_email = {c.email.casefold(): c for c in sandbox.contacts_of(list_id) if c.email}
    result = Imported()
    events: list[Event] = []
    for number, entry in enumerate(contacts, start=1):
        try:
            fields = contact_fields(sandbox, list_id, entry if isinstance(entry, dict) else {"base": None},
                                    statuses=ALL_STATUSES, editable_consent=False)  # fmt: skip
        except ApiError as exc:
            result.invalid += 1
            result.reasons.append((number, str(exc.errors or exc.detail)))
            continue
        email = str(fields.get("email") or "").casefold()
        if not email:
            result.invalid += 1
            result.reasons.append((number, "no e-mail address"))
            continue
        existing = by_email.get(email)
        if existing is not None and mode in ("update", "update_only"):
            sandbox.update_contacts([existing], {k: v for k, v in fields.items() if k != "email"})
            result.updated += 1
        elif existing is None and mode in ("add", "update"):
            contact = _new_contact(sandbox, list_id, fields)
            by_email[email] = contact
            events.append(Event("subscription", contact))
            result.imported += 1
        else:
            result.ignored += 1
    sandbox.emit(events)
    return result


def _new_contact(sandbox: Sandbox, list_id: int, fields: dict[str, Any]) -> Contact:
    now = sandbox.now()
    contact = Contact(contact_id=sandbox.new_contact_id(), list_id=list_id, subscription_date=now, change_date=now,
                      subscription_method="imported")  # fmt: skip
    for name, value in fields.items():
        if name == "extra":
            contact.extra = {i: v for i, v in value.items() if v is not None}
        else:
            setattr(contact, name, value)
    sandbox.contacts[contact.contact_id] = contact
    return contact


def reasons_csv(result: Imported) -> str:
    """The invalid contacts of an import, by position and reason (the file its callback names)."""
    return _csv(("contact", "reason"), result.reasons)


def contacts_csv(contacts: Iterable[Contact]) -> str:
    return _csv(_COLUMNS, ([getattr(c, name) for name in _COLUMNS] for c in contacts))


def report_csv(sandbox: Sandbox, kind: str, lists: list[int], start: date, end: date) -> str:
    """An advanced report of `lists` over the days `start` to `end`: one row per matching activity."""
    action = {"sends": "email_send", "subscriptions": "subscription", "unsubscriptions": "unsubscribe"}[kind]
    rows = (
        [a.date.strftime("%Y-%m-%d %H:%M:%S"), a.list_id, a.contact_id, _email(sandbox, a.contact_id), a.action]
        for a in sandbox.activities
        if a.action == action and a.list_id in lists and start <= a.date.date() <= end
    )
    return _csv(("date", "list_id", "contact_id", "email", "action"), rows)


def keep_file(sandbox: Sandbox, text: str, base_url: str) -> str:
    """Keep `text` as a file of the sandbox; its URL (unguessable, served without the API key)."""
    name = f"{secrets.token_hex(12)}.csv"
    sandbox.files[name] = text
    return f"{base_url.rstrip('/')}/files/{name}"


def _email(sandbox: Sandbox, contact_id: str) -> str:
    contact = sandbox.contacts.get(contact_id)
    return contact.email if contact is not None else ""


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def day(value: Any) -> date | None:
    """A report range's bound (`YYYY-MM-DD`, or a date-time whose day is taken), or None when it is neither."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).date() if "T" in value or " " in value else date.fromisoformat(value)
    except ValueError:
        return None

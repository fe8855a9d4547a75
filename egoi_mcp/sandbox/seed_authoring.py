"""Demo data for writing campaigns and contacts' own fields: two e-mail senders (one validated, one pending)
and each list's extra fields (a text, an options, a date and a number field; ids are per list)."""

from __future__ import annotations

from egoi_mcp.sandbox.models import ExtraField, Sender
from egoi_mcp.sandbox.state import Sandbox

SENDERS = [
    ("news@acme.example", "Acme Weekly", "active"),
    ("promo@acme.example", "Acme Promotions", "moderation"),
]

PLANS = {1: "Bronze", 2: "Silver", 3: "Gold"}

# name, format, options
EXTRA_FIELDS = [
    ("city", "text", {}),
    ("plan", "options", PLANS),
    ("renewal_date", "date", {}),
    ("score", "number", {}),
]


def seed_authoring(sandbox: Sandbox) -> None:
    for email, name, status in SENDERS:
        sender = Sender(sandbox.next_id("sender"), email, name, status)
        sandbox.senders[sender.sender_id] = sender
    for list_id in sandbox.lists:
        for field_id, (name, format_, options) in enumerate(EXTRA_FIELDS, start=1):
            sandbox.extra_fields[list_id, field_id] = ExtraField(field_id, list_id, name, format_, dict(options))

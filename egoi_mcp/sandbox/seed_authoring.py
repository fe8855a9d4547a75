"""Demo data for writing campaigns and contacts' own fields: two e-mail senders and two SMS senders (one
validated, one pending, each), the account's balance (SMS credits), and each list's extra fields (a text, an
options, a date and a number field; ids are per list)."""

from __future__ import annotations

from decimal import Decimal

from egoi_mcp.sandbox.models import CellphoneSender, ExtraField, Sender
from egoi_mcp.sandbox.state import Sandbox

SENDERS = [
    ("news@acme.example", "Acme Weekly", "active"),
    ("promo@acme.example", "Acme Promotions", "moderation"),
]

CELLPHONE_SENDERS = [("351-300404336", "numeric", "active"), ("AcmePromo", "alpha_numeric", "moderation")]
BALANCE = Decimal("50")

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
    for cellphone, kind, status in CELLPHONE_SENDERS:
        number = sandbox.next_id("cellphone_sender")
        sandbox.cellphone_senders[number] = CellphoneSender(number, cellphone, kind, status)
    sandbox.balance = BALANCE
    for list_id in sandbox.lists:
        for field_id, (name, format_, options) in enumerate(EXTRA_FIELDS, start=1):
            sandbox.extra_fields[list_id, field_id] = ExtraField(field_id, list_id, name, format_, dict(options))

"""Who an SMS send reaches, what it costs, and what happens when it runs.

A send's `segments` selects the whole list, segments of it, or one contact by cellphone (`{"type": "contact",
"data": "351-912345678"}`); only active contacts with a cellphone whose cellphone channel is active receive it.
Each costs one credit per message part (`egoi_mcp.sms.sms_length` of the campaign's message), taken from the
account's balance when the send runs; a send whose cost is over the balance is refused when asked for (422
`insufficient_balance`), and nothing is queued.

`run` sends: each recipient gets `sms_send`, then `sms_delivered` unless its network fails it (one in ten,
decided by the campaign and contact, so a run is reproducible). Both are activities and webhook events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from egoi_mcp.sandbox.models import Campaign, Contact, Event
from egoi_mcp.sandbox.params import PHONE
from egoi_mcp.sandbox.problems import invalid
from egoi_mcp.sandbox.sending import check_selection, selected
from egoi_mcp.sms import sms_length

if TYPE_CHECKING:
    from egoi_mcp.sandbox.state import Sandbox

_NETWORKS = {"351-91": "Vodafone", "351-92": "Vodafone", "351-93": "NOS", "351-96": "MEO"}


def network_of(cellphone: str) -> str:
    """The mobile network a number belongs to, by its prefix (Portuguese ones known; others are "Other")."""
    return _NETWORKS.get(cellphone[:6], "Other") if cellphone else ""


def check(sandbox: Sandbox, campaign: Campaign, list_id: int, selection: Any) -> dict[str, Any]:
    """The selection, validated against the list as it is now, and the send's cost against the balance; 422
    on `segments` when it cannot be sent, on `insufficient_balance` when the account cannot pay for it."""
    data = check_selection(sandbox, list_id, selection)
    if selection["type"] == "contact":
        if not isinstance(data, str) or not PHONE.match(data):
            raise invalid({"segments": "data must be the contact's cellphone, e.g. 351-912345678"})
        contact = sandbox.find_by(list_id, "cellphone", data)
        if contact is None or contact.status != "active":
            raise invalid({"segments": f"No active contact with this cellphone in list {list_id}"})
    checked = {"type": selection["type"], **({"data": data} if data is not None else {})}
    to = recipients(sandbox, list_id, checked)
    if not to:
        raise invalid({"segments": "Nobody to send to: the selection has no active contact with a cellphone"})
    cost = cost_of(campaign, len(to))
    if cost > sandbox.balance:
        raise invalid({"insufficient_balance": f"The send costs {cost} credits and the balance is {sandbox.balance}"})
    return checked


def recipients(sandbox: Sandbox, list_id: int, selection: dict[str, Any]) -> list[Contact]:
    """The active contacts with an active cellphone that a (checked) selection reaches now, each once."""
    chosen = selected(sandbox, list_id, selection, "cellphone")
    return [c for c in chosen if c.status == "active" and c.cellphone and c.cellphone_status == "active"]


def cost_of(campaign: Campaign, recipients: int) -> Decimal:
    return Decimal(recipients * max(sms_length(campaign.plain_text).parts, 1))


def run(sandbox: Sandbox, campaign: Campaign, to: Sequence[Contact]) -> None:
    """Send `campaign` to `to` now: the balance, the campaign's status and the events (see the docstring)."""
    now = sandbox.now()
    sends = [Event("sms_send", contact, campaign.campaign_hash) for contact in to]
    delivered = [Event("sms_delivered", c, campaign.campaign_hash) for c in to if not _fails(campaign, c)]
    sandbox.balance = max(sandbox.balance - cost_of(campaign, len(to)), Decimal(0))
    campaign.status = "sent"
    campaign.start_date = campaign.start_date or now
    campaign.end_date = campaign.updated = now
    campaign.processed_messages += len(sends)
    sandbox.emit(sends + delivered)


def _fails(campaign: Campaign, contact: Contact) -> bool:
    return hashlib.sha256(f"{campaign.campaign_hash}:{contact.contact_id}".encode()).digest()[0] % 10 == 0

"""What the recipients of an e-mail do, simulated repeatably from a hash of campaign and contact.

About one recipient in eight soft-bounces (the message never arrives, so nothing else happens). Of
the others, a quarter open the e-mail twice and click one of its links, a quarter open it once, and
half do nothing. The same campaign and contact always give the same outcome.

Every campaign has the same three links, tagged with its hash; a clicker clicks one of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

_PAGES = ("news", "shop", "events")


@dataclass(frozen=True)
class Outcome:
    bounced: bool
    opens: int  # 0, 1 or 2
    click: str | None  # the URL clicked, if any
    open_after: timedelta  # how long after the send the first open happens (for the seeded history)


def links(campaign_hash: str) -> tuple[str, ...]:
    return tuple(f"https://www.example.com/acme/{page}?utm_campaign={campaign_hash}" for page in _PAGES)


def outcome(campaign_hash: str, contact_id: str) -> Outcome:
    digest = hashlib.sha256(f"{campaign_hash}:{contact_id}".encode()).digest()
    after = timedelta(minutes=20 + digest[3] * 15)  # within about 2.7 days
    if digest[0] % 8 == 0:
        return Outcome(bounced=True, opens=0, click=None, open_after=after)
    bucket = digest[1] % 4
    if bucket == 0:
        return Outcome(False, 2, links(campaign_hash)[digest[2] % len(_PAGES)], after)
    return Outcome(False, 1 if bucket == 1 else 0, None, after)

"""Webhook delivery: the sandbox POSTs an event to every webhook registered for its list and action.

E-goi does not publish what it sends, so this shape is the sandbox's own (egoi-mcp's receiver is
tolerant of others). Each delivery is one unsigned `POST` of `application/json`:

    {
      "action": "subscription",              # an E-goi webhook action (WebhookActionSchema)
      "list_id": 1,
      "contact_id": "8f3a27ef26",
      "email": "ana.silva@example.com",
      "campaign_hash": null,                 # the campaign's hash for email_send/email_open/email_click
      "event_date": "2025-05-01 10:20:30",   # UTC
      "delivery_id": "5f0c9c1e6b7a4d2e9a3b8c7d6e5f4a3b",   # unique per delivery
      "contact": {"contact_id": "8f3a27ef26", "email": "...", "first_name": "Ana", "last_name": "Silva",
                  "cellphone": "351-912345678", "status": "active"}
    }

`contact` also carries any base field named in the webhook's `fields` (e.g. `language`). An
`email_click` also carries `"url"`: the link clicked.

What triggers what: a created contact -> `subscription`; `actions/unsubscribe` (or a bulk update to
`removed`) -> `unsubscribe`; `actions/forget` -> `forget_subscription` (with the contact as it was);
PATCH, bulk update, activate, deactivate -> `edit_subscription` (`resubscription` when a removed contact
becomes active again); an e-mail send, when it runs (see `queue.py`) -> `email_send` per recipient, then
per recipient what `engagement.py` simulates: `email_soft_bounce` for about one in eight, else `email_open`
(twice for a quarter of them, once for another quarter) and `email_click` for the twice-openers, chosen by
a hash of campaign and contact so that a run is repeatable. Every event is also recorded as an activity
of its contact, whether or not a webhook listens: reports and timelines count exactly these.

Deliveries run as background tasks, one per API call, posting that call's events in order; they never
delay or fail the API response. Failures are logged at DEBUG on `egoi_mcp.sandbox` and not retried.
`drain()` waits for every pending delivery.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from datetime import datetime
from typing import Any

import httpx

from egoi_mcp.sandbox.models import Contact
from egoi_mcp.sandbox.render import stamp

logger = logging.getLogger("egoi_mcp.sandbox")

Post = tuple[str, dict[str, Any]]

# Contact fields a webhook's `fields` may add to the payload's `contact`.
_EXTRA_FIELDS = frozenset(f.name for f in dataclasses.fields(Contact) if f.type == "str")


def payload(
    action: str,
    contact: Contact,
    *,
    event_date: datetime,
    campaign_hash: str | None = None,
    url: str | None = None,
    fields: list[str] | tuple[str, ...] = (),
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "contact_id": contact.contact_id,
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "cellphone": contact.cellphone,
        "status": contact.status,
    }
    for name in fields:
        if name in _EXTRA_FIELDS and name not in summary:
            summary[name] = getattr(contact, name)
    body = {
        "action": action,
        "list_id": contact.list_id,
        "contact_id": contact.contact_id,
        "email": contact.email,
        "campaign_hash": campaign_hash,
        "event_date": stamp(event_date),
        "delivery_id": uuid.uuid4().hex,
        "contact": summary,
    }
    if url is not None:
        body["url"] = url
    return body


class WebhookDelivery:
    """Posts batches of events in the background, with `client` (a default one is made when needed)."""

    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        self._client = client
        self._owns_client = client is None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def submit(self, posts: list[Post]) -> None:
        """Start delivering `posts` (url, body) in order; returns at once."""
        if not posts:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a change made outside the app (a test arranging data): nothing can deliver
            logger.debug("no running event loop: %d webhook deliveries dropped", len(posts))
            return
        task = loop.create_task(self._post_all(posts))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        await self.drain()
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _post_all(self, posts: list[Post]) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0)
        for url, body in posts:
            try:
                response = await self._client.post(url, json=body)
            except Exception as exc:
                logger.debug("webhook delivery %s to %s failed: %r", body.get("delivery_id"), _origin(url), exc)
                continue
            if response.is_error:
                logger.debug(
                    "webhook delivery %s to %s answered HTTP %d",
                    body.get("delivery_id"),
                    _origin(url),
                    response.status_code,
                )


def _origin(url: str) -> str:
    """Scheme and host only: webhook URLs often carry a secret in the path or query."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode()}"

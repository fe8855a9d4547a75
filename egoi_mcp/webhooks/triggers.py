"""The one trigger vocabulary: our canonical names, E-goi's webhook actions, and the other names we accept.

Tools take `TriggerName` (and `EventTriggerName`, which adds `other`) as their argument types, so the names
in a tool's JSON schema are these; tests/test_webhook_parser.py checks that the `Literal` and the table agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "OTHER",
    "TRIGGERS",
    "EventTriggerName",
    "Trigger",
    "TriggerName",
    "canonical_trigger",
    "egoi_actions",
]

TriggerName = Literal[
    "new_subscriber", "new_unsubscriber", "email_opened", "email_clicked", "email_hard_bounced",
    "email_soft_bounced", "email_sent",
]  # fmt: skip
"""A canonical trigger name: what `egoi_register_webhook` takes."""

OTHER: Final = "other"
"""The trigger of a delivery whose action is none of ours; its action name is kept."""

EventTriggerName = Literal[TriggerName, "other"]
"""A stored event's trigger: a canonical name, or `other`."""


@dataclass(frozen=True)
class Trigger:
    """One webhook trigger: our canonical name, E-goi's action name, and the other names we accept for it."""

    name: TriggerName
    action: str
    seed_name: str
    aliases: tuple[str, ...] = ()


TRIGGERS: Final[dict[str, Trigger]] = {
    t.name: t
    for t in (
        Trigger("new_subscriber", "subscription", "New Subscriber", ("subscribe",)),
        Trigger("new_unsubscriber", "unsubscribe", "New Unsubscriber"),
        Trigger("email_opened", "email_open", "Opened Email"),
        Trigger("email_clicked", "email_click", "Clicked Email", ("email_link",)),
        Trigger("email_hard_bounced", "email_hard_bounce", "Hard Bounced Email", ("bounce_hard",)),
        Trigger("email_soft_bounced", "email_soft_bounce", "Soft Bounced Email", ("bounce_soft",)),
        Trigger("email_sent", "email_send", "Send Email", ("send_email",)),
    )
}


def _normalize_name(name: str) -> str:
    """`"Hard Bounced Email"`, `"hard-bounced-email"` and `"HARD_BOUNCED_EMAIL"` all read the same."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


_BY_NAME: Final[dict[str, str]] = {
    _normalize_name(name): trigger.name
    for trigger in TRIGGERS.values()
    for name in (trigger.name, trigger.action, trigger.seed_name, *trigger.aliases)
}


def canonical_trigger(action: str | None) -> str:
    """The canonical trigger for an action name (E-goi's, an alias, or the seed's human name); else `other`."""
    if not action:
        return OTHER
    return _BY_NAME.get(_normalize_name(action), OTHER)


def egoi_actions(triggers: Iterable[str]) -> list[str]:
    """E-goi's action names for canonical trigger names, in order and without repeats, to register a webhook.

    Raises ValueError naming the valid triggers when one is unknown.
    """
    actions: list[str] = []
    for name in triggers:
        trigger = TRIGGERS.get(name.strip().lower()) if isinstance(name, str) else None
        if trigger is None:
            raise ValueError(f"unknown trigger {name!r}: use one of {', '.join(TRIGGERS)}")
        if trigger.action not in actions:
            actions.append(trigger.action)
    return actions

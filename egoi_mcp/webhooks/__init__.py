"""E-goi's webhooks: the trigger vocabulary, the tolerant delivery parser, the receiver routes, the URL secret.

`triggers` and `parser` are pure and re-exported here. The receiver (`egoi_mcp.webhooks.receiver`) and the
secret (`egoi_mcp.webhooks.secret`) use the store, and are imported from their modules: the store imports
this package (for `ParsedDelivery`), so this package must not import the store.
"""

from egoi_mcp.webhooks.parser import MalformedDelivery, ParsedDelivery, parse_delivery
from egoi_mcp.webhooks.triggers import (
    OTHER,
    TRIGGERS,
    EventTriggerName,
    Trigger,
    TriggerName,
    canonical_trigger,
    egoi_actions,
)

__all__ = [
    "OTHER",
    "TRIGGERS",
    "EventTriggerName",
    "MalformedDelivery",
    "ParsedDelivery",
    "Trigger",
    "TriggerName",
    "canonical_trigger",
    "egoi_actions",
    "parse_delivery",
]

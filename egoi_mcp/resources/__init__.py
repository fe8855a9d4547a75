"""MCP resources: E-goi's webhook events, live."""

from egoi_mcp.resources.events import RESOURCE_LIMIT, RESOURCE_TRIGGERS, register_event_resources
from egoi_mcp.resources.notifier import EVENT_URI, RECENT_URI, TRIGGER_URI, EventNotifier, affected_uris

__all__ = [
    "EVENT_URI",
    "RECENT_URI",
    "RESOURCE_LIMIT",
    "RESOURCE_TRIGGERS",
    "TRIGGER_URI",
    "EventNotifier",
    "affected_uris",
    "register_event_resources",
]

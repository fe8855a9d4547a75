"""MCP resources: E-goi's webhook events, live; the prompts and the one completion handler."""

from egoi_mcp.resources.events import RESOURCE_LIMIT, RESOURCE_TRIGGERS, register_event_resources
from egoi_mcp.resources.jobs import register_job_resources
from egoi_mcp.resources.notifier import EVENT_URI, RECENT_URI, TRIGGER_URI, EventNotifier, affected_uris
from egoi_mcp.resources.prompts import PROMPTS, register_prompts

__all__ = [
    "EVENT_URI",
    "PROMPTS",
    "RECENT_URI",
    "RESOURCE_LIMIT",
    "RESOURCE_TRIGGERS",
    "TRIGGER_URI",
    "EventNotifier",
    "affected_uris",
    "register_event_resources",
    "register_job_resources",
    "register_prompts",
]

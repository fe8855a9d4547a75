"""Text written by strangers stays data: where it is, and how a sentence of ours may quote it.

Every name, subject, contact field and webhook payload in an E-goi account can be written by someone else (a
subscriber typing their own name into a form, a colleague, an integration). Three rules hold it in place:

- a result that carries such text says so, in `_meta[UNTRUSTED_META]`: the paths of its third-party fields
  (`THIRD_PARTY`, one table, read through `untrusted_paths`);
- a sentence the server writes (a preview's summary, the question the human is asked, a prompt, an error)
  quotes such text only through `quote`: a JSON string, cut to `QUOTE_CHARS`, without control, bidi or
  zero-width characters, so it can neither break out of its quotes nor hide what it says;
- `EGOI_MCP_USER_CONTENT=hide` leaves the free-text fields (`FREE_TEXT`) out of results altogether.
"""

from __future__ import annotations

import json
import re
import typing
from typing import Any, Final

__all__ = [
    "FREE_TEXT", "QUOTE_CHARS", "THIRD_PARTY", "UNTRUSTED_META", "clean", "free_text", "quote", "untrusted_paths",
]  # fmt: skip

UNTRUSTED_META: Final = "io.egoi-mcp/untrusted"
QUOTE_CHARS: Final = 80

# Each output model: the fields whose text somebody other than the user and this server wrote.
THIRD_PARTY: Final[dict[str, tuple[str, ...]]] = {
    "SavedContact": ("email", "tags[].name"),
    "Contact": ("email", "first_name", "last_name", "tags[].name", "fields"),
    "TagRef": ("name",),
    "MailingList": ("name", "description"),
    "Tag": ("name",),
    "Campaign": ("name", "subject"),
    "CampaignDetail": ("name", "subject", "sender", "content.links", "html"),
    "Sender": ("name", "email", "cellphone"),
    "SmsCampaign": ("name", "sender", "text"),
    "ListField": ("name", "options"),
    "Segment": ("name",),
    "Webhook": ("url",),
    "CampaignReport": ("name", "summary", "top_links[].url", "sms.by_network[].network"),
    "ReportWithReactions": (
        "name",
        "summary",
        "top_links[].url",
        "sms.by_network[].network",
        "reacted.contacts[].email",
        "reacted.contacts[].contact_id",
    ),
    "Activity": ("campaign_name", "detail"),
    "Operation": ("campaign_name",),
    "EventSummary": ("email", "campaign_name", "contact_id", "campaign_id"),  # a delivery's ids are any text
    "Event": ("email", "campaign_name", "contact_id", "campaign_id", "action", "payload"),
    "ActionResult": ("summary",),
    "JobView": ("summary", "errors", "failure"),
    "EventPage": ("items[].email", "items[].campaign_name", "items[].contact_id", "items[].campaign_id"),
}
# Free text as such (not a name that identifies something): left out with EGOI_MCP_USER_CONTENT=hide.
FREE_TEXT: Final[dict[str, tuple[str, ...]]] = {
    "Event": ("payload",), "Activity": ("detail",), "Contact": ("fields",), "CampaignDetail": ("html",),
}  # fmt: skip

# Control characters, bidi embeddings/overrides/isolates and marks, zero-width characters and the BOM.
_HIDDEN: Final = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean(text: str) -> str:
    """`text` without the characters that hide or reorder what it says (newlines and tabs become spaces)."""
    return _HIDDEN.sub(lambda m: " " if m.group() in "\t\n\r" else "", text)


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """Third-party `value` as a JSON string a sentence of ours may carry: cleaned, and cut with an ellipsis."""
    text = clean("" if value is None else str(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


def untrusted_paths(annotation: Any) -> list[str]:
    """The third-party field paths of a tool's output type (a model, or a `Page` of one): `items[].name`."""
    name, item = _model_name(annotation), None
    if name == "Page":
        item = _model_name(_page_item(annotation))
        return [f"items[].{path}" for path in THIRD_PARTY.get(item or "", ())]
    return list(THIRD_PARTY.get(name or "", ()))


def free_text(annotation: Any) -> dict[str, Any] | None:
    """A pydantic `exclude` spec leaving out the free-text fields of a tool's output type (None: it has none)."""
    if _model_name(annotation) == "Page":
        fields = FREE_TEXT.get(_model_name(_page_item(annotation)) or "", ())
        return {"items": {"__all__": set(fields)}} if fields else None
    fields = FREE_TEXT.get(_model_name(annotation) or "", ())
    return dict.fromkeys(fields, True) if fields else None


def _model_name(annotation: Any) -> str | None:
    origin = getattr(annotation, "__pydantic_generic_metadata__", {}).get("origin")
    target = origin or typing.get_origin(annotation) or annotation
    return getattr(target, "__name__", None)


def _page_item(annotation: Any) -> Any:
    args = getattr(annotation, "__pydantic_generic_metadata__", {}).get("args") or typing.get_args(annotation)
    return args[0] if args else None

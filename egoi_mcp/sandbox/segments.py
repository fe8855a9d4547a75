"""Segments of a list, and who is in them. Membership is computed on every read, so it is always live.

Segment ids (E-goi's format is not published; these are the sandbox's):

- `auto_1` "All active contacts" (status active) and `auto_2` "Opened an e-mail" (active, opened at
  least one campaign): the same two automatic segments in every list.
- `seg_<n>`: a saved segment, `n` unique across the account. It keeps a `segment_filter` over base
  fields (operators `equal_to`, `not_equal_to`, `contains`, `does_not_contain`, `begins_with`,
  `ends_with`, `greater_*`/`less_*`, `date_range` with `"YYYY-MM-DD,YYYY-MM-DD"`), compared without case.
- `tag_<tag_id>`: the contacts of the list that carry the tag. A list's segment listing shows the tags its
  contacts use; every existing tag can be read as a segment of any list (empty when unused).

Membership includes removed contacts; the contacts-by-segment endpoint hides them unless `show_removed`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from egoi_mcp.sandbox.models import Contact, SavedSegment, SegmentRule
from egoi_mcp.sandbox.render import stamp

if TYPE_CHECKING:
    from egoi_mcp.sandbox.state import Sandbox

SEGMENT_TYPES = ("auto", "saved", "tag")

_Comparable = TypeVar("_Comparable", float, str)

OPERATORS = (
    "equal_to",
    "not_equal_to",
    "greater_or_equal_to",
    "greater_than",
    "less_or_equal_to",
    "less_than",
    "contains",
    "does_not_contain",
    "begins_with",
    "ends_with",
    "date_range",
)

# The base fields a saved segment's rules can test.
FILTER_FIELDS = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "cellphone",
        "phone",
        "birth_date",
        "language",
        "status",
        "subscription_date",
        "subscription_method",
        "consent",
    }
)

_AUTO: dict[str, tuple[str, Callable[[Contact], bool]]] = {
    "auto_1": ("All active contacts", lambda c: c.status == "active"),
    "auto_2": ("Opened an e-mail", lambda c: c.status == "active" and c.email_stats.opens > 0),
}


def catalogue(sandbox: Sandbox, list_id: int) -> list[dict[str, Any]]:
    """Every segment of a list, as the spec's `AutomaticSegment`/`SavedSegment`/`TagSegment`."""
    items: list[dict[str, Any]] = [
        {"segment_id": segment_id, "name": name, "type": "auto"} for segment_id, (name, _) in _AUTO.items()
    ]
    items += [_saved(segment) for segment in sandbox.segments.values() if segment.list_id == list_id]
    used = {tag_id for contact in sandbox.contacts_of(list_id) for tag_id in contact.tags}
    for tag_id in sorted(used & sandbox.tags.keys()):
        tag = sandbox.tags[tag_id]
        created = stamp(tag.created)
        items.append(
            {"segment_id": f"tag_{tag_id}", "name": tag.name, "type": "tag", "created": created, "updated": created}
        )
    return items


def members(sandbox: Sandbox, list_id: int, segment_id: str) -> list[Contact] | None:
    """The contacts of a segment of a list, or None when the list has no such segment."""
    contacts = sandbox.contacts_of(list_id)
    if segment_id in _AUTO:
        _, rule = _AUTO[segment_id]
        return [contact for contact in contacts if rule(contact)]
    saved = sandbox.segments.get(segment_id)
    if saved is not None and saved.list_id == list_id:
        return [contact for contact in contacts if matches(saved, contact)]
    prefix, _, raw_tag_id = segment_id.partition("_")
    if prefix == "tag" and raw_tag_id.isdigit() and int(raw_tag_id) in sandbox.tags:
        return [contact for contact in contacts if int(raw_tag_id) in contact.tags]
    return None


def matches(segment: SavedSegment, contact: Contact) -> bool:
    results = [_holds(rule, contact) for rule in segment.rules]
    combined = any(results) if segment.boolean_operator == "or" else all(results)
    return combined != segment.invert


def _holds(rule: SegmentRule, contact: Contact) -> bool:
    if rule.segment_field not in FILTER_FIELDS:
        return False
    raw = getattr(contact, rule.segment_field)
    actual = (stamp(raw) if isinstance(raw, datetime) else str(raw)).casefold()
    expected = rule.segment_value.casefold()
    match rule.segment_operator:
        case "equal_to":
            return actual == expected
        case "not_equal_to":
            return actual != expected
        case "contains":
            return expected in actual
        case "does_not_contain":
            return expected not in actual
        case "begins_with":
            return actual.startswith(expected)
        case "ends_with":
            return actual.endswith(expected)
        case "date_range":
            start, _, end = expected.partition(",")
            return bool(actual) and start.strip() <= actual[:10] <= (end.strip() or "9999-12-31")
        case operator:
            return _compare(operator, actual, expected)


def _compare(operator: str, actual: str, expected: str) -> bool:
    """Numbers compare as numbers, anything else as text."""
    try:
        return _ordered(operator, float(actual), float(expected))
    except ValueError:
        return _ordered(operator, actual, expected)


def _ordered(operator: str, left: _Comparable, right: _Comparable) -> bool:
    match operator:
        case "greater_or_equal_to":
            return left >= right
        case "greater_than":
            return left > right
        case "less_or_equal_to":
            return left <= right
        case "less_than":
            return left < right
    return False


def _saved(segment: SavedSegment) -> dict[str, Any]:
    return {
        "segment_id": segment.segment_id,
        "name": segment.name,
        "type": "saved",
        "created": stamp(segment.created),
        "updated": stamp(segment.updated),
        "segment_filter": {
            "segment_filter_array": [
                {
                    "segment_field": rule.segment_field,
                    "segment_operator": rule.segment_operator,
                    "segment_value": rule.segment_value,
                }
                for rule in segment.rules
            ],
            "boolean_operator": segment.boolean_operator,
            "invert": segment.invert,
        },
    }

"""The tolerant parser of E-goi's webhook deliveries: pure, no web framework.

The exact body E-goi posts is not published: the parser looks for each field in the usual places, accepts
JSON and form encodings, and always keeps the payload as received, so a shape we did not foresee still ends
up stored (as trigger `other` if need be).
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl

from egoi_mcp._dates import parse_datetime
from egoi_mcp.webhooks.triggers import canonical_trigger

__all__ = ["MalformedDelivery", "ParsedDelivery", "parse_delivery"]

_MAX_DEPTH = 32  # deeper payloads are not E-goi's, and would trip recursion limits when re-serialized
_MAX_FORM_FIELDS = 2000
_MAX_WRAPPERS = 8
_INT64_MAX = 2**63 - 1
_T = TypeVar("_T")


class MalformedDelivery(ValueError):
    """The body is not a JSON object or a form we can read. The receiver answers 400 and stores nothing."""


@dataclass(frozen=True)
class ParsedDelivery:
    """What we understood of one delivery. `payload` is the whole body, decoded, whatever else it holds."""

    trigger: str
    action: str | None
    list_id: int | None
    contact_id: str | None
    email: str | None
    campaign_id: str | None
    occurred_at: datetime | None
    payload: dict[str, Any] = field(repr=False)
    delivery_id: str | None = None
    """E-goi's (or the sandbox's) id for this delivery when the body carries one: retries share it."""


# Where each field may be. The body itself and its wrappers (`data`, `payload`, an `event` object) are searched
# in that order; then the contact inside each (`contact`, `contact.base`, `base`); then the campaign.
_WRAPPER_KEYS = ("data", "payload", "event")
_ACTION_KEYS = ("action", "event", "event_type", "type")
_CONTACT_ID_KEYS = ("contact_id", "contactId", "contactID")
_CONTACT_OBJECT_ID_KEYS = ("contact_id", "id")
_EMAIL_KEYS = ("email", "email_address")
_LIST_ID_KEYS = ("list_id", "listID", "listId")
_CAMPAIGN_KEYS = ("campaign_hash", "campaignHash", "campaign_id", "campaignId", "hash")
_CAMPAIGN_OBJECT_KEYS = ("campaign_hash", "hash", "id", "campaign_id")
_TIME_KEYS = ("event_date", "occurred_at", "timestamp", "date", "created", "created_at", "time", "event_time")
_DELIVERY_ID_KEYS = ("delivery_id", "deliveryId", "delivery_uuid")
# Subtrees where an `email` or `contact_id` is someone else's (the sender's), for the last-resort search.
_NOT_THE_CONTACT = frozenset({"campaign", "sender", "from", "reply_to", "replyTo"})


def parse_delivery(body: bytes, content_type: str | None) -> ParsedDelivery:
    """Read one delivery: JSON or form-encoded, any of the shapes E-goi, the sandbox or the seed send.

    Raises MalformedDelivery when the body is empty, undecodable, or not a JSON object or form.
    """
    payload = _decode(body, content_type)
    wrappers = _wrappers(payload)
    contacts = _contacts(wrappers)
    campaigns = [obj for wrapper in wrappers if (obj := _obj(wrapper, "campaign"))]
    everywhere = (*wrappers, *contacts)

    # `_pick` and loops rather than generators: this runs for every delivery, and plain loops cost half as much.
    action = None
    for key in _ACTION_KEYS:  # here a key's rank comes first
        if (action := _pick(wrappers, (key,), _text)) is not None:
            break
    contact_id = (
        _pick(wrappers, _CONTACT_ID_KEYS, _text)
        or _pick(contacts, _CONTACT_OBJECT_ID_KEYS, _text)
        or _first(_text(v) for v in _find_key(payload, "contact_id"))
    )
    email = _pick(everywhere, _EMAIL_KEYS, _email) or _first(_email(v) for v in _find_key(payload, "email"))
    list_id = None
    for obj in everywhere:
        if (list_id := _list_id(obj)) is not None:
            break
    campaign_id = (
        _pick(wrappers, _CAMPAIGN_KEYS, _text)
        or _pick(wrappers, ("campaign",), _text)
        or _pick(campaigns, _CAMPAIGN_OBJECT_KEYS, _text)
    )
    occurred_at = _pick(wrappers, _TIME_KEYS, _datetime)
    delivery_id = _pick(wrappers, _DELIVERY_ID_KEYS, _text)
    return ParsedDelivery(
        trigger=canonical_trigger(action),
        action=action,
        list_id=list_id,
        contact_id=contact_id,
        email=email,
        campaign_id=campaign_id,
        occurred_at=occurred_at,
        payload=payload,
        delivery_id=delivery_id,
    )


def _decode(body: bytes, content_type: str | None) -> dict[str, Any]:
    media_type, charset = _media_type(content_type)
    try:
        text = body.decode(charset)
    except LookupError:  # an unknown or non-text charset: E-goi sends UTF-8 anyway
        text = _decode_utf8(body)
    except UnicodeDecodeError:
        raise MalformedDelivery(f"body is not valid {charset}") from None
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise MalformedDelivery("empty body")

    looks_like_json = text[0] in "{["
    is_json = False
    if media_type == "application/x-www-form-urlencoded" and not looks_like_json:
        payload = _parse_form(text)
    elif looks_like_json or media_type == "application/json" or media_type.endswith("+json"):
        payload, is_json = _parse_json(text), True
    elif "=" in text:
        payload = _parse_form(text)
    else:
        raise MalformedDelivery("body is neither JSON nor form-encoded")

    # Both checks walk the whole payload; for JSON, the text alone often shows that neither can fail (a form's
    # values are percent-decoded and may hold JSON of their own, so forms are always walked).
    if not (is_json and _shallow_json(text)) and _depth(payload) > _MAX_DEPTH:
        raise MalformedDelivery(f"body is nested deeper than {_MAX_DEPTH} levels")
    if not (is_json and _surrogate_free_json(text)):
        try:  # a lone UTF-16 surrogate (`"\ud800"` in JSON) is not text: it could be neither stored nor shown
            json.dumps(payload, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise MalformedDelivery("body contains invalid Unicode (a lone surrogate)") from None
    return payload


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _shallow_json(text: str) -> bool:
    """Whether JSON `text` has too few brackets to nest deeper than _MAX_DEPTH (a leaf is one level below its
    container, and brackets inside strings only make the count higher)."""
    return text.count("{") + text.count("[") < _MAX_DEPTH


def _surrogate_free_json(text: str) -> bool:
    """Whether JSON `text` cannot decode to a lone surrogate: JSON spells one only as a `\\u` escape, unless the
    text holds one already (decoded from an exotic charset such as `unicode_escape`)."""
    return "\\u" not in text and not _SURROGATE.search(text)


def _media_type(content_type: str | None) -> tuple[str, str]:
    media_type, *params = (content_type or "").split(";")
    charset = "utf-8"
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip(" \"'"):
            charset = value.strip(" \"'").lower()
    return media_type.strip().lower(), charset


def _decode_utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedDelivery("body is not valid UTF-8") from None


def _parse_json(text: str) -> dict[str, Any]:
    value = _loads(text)
    if not isinstance(value, dict):
        raise MalformedDelivery(f"body is JSON but not an object ({type(value).__name__})")
    return value


def _loads(text: str) -> Any:
    try:
        return _JSON.decode(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; so is a 5000-digit integer
        raise MalformedDelivery(f"body is not valid JSON: {exc}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_float(text: str) -> float | str:
    """Keep `1e999` as written: as a float it would be `inf`, which is not JSON and could not be stored."""
    value = float(text)
    return value if math.isfinite(value) else text


# Built once: `json.loads` with these options would build a decoder for every delivery.
_JSON: Final = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_parse_float)


def _parse_form(text: str) -> dict[str, Any]:
    """`application/x-www-form-urlencoded`, with PHP's nesting (`contact[email]=`, `tags[]=`) and JSON values."""
    if "=" not in text:
        raise MalformedDelivery("form has no fields")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="replace", max_num_fields=_MAX_FORM_FIELDS)
    except ValueError:
        raise MalformedDelivery(f"form has more than {_MAX_FORM_FIELDS} fields") from None
    root: dict[str, Any] = {}
    for key, value in pairs:
        path = _form_path(key)
        if path:
            _assign(root, path, _maybe_json(value))
    if not root:
        raise MalformedDelivery("form has no fields")
    return _listify(root)


_FORM_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def _form_path(key: str) -> list[str]:
    """`contact[base][email]` -> `["contact", "base", "email"]`; `tags[]` -> `["tags", ""]` (append)."""
    key = key.strip()
    match = _FORM_KEY.match(key)
    if not match:
        return [key] if key else []
    path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
    if len(path) > _MAX_DEPTH:
        raise MalformedDelivery(f"form key nested deeper than {_MAX_DEPTH} levels")
    return path


def _assign(root: dict[str, Any], path: list[str], value: Any) -> None:
    node = root
    for i, segment in enumerate(path):
        key = segment if segment != "" else str(len(node))  # `[]` appends, as in PHP
        if i == len(path) - 1:
            node[key] = value  # a repeated key: the last one wins, as in PHP
        else:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child


def _listify(node: dict[str, Any]) -> dict[str, Any]:
    """Dicts keyed `"0"`, `"1"`, ... (from `tags[]=`) become lists."""
    for key, value in node.items():
        if isinstance(value, dict):
            _listify(value)
            if value and list(value) == [str(i) for i in range(len(value))]:
                node[key] = list(value.values())
    return node


def _maybe_json(value: str) -> Any:
    """A form value that is itself a JSON object or array (`data={"contact":...}`) is decoded."""
    stripped = value.strip()
    if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
        try:
            return _loads(stripped)
        except MalformedDelivery:
            pass
    return value


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > _MAX_DEPTH:
            break
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _wrappers(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The body, then what it wraps (`data`, `payload`, `event`), breadth-first: `{"payload": {"data": ...}}`."""
    found = [payload]
    for wrapper in found:
        for key in _WRAPPER_KEYS:
            child = wrapper.get(key)
            if isinstance(child, dict) and len(found) < _MAX_WRAPPERS:
                found.append(child)
    return found


def _contacts(wrappers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contact objects in each wrapper, in order: `contact`, `contact.base`, `base`; empty ones left out."""
    found = []
    for wrapper in wrappers:
        if "contact" in wrapper or "base" in wrapper:  # else none: the usual flat body
            contact = _obj(wrapper, "contact")
            found += [obj for obj in (contact, _obj(contact, "base"), _obj(wrapper, "base")) if obj]
    return found


def _obj(value: Any, key: str) -> dict[str, Any]:
    child = value.get(key) if isinstance(value, dict) else None
    return child if isinstance(child, dict) else {}


def _first(values: Iterable[Any]) -> Any:
    return next((value for value in values if value is not None), None)


def _pick(objects: Iterable[dict[str, Any]], keys: Iterable[str], read: Callable[[Any], _T | None]) -> _T | None:
    """The first value `read` accepts: each object in turn, each key in turn within it.

    Absent keys are skipped without calling `read`: every reader here takes None for "not usable" anyway.
    """
    for obj in objects:
        for key in keys:
            if key in obj:
                value = read(obj[key])
                if value is not None:
                    return value
    return None


def _text(value: Any) -> str | None:
    """A usable id or name: a non-empty string, or an integer (E-goi's ids come as either)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _email(value: Any) -> str | None:
    text = _text(value)
    return text if text and "@" in text else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 19:
        value = int(value.strip())
    return value if isinstance(value, int) and 0 <= value <= _INT64_MAX else None


def _list_id(obj: dict[str, Any]) -> int | None:
    found = _pick((obj,), _LIST_ID_KEYS, _int)
    if found is None and "list" in obj:
        nested = obj["list"]
        found = _int(nested) if not isinstance(nested, dict) else _first(_int(nested.get(k)) for k in ("list_id", "id"))
    return found


def _datetime(value: Any) -> datetime | None:
    """Any date-time E-goi might send, in UTC; epochs in seconds or milliseconds; None when unreadable."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    try:
        if isinstance(value, str) and value.strip().isdecimal():
            value = int(value.strip())
        if isinstance(value, int | float):
            seconds = value / 1000 if abs(value) > 100_000_000_000 else value
            return datetime.fromtimestamp(seconds, UTC)
        parsed = parse_datetime(value)
        return parsed.astimezone(UTC) if parsed else None
    except (ValueError, OverflowError, OSError):
        return None


def _find_key(value: Any, wanted: str) -> Iterator[Any]:
    """Every value under key `wanted`, breadth-first, outside the sender's and campaign's subtrees."""
    queue = deque([value])
    while queue:
        node = queue.popleft()
        if isinstance(node, dict):
            for key, child in node.items():
                if key == wanted:
                    yield child
                elif key not in _NOT_THE_CONTACT:
                    queue.append(child)
        elif isinstance(node, list):
            queue.extend(node)

"""E-goi's date-times: the spec says `date-time`, its only example is `2019-04-01 12:30:23`.

We accept both that form and RFC 3339 on input, and send E-goi's own form.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_datetime(value: object) -> datetime | None:
    """Parse `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD` or RFC 3339 (`...T...Z`, offsets); naive means UTC. None for
    what is no date, or no date in UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float):
        return _from_epoch(value)
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            if text.isascii() and text.isdigit():
                return _from_epoch(int(text))
            return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)  # 0001-01-01T00:00+14:00 is before year 1 in UTC: no date anyone can use
    except (OverflowError, ValueError):
        return None
    return parsed


def _from_epoch(seconds: float) -> datetime | None:
    """Epoch seconds as a UTC datetime; None when out of range (NaN, inf, milliseconds past year 9999)."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def format_datetime(value: datetime) -> str:
    """E-goi's request form: `YYYY-MM-DD HH:MM:SS`, in UTC."""
    if value.tzinfo:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def parse_day(value: object) -> str | None:
    """A report day as `YYYY-MM-DD`: E-goi's example is `01-01-1970` (DD-MM-YYYY); ISO dates pass through."""
    text = str(value or "").strip()[:10]
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return None

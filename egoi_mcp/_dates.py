"""E-goi's date-times: the spec says `date-time`, its only example is `2019-04-01 12:30:23`.

We accept both that form and RFC 3339 on input, and send E-goi's own form.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_datetime(value: object) -> datetime | None:
    """Parse `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD` or RFC 3339 (`...T...Z`, offsets); naive means UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float):
        parsed = datetime.fromtimestamp(value, UTC)
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            if text.isdigit():
                return datetime.fromtimestamp(int(text), UTC)
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_datetime(value: datetime) -> str:
    """E-goi's request form: `YYYY-MM-DD HH:MM:SS`, in UTC."""
    if value.tzinfo:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")

"""The one pagination helper: opaque cursors over E-goi's offset/limit paging."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypeVar

from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.models import Page

T = TypeVar("T")

EGOI_MAX_LIMIT = 1000


def encode_cursor(offset: int, kind: str = "o") -> str:
    """An opaque cursor for a position; `kind` keeps cursors of different listings apart (`o`: an offset)."""
    return base64.urlsafe_b64encode(f"{kind}:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, kind: str = "o") -> int:
    """The position a cursor of `kind` stands for; 0 for none. A cursor we did not issue is an argument error."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, _, value = text.partition(":")
        offset = int(value)
        if found != kind or offset < 0:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidArgumentError(
            "cursor is not one this server issued: pass the next_cursor of the previous page, or omit it"
        ) from None
    return offset


def make_page(items: Sequence[T], *, offset: int, limit: int, total: int | None) -> Page[T]:
    """A page, with `next_cursor` set when more items follow."""
    more = (offset + len(items) < total) if total is not None else len(items) >= limit
    # `Page`, not `Page[T]`: the same model (T is unbound at run time), without pydantic making (and, once the
    # garbage collector drops it, making again) a `Page[~T]` class, which costs milliseconds every few calls.
    return Page(
        items=list(items),
        total=total,
        next_cursor=encode_cursor(offset + len(items)) if more and items else None,
    )


def chunks(values: Sequence[T], size: int = EGOI_MAX_LIMIT) -> list[list[T]]:
    """E-goi's bulk endpoints take at most 1000 ids per call."""
    return [list(values[i : i + size]) for i in range(0, len(values), size)]

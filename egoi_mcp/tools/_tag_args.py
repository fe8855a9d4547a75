"""The tag parameters of the contacts and tags toolsets: a name in `tag` / `tags` (always a name, even "2026"),
an id in `tag_id` / `tag_ids`. The client library reads a string as a name or an id; the tools pass names as
`TagName`, so a name that looks like a number is never taken for another tag's id."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from egoi_mcp.client import TagName
from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.tools._base import Length

__all__ = ["TagIdArg", "TagIdsArg", "TagNameArg", "TagNamesArg", "one_tag", "required_tag", "tag_refs"]

_MAX_ID = 2**31 - 1  # E-goi's ids are int32


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected an integer tag id, not a boolean")
    return value


def _not_an_id(where: str) -> BeforeValidator:
    """A number given as a name: refused, saying where an id goes (a JSON string is always a name)."""

    def check(value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f"a name is a string; an id goes in {where}")
        return value

    return BeforeValidator(check)


def _tag_id(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= _MAX_ID:
        raise ValueError(f"must be 1 to {_MAX_ID}")
    return value


def _tag_ids(values: list[int] | None) -> list[int] | None:
    for value in values or ():
        _tag_id(value)
    return values


TagId = Annotated[int, BeforeValidator(_no_bool)]
# No descriptions: the names say which is which, the server instructions say that "2026" is a name, and an
# argument error says where an id goes.
TagNameArg = Annotated[str | None, _not_an_id("tag_id"), Length(100, 1)]
TagIdArg = Annotated[TagId | None, AfterValidator(_tag_id)]
TagNamesArg = Annotated[list[Annotated[str, _not_an_id("tag_ids"), Length(100, 1)]] | None, Length(20)]
TagIdsArg = Annotated[list[TagId] | None, Length(20), AfterValidator(_tag_ids)]


def one_tag(tag: str | None, tag_id: int | None) -> TagName | int | None:
    """The tag a tool names, if any: `tag` as a name, or `tag_id`; never both."""
    if tag is not None and tag_id is not None:
        raise InvalidArgumentError("give tag (a name) or tag_id (an id), not both")
    return TagName(tag) if tag is not None else tag_id


def required_tag(tag: str | None, tag_id: int | None) -> TagName | int:
    """The tag a tool needs: `tag` as a name, or `tag_id`; exactly one of them."""
    named = one_tag(tag, tag_id)
    if named is None:
        raise InvalidArgumentError("give tag (a tag name) or tag_id (an id from egoi_list_tags)")
    return named


def tag_refs(tags: list[str] | None, tag_ids: list[int] | None) -> list[str | int]:
    """Names (as `TagName`s) then ids, for the client's tag arguments."""
    return [*(TagName(name) for name in tags or ()), *(tag_ids or ())]

"""What every tool module shares: the `@tool` declaration, the `Toolset` it belongs to, the typed runtime
accessor and the parameter types every tool describes the same way."""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import mcp.types as types
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, Field

from egoi_mcp.errors import EGoiError
from egoi_mcp.redact import redact
from egoi_mcp.runtime import runtime
from egoi_mcp.tools._confirm import Summary, confirmed_tool
from egoi_mcp.tools._results import Plain, compact_json, items_that_fit, plain, to_result
from egoi_mcp.untrusted import free_text, untrusted_paths

__all__ = [
    "CampaignId",
    "ContactId",
    "Cursor",
    "Length",
    "Limit",
    "ListFilter",
    "ListId",
    "RequiredListId",
    "SegmentId",
    "TheirListId",
    "ToolSpec",
    "Toolset",
    "runtime",
    "tool",
]

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def Length(most: int, least: int = 0) -> AfterValidator:
    """A length check that stays out of the schema: the model reads every schema on every turn, and these limits
    only matter to the rare value that breaks them (then the argument error says the limit)."""

    def check(value: Any) -> Any:
        if value is not None and not least <= len(value) <= most:
            raise ValueError(f"length must be {least} to {most}, not {len(value)}")
        return value

    return AfterValidator(check)


# Shared parameter types, so every tool describes them the same way. Optional ones admit null (strict-mode
# clients send it), and null means the same as leaving them out.
def _positive(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise ValueError("must be 1 or more")
    return value


# Every id reads the same in every tool, saying where it comes from (a client may drop the server instructions);
# bounds stay out of the schema like the lengths.
ListId = Annotated[int | None, AfterValidator(_positive), Field(description="egoi_list_lists (null: default)")]
RequiredListId = Annotated[int, AfterValidator(_positive), Field(description="from egoi_list_lists")]
# The list of contacts already found: their ids come with it (egoi_search_contacts), so it needs no description.
TheirListId = Annotated[int | None, AfterValidator(_positive)]
ListFilter = Annotated[int | None, AfterValidator(_positive), Field(description="egoi_list_lists (null: all)")]


def _contact_id(value: str) -> str:
    if not _CONTACT_ID.fullmatch(value):
        raise ValueError("expected 10 hex characters")
    return value


_CONTACT_ID = re.compile(r"[a-fA-F0-9]{10}")
ContactId = Annotated[str, AfterValidator(_contact_id), Field(description="egoi_search_contacts")]
CampaignId = Annotated[str, Length(64), Field(pattern=r"^[a-zA-Z0-9_-]+$", description="hash from egoi_list_campaigns")]
SegmentId = Annotated[str, Length(64, 1), Field(description="from egoi_list_segments")]


def _page_size(value: int) -> int:
    if not 1 <= value <= 100:
        raise ValueError(f"must be 1 to 100, not {value}")
    return value


# The page size's bounds are in its error; the cursor says what it takes.
Limit = Annotated[int, AfterValidator(_page_size)]
Cursor = Annotated[str | None, Field(description="a page's next_cursor")]


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its function and the annotations that decide how and whether it is registered."""

    fn: Callable[..., Awaitable[Any]]
    title: str
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def annotations(self) -> types.ToolAnnotations:
        return types.ToolAnnotations(
            read_only_hint=self.read_only,
            destructive_hint=self.destructive,
            idempotent_hint=self.idempotent,
            open_world_hint=self.open_world,
        )


@dataclass(frozen=True)
class Toolset:
    """A named group of tools, chosen together with `--toolsets`. `about` joins the server instructions."""

    name: str
    tools: tuple[ToolSpec, ...]
    about: str = ""


def tool(
    title: str,
    *,
    read_only: bool = False,
    confirm: Summary | None = None,
    idempotent: bool = False,
    open_world: bool = True,
) -> Callable[[Callable[..., Awaitable[Any]]], ToolSpec]:
    """Declare a tool with all four annotations (registering it is `tools.register_tools`' job).

    `confirm` makes it destructive: `confirm(rt, **arguments)` previews the exact effect, and the tool's body is
    only the act, run once per preview after its confirmation (`_confirm`). The result goes out redacted,
    bounded and as compact JSON (`_results`); E-goi errors become `isError` results saying what to do. A page
    over the size bound is fetched again, shorter, and says so in `note`.
    """

    def declare(body: Callable[..., Awaitable[Any]]) -> ToolSpec:
        fn = body if confirm is None else confirmed_tool(body, confirm)
        shape = functools.cache(functools.partial(_result_shape, fn))  # on the first call: start-up skips it

        @functools.wraps(fn)
        async def run(*args: Any, **kwargs: Any) -> types.CallToolResult:
            untrusted, hideable = shape()
            hide = hideable if hideable and runtime(kwargs["ctx"]).settings.user_content == "hide" else None
            try:
                result = plain(await fn(*args, **kwargs), hide)
                data = result.data
                fit = items_that_fit(result) if isinstance(data, dict) and "limit" in kwargs else None
                if fit is not None and fit < len(data.get("items") or []):
                    data = plain(await fn(*args, **{**kwargs, "limit": fit}), hide).data
                    data["note"] = (
                        f"cut short at {fit} item(s) to stay under 256 KiB; pass next_cursor as cursor for the rest"
                    )
                    result = Plain(data, compact_json(data))
            except EGoiError as exc:
                raise ToolError(redact(f"{exc.code}: {exc.message}")) from None
            return to_result(result, untrusted)

        run.__doc__ = " ".join((fn.__doc__ or "").split())  # one line: fewer tokens on every turn
        return ToolSpec(run, title, read_only, confirm is not None, idempotent, open_world)

    return declare


def _result_shape(fn: Callable[..., Awaitable[Any]]) -> tuple[list[str], dict[str, Any] | None]:
    """Where `fn`'s result carries third parties' text, and which of it `EGOI_MCP_USER_CONTENT=hide` leaves out."""
    returns = typing.get_type_hints(fn).get("return")
    return untrusted_paths(returns), free_text(returns)

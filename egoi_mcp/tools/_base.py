"""What every tool module shares: the `@tool` declaration, the runtime accessor, the error mapper and the
confirmation gate for destructive tools."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from egoi_mcp.errors import EGoiError
from egoi_mcp.runtime import Runtime

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

# Shared parameter types, so every tool describes them the same way.
ListId = Annotated[int | None, Field(ge=1, description="from egoi_list_lists; omit for the default list")]
ContactId = Annotated[str, Field(pattern=r"^[a-fA-F0-9]{10}$", description="contact_id, 10 hex chars")]
Limit = Annotated[int, Field(ge=1, le=100)]
Cursor = Annotated[str | None, Field(description="a previous next_cursor")]
Confirm = Annotated[bool, Field(description="false: preview only. true: do it")]


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its function and the annotations that decide how and whether it is registered."""

    fn: Callable[..., Awaitable[Any]]
    toolset: str
    title: str
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool

    @property
    def name(self) -> str:
        return self.fn.__name__


TOOLS: list[ToolSpec] = []


def tool(
    toolset: str,
    title: str,
    *,
    read_only: bool = False,
    destructive: bool = False,
    idempotent: bool = False,
    open_world: bool = True,
) -> Callable[[F], F]:
    """Declare a tool with all four annotations. E-goi errors raised inside become `isError` results."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        async def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except EGoiError as exc:
                raise ToolError(f"{exc.code}: {exc.message}") from None

        run.__doc__ = " ".join((fn.__doc__ or "").split())  # one line: fewer tokens on every turn
        TOOLS.append(ToolSpec(run, toolset, title, read_only, destructive, idempotent, open_world))
        return run  # type: ignore[return-value]

    return decorate


def runtime(ctx: Context) -> Runtime:
    return ctx.request_context.lifespan_context


class ActionResult(BaseModel):
    # no docstring: it would be sent in every destructive tool's output schema

    status: Literal["confirmation_required", "done", "declined"]
    summary: str
    call_again_with: dict[str, Any] | None = None


class Confirmation(BaseModel):
    confirm: bool = Field(description="Proceed?")


Decision = ElicitationResult[Confirmation]


async def gate(ctx: Context, confirm: bool, summary: Callable[[], Awaitable[str]]) -> Confirmation | Elicit:
    """The resolver of every destructive tool: the human's say, asked only when `confirm=true`.

    With elicitation the human sees the summary and accepts or declines. Without it, the flag alone is
    enough unless EGOI_MCP_CONFIRM=elicit.
    """
    if not confirm:
        return Confirmation(confirm=False)
    capabilities = ctx.client_capabilities
    if capabilities is not None and capabilities.elicitation is not None:
        try:
            text = await summary()
        except EGoiError as exc:
            raise ToolError(f"{exc.code}: {exc.message}") from None
        return Elicit(f"Allow the assistant to {text}?", Confirmation)
    if runtime(ctx).settings.confirm == "elicit":
        raise ToolError(
            "this server requires a human to confirm destructive actions (EGOI_MCP_CONFIRM=elicit), and this "
            "client cannot ask: use a client that supports elicitation, or ask the operator to allow flag mode"
        )
    return Confirmation(confirm=True)


async def confirmed(
    decision: Decision,
    *,
    confirm: bool,
    summary: Callable[[], Awaitable[str]],
    act: Callable[[], Awaitable[str]],
    arguments: dict[str, Any],
) -> ActionResult:
    """The body of every destructive tool: preview without `confirm`, act only when approved."""
    if not confirm:
        return ActionResult(
            status="confirmation_required",
            summary=f"Would {await summary()}. Nothing was changed: call again with confirm=true to proceed.",
            call_again_with={**arguments, "confirm": True},
        )
    if not (isinstance(decision, AcceptedElicitation) and decision.data.confirm):
        return ActionResult(status="declined", summary="The user declined. Nothing was changed.")
    return ActionResult(status="done", summary=await act())

"""The confirmation every destructive tool goes through: one resolver factory, one body helper.

    async def _summary(rt: Runtime, tag_id: int) -> str: ...          # one line: the exact effect

    @tool("Delete tag", destructive=True)
    async def egoi_delete_tag(tag_id: int, ctx: Context, decision: Annotated[Decision, Resolve(confirmation(_summary))],
                              confirm: Confirm = False, confirm_token: ConfirmToken = None) -> ActionResult:
        return await confirmed(decision, act=...)

Without `confirm=true` the tool previews: the summary and `call_again_with` (the same arguments, `confirm: true`
and a `confirm_token` sealed over the tool name and those exact arguments, valid 10 minutes). With it, the token
must match the arguments; then a client with elicitation asks its human (both protocol eras), and a client
without it proceeds only under EGOI_MCP_CONFIRM=flag.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, StrictBool, WithJsonSchema

from egoi_mcp.errors import EGoiError
from egoi_mcp.redact import redact
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.seal import TokenRefused, canonical

__all__ = [
    "ActionResult",
    "Confirmation",
    "Decision",
    "NothingToDo",
    "Preview",
    "bind_confirmation",
    "confirmation",
    "confirmed",
]

Summary = Callable[..., Awaitable[str]]


class ActionResult(BaseModel):
    # no docstring: it would be sent in every destructive tool's output schema
    status: Annotated[  # the values are in the server instructions: a schema enum costs tokens on every turn
        Literal["confirmation_required", "done", "declined", "nothing_to_do"], WithJsonSchema({"type": "string"})
    ]
    summary: str
    call_again_with: dict[str, Any] | None = None


class Confirmation(BaseModel):
    confirm: StrictBool = Field(description="Proceed?")


class Preview(BaseModel):
    summary: str
    call_again_with: dict[str, Any]


class Nothing(BaseModel):
    summary: str


class NothingToDo(Exception):
    """Raised by a summary when there is nothing to act on: the tool says so, no token, no question."""


Decision = ElicitationResult[Confirmation | Preview | Nothing]


class _ConfirmationResolver:
    """Resolves a destructive tool's `decision`. Takes every tool argument by name (see `bind`)."""

    def __init__(self, summary: Summary) -> None:
        self.summary = summary
        self.tool = ""
        self.__signature__ = inspect.Signature()

    def bind(self, fn: Callable[..., Any]) -> None:
        """Take the tool's own arguments (all but the context and the decision): the token covers exactly those."""
        hints = typing.get_type_hints(fn, include_extras=True)
        params = [
            p.replace(annotation=Any)
            for name, p in inspect.signature(fn).parameters.items()
            if name != "ctx" and _resolver_of(hints.get(name)) is None
        ]
        ctx = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Context)
        self.__signature__ = inspect.Signature([ctx, *params])
        self.tool = fn.__name__

    async def __call__(self, ctx: Context, **arguments: Any) -> Confirmation | Preview | Nothing | Elicit[Confirmation]:
        rt = runtime(ctx)
        confirm, token = arguments.get("confirm"), arguments.get("confirm_token")
        args = canonical(arguments)
        try:
            if not confirm:
                text = await self._summary(rt, args)
                again = {**args, "confirm": True, "confirm_token": rt.tokens.issue(self.tool, args)}
                return Preview(summary=f"Would {text}. Nothing was changed.", call_again_with=again)
            rt.tokens.check(self.tool, args, token)
            capabilities = ctx.client_capabilities
            if capabilities is not None and capabilities.elicitation is not None:
                return Elicit(f"Allow the assistant to {await self._summary(rt, args)}?", Confirmation)
        except NothingToDo as exc:
            return Nothing(summary=str(exc))
        except TokenRefused as exc:
            raise ToolError(f"CONFIRMATION_REFUSED: {exc}") from None
        except EGoiError as exc:
            raise ToolError(redact(f"{exc.code}: {exc.message}")) from None
        if rt.settings.confirm == "elicit":
            raise ToolError(
                "CONFIRMATION_REFUSED: this server requires a human to confirm destructive actions "
                "(EGOI_MCP_CONFIRM=elicit), and this client cannot ask: use a client that supports elicitation"
            )
        return Confirmation(confirm=True)

    async def _summary(self, rt: Runtime, args: dict[str, Any]) -> str:
        wanted = list(inspect.signature(self.summary).parameters)[1:]
        return await self.summary(rt, **{name: args.get(name) for name in wanted})


@functools.cache
def confirmation(summary: Summary) -> _ConfirmationResolver:
    """The resolver of a destructive tool's decision; `summary(rt, **some tool arguments)` says what it would do.

    One resolver per summary function: annotations are evaluated afresh wherever they are read (postponed
    evaluation), and each reading must find the resolver `@tool` bound to the tool's arguments.
    """
    return _ConfirmationResolver(summary)


def bind_confirmation(fn: Callable[..., Any]) -> None:
    """Give a tool's confirmation resolver (if it has one) the tool's arguments. Called by `@tool`."""
    hints = typing.get_type_hints(fn, include_extras=True)
    for annotation in hints.values():
        resolver = _resolver_of(annotation)
        if isinstance(resolver, _ConfirmationResolver):
            resolver.bind(fn)


def _resolver_of(annotation: Any) -> Any:
    if typing.get_origin(annotation) is not Annotated:
        return None
    marker = next((m for m in typing.get_args(annotation)[1:] if isinstance(m, Resolve)), None)
    return marker.fn if marker is not None else None


async def confirmed(decision: Decision, *, act: Callable[[], Awaitable[str]]) -> ActionResult:
    """The body of every destructive tool: the preview, the refusal, or the act once approved."""
    if isinstance(decision, AcceptedElicitation):
        data: Any = decision.data
        if isinstance(data, Preview):
            return ActionResult(
                status="confirmation_required", summary=data.summary, call_again_with=data.call_again_with
            )
        if isinstance(data, Nothing):
            return ActionResult(status="nothing_to_do", summary=data.summary)
        if isinstance(data, Confirmation) and data.confirm is True:
            return ActionResult(status="done", summary=await act())
    return ActionResult(status="declined", summary="The user declined. Nothing was changed.")

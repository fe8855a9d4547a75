"""Destructive is a declaration: `@tool(title, confirm=summary)` makes a tool preview, check, ask and act once.

    async def _summary(rt: Runtime, tag_id: int) -> Plan: ...    # the exact effect, and what the act will need

    @tool("Delete tag", confirm=_summary, idempotent=True)
    async def egoi_delete_tag(tag_id: int, ctx: Context, plan: Plan) -> str:
        ...                                                       # only the act; returns what was done

`confirmed_tool` builds the function that is registered: the tool's own arguments, then `confirm` and
`confirm_token` (declared here, once), and a hidden `decision` the SDK fills by running this module's resolver
(era-portable elicitation). Without `confirm=true` the resolver previews: the summary, a token sealed over the
tool and its exact arguments (`seal`), and the preview recorded in the ledger with what it learned (`ledger`).
With it, the token must match; the confirm reads the preview back from the ledger (no E-goi call, on every
retry round alike), asks the human when the client can elicit (the preview's own sentence), and the act runs
once: the ledger's atomic `start` lets exactly one use act, and every other use answers the first one's outcome.
"""

from __future__ import annotations

import inspect
import time
import typing
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictBool, WithJsonSchema

from egoi_mcp._model import Model
from egoi_mcp.errors import EGoiError
from egoi_mcp.ledger import Entry, Plan
from egoi_mcp.redact import redact
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.seal import SealedToken, TokenRefused, canonical

__all__ = ["ActionResult", "NothingToDo", "Plan", "Summary", "confirmed_tool"]

Summary = Callable[..., Awaitable[Plan | str]]
"""`summary(rt, **some of the tool's arguments)`: the one-line effect (a `Plan` when the act needs its facts)."""

_HIDDEN: Final = ("ctx", "plan")  # the body's parameters that are not the model's to give
_KW: Final = inspect.Parameter.KEYWORD_ONLY
_STOPPED: Final = "the action stopped before E-goi answered"
_AGAIN: Final = "call the tool without confirm for a fresh preview and its call_again_with"


class ActionResult(Model):
    # no docstring: it would be sent in every destructive tool's output schema
    status: Annotated[  # the values are in the server instructions: a schema enum costs tokens on every turn
        Literal["confirmation_required", "done", "declined", "nothing_to_do"], WithJsonSchema({"type": "string"})
    ]
    summary: str
    call_again_with: dict[str, Any] | None = None


class Confirmation(Model):
    confirm: StrictBool = Field(description="Proceed?")


class Unattended(Model):
    """Confirmed on the token alone (no person asked): the unattended limits apply."""


class Preview(Model):
    summary: str
    call_again_with: dict[str, Any]


class Nothing(Model):
    summary: str


class Replay(Model):
    """A token that has acted before: what its first use did."""

    summary: str


class NothingToDo(Exception):
    """Raised by a summary when the targets exist and there is nothing to act on: no token, no question."""


Decision = ElicitationResult[Confirmation | Unattended | Preview | Nothing | Replay]


def confirmed_tool(fn: Callable[..., Awaitable[str]], summary: Summary) -> Callable[..., Awaitable[ActionResult]]:
    """The function registered for a destructive tool whose act is `fn` and whose preview is `summary`."""
    hints = typing.get_type_hints(fn, include_extras=True)
    own = [p for p in inspect.signature(fn).parameters.values() if p.name not in _HIDDEN]
    wants_plan = "plan" in inspect.signature(fn).parameters
    resolver = _Resolver(fn.__name__, summary, tuple(p.name for p in own))
    params = [
        *(p.replace(kind=_KW, annotation=hints.get(p.name, Any)) for p in own),
        inspect.Parameter("confirm", _KW, default=False, annotation=StrictBool),
        inspect.Parameter("confirm_token", _KW, default=None, annotation=str | None),
        inspect.Parameter("ctx", _KW, annotation=Context),
        inspect.Parameter("decision", _KW, annotation=Annotated[Decision, Resolve(resolver)]),
    ]

    async def run(**kwargs: Any) -> ActionResult:
        ctx, decision = kwargs["ctx"], kwargs["decision"]
        data = decision.data if isinstance(decision, AcceptedElicitation) else None
        if isinstance(data, Preview):
            return ActionResult(
                status="confirmation_required", summary=data.summary, call_again_with=data.call_again_with
            )
        if isinstance(data, Nothing):
            return ActionResult(status="nothing_to_do", summary=data.summary)
        if isinstance(data, Replay):
            return ActionResult(status="done", summary=data.summary)
        unattended = isinstance(data, Unattended)
        if not (unattended or (isinstance(data, Confirmation) and data.confirm is True)):
            return ActionResult(status="declined", summary="The user declined. Nothing was changed.")
        rt, arguments = runtime(ctx), {p.name: kwargs[p.name] for p in own}

        def act(plan: Plan) -> Awaitable[str]:
            return fn(**arguments, ctx=ctx, **({"plan": plan} if wants_plan else {}))

        return await _act_once(rt, resolver.seal(rt, arguments, kwargs["confirm_token"]), act, unattended=unattended)

    run.__name__ = run.__qualname__ = fn.__name__
    run.__doc__ = fn.__doc__
    run.__module__ = fn.__module__
    run.__signature__ = inspect.Signature(params, return_annotation=ActionResult)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params} | {"return": ActionResult}
    return run


async def _act_once(
    rt: Runtime, token: SealedToken, act: Callable[[Plan], Awaitable[str]], *, unattended: bool
) -> ActionResult:
    """Claim the token in the ledger and act, or answer what its first use did. With no person in the loop, the
    unattended limits are checked, and a send counted, before the claim."""
    took = False
    if unattended:
        previewed = await rt.ledger.read(token)
        if previewed is not None and previewed.state == "previewed":
            rt.unattended.check(previewed.plan)
            took = await rt.unattended.take_send(previewed.plan)
    started, entry = await rt.ledger.start(token)
    if not started:
        if took:
            await rt.unattended.give_back()
        return ActionResult(status="done", summary=_replay(entry))
    assert entry is not None
    audited: int | None = None  # the audit trail's row: recorded before the act, completed after it
    try:
        audited = await rt.audit.begin(entry.tool, entry.plan.summary, token.fingerprint)
        done = await act(entry.plan)
    except EGoiError as exc:
        failed = redact(f"{exc.code}: {exc.message}")
        await rt.ledger.finish(token, ok=False, outcome=failed)
        await rt.audit.end(audited, ok=False, detail=failed, error_code=exc.code)
        raise
    except BaseException:
        await rt.ledger.finish(token, ok=False, outcome=_STOPPED)
        await rt.audit.end(audited, ok=False, detail=_STOPPED)
        raise
    await rt.ledger.finish(token, ok=True, outcome=done)
    await rt.audit.end(audited, ok=True, detail=done)
    return ActionResult(status="done", summary=done)


class _Resolver:
    """Resolves a destructive tool's `decision` from its arguments (taken by name: see `__signature__`)."""

    def __init__(self, tool: str, summary: Summary, names: tuple[str, ...]) -> None:
        self.tool = tool
        self._summary = summary
        self._wanted = tuple(list(inspect.signature(summary).parameters)[1:])
        context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Context)
        by_name = [inspect.Parameter(n, _KW) for n in (*names, "confirm", "confirm_token")]
        self.__signature__ = inspect.Signature([context, *by_name])

    def seal(self, rt: Runtime, arguments: dict[str, Any], token: object) -> SealedToken:
        try:
            return rt.tokens.check(self.tool, canonical(arguments), token)
        except TokenRefused as exc:
            raise ToolError(f"CONFIRMATION_REFUSED: {exc}") from None

    async def __call__(
        self, ctx: Context, **arguments: Any
    ) -> Unattended | Preview | Nothing | Replay | Elicit[Confirmation]:
        rt = runtime(ctx)
        confirm, token = arguments.pop("confirm"), arguments.pop("confirm_token")
        if not confirm:
            return await self._preview(ctx, rt, canonical(arguments))
        sealed = self.seal(rt, arguments, token)
        entry = await rt.ledger.read(sealed)
        if entry is None or entry.state != "previewed":
            return Replay(summary=_replay(entry))
        if _can_ask(ctx):
            return Elicit(f"Allow the assistant to {entry.plan.summary}?", Confirmation)
        if rt.settings.confirm == "elicit":
            raise ToolError(
                "CONFIRMATION_REFUSED: this server requires a human to confirm destructive actions "
                "(EGOI_MCP_CONFIRM=elicit), and this client cannot ask: use a client that supports elicitation"
            )
        return Unattended()

    async def _preview(self, ctx: Context, rt: Runtime, args: dict[str, Any]) -> Preview | Nothing:
        try:
            found = await self._summary(rt, **{name: args.get(name) for name in self._wanted})
        except NothingToDo as exc:
            return Nothing(summary=str(exc))
        except EGoiError as exc:
            raise ToolError(redact(f"{exc.code}: {exc.message}")) from None
        plan = found if isinstance(found, Plan) else Plan(found)
        if not _can_ask(ctx) and rt.settings.confirm == "flag":
            try:
                rt.unattended.check(plan)  # refused now rather than after the model confirms
            except EGoiError as exc:
                raise ToolError(f"{exc.code}: {exc.message}") from None
        args = args if plan.arguments is None else canonical(plan.arguments)
        text, sealed = rt.tokens.issue(self.tool, args)
        await rt.ledger.record(sealed, self.tool, plan)
        again = {**args, "confirm": True, "confirm_token": text}
        return Preview(summary=f"Would {plan.summary}. Nothing was changed.", call_again_with=again)


def _can_ask(ctx: Context) -> bool:
    """Whether the client can put a question to its user (elicitation)."""
    capabilities = ctx.client_capabilities
    return capabilities is not None and capabilities.elicitation is not None


def _replay(entry: Entry | None) -> str:
    """What a later use of a token answers: the first use's outcome when it is done; else the error saying why
    nothing happens now (the first use is still under way, or it failed: a send that failed may still have been
    queued, so only a fresh preview may try again)."""
    if entry is None:
        raise ToolError(f"CONFIRMATION_REFUSED: this preview is not in the store: {_AGAIN}")
    when = datetime.fromtimestamp(entry.at or time.time(), UTC).strftime("%H:%M:%S UTC")
    if entry.state == "running":
        raise ToolError(
            f"CONFIRMATION_IN_PROGRESS: this confirm_token's first use started at {when} and is still running "
            f"({entry.outcome}): nothing more was done; do not confirm again"
        )
    if entry.state == "failed":
        raise ToolError(
            f"CONFIRMATION_USED: this confirm_token was used at {when} and that attempt failed ({entry.outcome}); "
            f"a token acts once, so nothing was done now: check what happened, then {_AGAIN}"
        )
    return f"Already done at {when} (this confirm_token was used before; nothing was done again): {entry.outcome}"

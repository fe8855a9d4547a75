"""Discovery: the tools a client's list leaves out, found and reached on demand.

`tools/list` shows a core set (`tools.CORE_TOOLS`) so that the fixed cost of every model turn stays small.
`egoi_find_tools` names every toolset and, for one, lists its tools to this client from now on (with
`notifications/tools/list_changed`) and returns their definitions at once. Several clients ignore
`list_changed`; for them `egoi_call_tool` runs any registered tool by name through the same path as a direct
call (argument checks, request budget, previews and tokens). Registered only while discovery is on, that is
without `--toolsets`.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Final

import mcp.types as types
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.subscriptions import ToolsListChanged

from egoi_mcp import _sdk
from egoi_mcp._model import Model
from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.runtime import runtime
from egoi_mcp.tools._base import Length, ToolSpec, tool
from egoi_mcp.tools._listing import MODERN_ERA

__all__ = ["NAMES", "FoundTools", "ToolInfo", "egoi_call_tool", "egoi_find_tools", "tools"]


logger = logging.getLogger("egoi_mcp.tools")
_MAX_ARGUMENTS: Final = 1_000_000  # characters of JSON text (or keys of an object): what any tool could take


class ToolInfo(Model):
    name: str
    title: str
    listed: bool  # in this client's tools/list now
    description: str | None = None
    input_schema: dict[str, Any] | None = None
    destructive: bool = False


class ToolsetInfo(Model):
    name: str
    about: str
    tools: list[ToolInfo]


class FoundTools(Model):
    toolsets: list[ToolsetInfo]
    note: str


@tool("Find tools", read_only=True, idempotent=True, open_world=False)
async def egoi_find_tools(ctx: Context, toolset: Annotated[str | None, Length(40)] = None) -> FoundTools:
    """More E-goi tools than your list shows: without toolset, every toolset and its tools (listed = in your
    list now); with toolset, adds its tools to your list and returns their descriptions and input schemas. If
    they do not appear in your list, call them with egoi_call_tool."""
    listing = runtime(ctx).listing
    connection = _sdk.connection_of(ctx.request_context.session)
    chosen = [ts for ts in listing.toolsets if toolset is None or ts.name == toolset]
    if not chosen:
        valid = ", ".join(ts.name for ts in listing.toolsets)
        raise InvalidArgumentError(f"no toolset {toolset!r}; choose from {valid}")
    if toolset is not None and listing.enable(connection, [t.name for t in chosen[0].tools]):
        await _tell_list_changed(ctx)
    visible = listing.visible(connection)
    names = [t.name for t in chosen[0].tools] if toolset is not None else []
    defined = {t.name: t for t in await listing.definitions(ctx.mcp_server, names)}
    registered = set(listing.registered)
    infos = [
        ToolsetInfo(
            name=ts.name, about=ts.about, tools=[_info(t, visible, defined) for t in ts.tools if t.name in registered]
        )
        for ts in chosen
    ]
    note = "Call a listed tool directly; one not listed with egoi_call_tool(name, arguments)."
    return FoundTools(toolsets=[ts for ts in infos if ts.tools], note=note)


def _info(spec: ToolSpec, visible: frozenset[str], defined: dict[str, types.Tool]) -> ToolInfo:
    found = defined.get(spec.name)
    return ToolInfo(
        name=spec.name,
        title=spec.title,
        listed=spec.name in visible,
        description=found.description if found else None,
        input_schema=found.input_schema if found else None,
        destructive=spec.destructive,
    )


async def _tell_list_changed(ctx: Context) -> None:
    """`notifications/tools/list_changed`: on the connection (2025 era) and on the subscription bus (2026 era)."""
    session = ctx.request_context.session
    try:
        if _sdk.connection_of(session).protocol_version >= MODERN_ERA:  # no back-channel: its listen stream hears it
            await runtime(ctx).notifier.bus.publish(ToolsListChanged())
        else:
            await session.send_tool_list_changed()
    except Exception:  # a courtesy: the answer carries the definitions anyway, and the list has changed
        logger.warning("telling the client its tool list changed failed", exc_info=True)


async def egoi_call_tool(
    name: Annotated[str, Length(64, 1)],
    ctx: Context,
    arguments: Annotated[dict[str, Any] | str | None, Length(_MAX_ARGUMENTS)] = None,
) -> types.CallToolResult:
    """Run an E-goi tool your list does not show (egoi_find_tools gives its name, description and input
    schema): name, and its arguments as an object or JSON text. It behaves as if called directly, previews
    included."""
    listing = runtime(ctx).listing
    if name not in listing.registered or name in (egoi_call_tool.__name__, egoi_find_tools.name):
        raise ToolError(f"INVALID_ARGUMENT: no tool {name!r} to call; egoi_find_tools names them")
    try:
        result = await ctx.mcp_server.call_tool(name, _arguments(arguments), ctx)
    except ToolError as exc:  # said once, as egoi_call_tool's error: not "Error executing tool <name>: " twice
        raise ToolError(str(exc).removeprefix(f"Error executing tool {name}: ")) from None
    return result  # type: ignore[return-value]  # an InputRequiredResult (2026 elicitation) passes through too


def _arguments(given: dict[str, Any] | str | None) -> dict[str, Any]:
    """The called tool's arguments: an object, or JSON text of one (what strict-mode clients can send: their
    schemas allow no free-form object)."""
    if not isinstance(given, str):
        return given or {}
    try:
        parsed = json.loads(given or "{}")
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ToolError("INVALID_ARGUMENT: arguments must be an object, or JSON text of one")
    return parsed


def called_tool(params: Any) -> str:
    """The tool a `tools/call` runs: its name, or, through egoi_call_tool, the tool that one is asked to run
    (what scope and account checks judge)."""
    name = str(params.get("name", ""))
    arguments = params.get("arguments")
    if name == CALL_TOOL and isinstance(arguments, dict) and isinstance(arguments.get("name"), str):
        return str(arguments["name"])
    return name


_CALL: Final = "Call an unlisted tool"
CALL_TOOL: Final = egoi_call_tool.__name__
NAMES: Final = (egoi_find_tools.name, CALL_TOOL)


def tools(*, read_only: bool) -> tuple[ToolSpec, ...]:
    """Discovery's two tools. The caller runs what is registered, so it is a read tool in a read-only server."""
    if read_only:
        call = ToolSpec(egoi_call_tool, _CALL, read_only=True, destructive=False, idempotent=False, open_world=True)
    else:
        call = ToolSpec(egoi_call_tool, _CALL, read_only=False, destructive=True, idempotent=False, open_world=True)
    return egoi_find_tools, call

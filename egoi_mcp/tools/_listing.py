"""Which of the registered tools a client sees in `tools/list`.

Every registered tool can be called; `tools/list` shows a core set plus the toolsets the client asked for
with `egoi_find_tools`. A 2025-era connection keeps its own choice for its life (a handshake connection is
one client). A 2026-era request has no connection that lasts, so its choices are kept for the process: over
stdio that is one client; over HTTP every 2026-era client of the process then sees them (they could call them
anyway). With `--toolsets` the listing is static: what is registered is listed.

No tool is built at start-up (its SDK registration: argument and output models): each is built the first time
it is called, or listed when the definition cache (`tools._cache`) does not have it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import mcp.types as types
from mcp.server import MCPServer, ServerRequestContext

from egoi_mcp import _sdk
from egoi_mcp.tools._base import Toolset
from egoi_mcp.tools._cache import DefinitionCache

__all__ = ["MODERN_ERA", "ToolListing", "serve_listing"]

MODERN_ERA: Final = "2026-07-28"  # the first stateless protocol version


class ToolListing:
    """The tools listed to each client: `listed` by default, grown by `enable` (per 2025-era connection)."""

    def __init__(
        self,
        registered: Iterable[str],
        listed: Iterable[str],
        toolsets: Sequence[Toolset] = (),
        *,
        cache: Path | None = None,
    ) -> None:
        self.registered: Final = tuple(registered)
        self.cache: Final = DefinitionCache(cache, self.registered)
        self.order: Final = {name: number for number, name in enumerate(self.registered)}
        self.toolsets: Final = tuple(toolsets)  # the table egoi_find_tools describes
        self.default: Final = frozenset(listed) & set(self.registered)
        self._process: set[str] = set()
        self._unbuilt: dict[str, Callable[[], None]] = {}
        self._per_client: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
        self._kept: dict[str, types.Tool] | None = None  # the cache's definitions, read on the first listing

    @property
    def dynamic(self) -> bool:
        """Whether some registered tools are left out of the default listing (discovery is on)."""
        return len(self.default) < len(self.registered)

    def visible(self, connection: Any) -> frozenset[str]:
        """The names `connection` (the request's `Connection`) sees in `tools/list`."""
        return self.default | self._enabled(connection)

    def enable(self, connection: Any, names: Iterable[str]) -> list[str]:
        """List `names` (registered ones) to `connection` from now on; the ones newly listed, in order."""
        enabled = self._enabled(connection, create=True)
        new = [n for n in names if n in self.registered and n not in enabled and n not in self.default]
        enabled.update(new)
        return new

    def defer(self, name: str, build: Callable[[], None]) -> None:
        """Register `name` with `build` only when first listed or called (`tools.register_tools`)."""
        self._unbuilt[name] = build

    def build(self, names: Iterable[str]) -> None:
        """Register the deferred tools among `names`, each once (no await in between: requests cannot race)."""
        for name in names:
            build = self._unbuilt.pop(name, None)
            if build is not None:
                build()

    async def definitions(self, server: MCPServer, names: Iterable[str]) -> list[types.Tool]:
        """The definitions of `names`, in the table's order: a built tool's own, else the cache's; a tool in
        neither is built now, and then the cache is written with every definition known."""
        wanted = sorted(set(names) & set(self.registered), key=self.order.__getitem__)
        if self._kept is None:
            self._kept = self.cache.load()
        missing = [n for n in wanted if n not in self._kept]
        self.build(missing)
        built = {t.name: t for t in await server.list_tools()}
        if missing:
            self._kept = {**self._kept, **built}
            self.cache.save(self._kept)
        return [built.get(n) or self._kept[n] for n in wanted]

    def _enabled(self, connection: Any, *, create: bool = False) -> set[str]:
        if getattr(connection, "protocol_version", MODERN_ERA) >= MODERN_ERA:
            return self._process
        found = self._per_client.get(connection)
        if found is None:
            found = set()
            if create:
                self._per_client[connection] = found
        return found


def serve_listing(server: MCPServer, listing: ToolListing) -> None:
    """Answer `tools/list` with what `listing` shows the requesting client; say list changes happen if some can."""

    async def list_tools(ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams) -> types.ListToolsResult:
        visible = listing.visible(_sdk.connection_of(ctx.session))
        return types.ListToolsResult(tools=await listing.definitions(server, visible))

    _sdk.lowlevel_server(server).add_request_handler("tools/list", types.PaginatedRequestParams, list_tools)
    if listing.dynamic:
        _sdk.advertise_tools_list_changed(server)

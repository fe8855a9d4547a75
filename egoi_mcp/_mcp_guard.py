"""Guards of the `/mcp` endpoint, inside the SDK's session manager (behind its auth and body limit, before dispatch).

- A JSON-RPC id longer than `MAX_ID_LENGTH` characters is refused with HTTP 400 and a JSON-RPC error whose id is
  null: a 900 KB id is not echoed back in every response and log line.
- At the cap of 2025-era sessions, the session idle longest is closed so that a new client is served; only when
  every session is busy does the SDK refuse with "Too many open sessions".
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any, Final

from mcp.server.streamable_http import MCP_SESSION_ID_HEADER
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_ID_LENGTH", "McpGuard"]

MAX_ID_LENGTH: Final = 256
_INVALID_REQUEST: Final = -32600
_SESSION_HEADER: Final = MCP_SESSION_ID_HEADER.lower().encode()
_VERSION_HEADER: Final = b"mcp-protocol-version"
_LEGACY: Final = frozenset(version.encode() for version in HANDSHAKE_PROTOCOL_VERSIONS)

log = logging.getLogger(__name__)


class McpGuard:
    """ASGI wrapper of the session manager's app: refuses overlong ids, evicts the oldest idle session at the cap."""

    def __init__(self, app: ASGIApp, sessions: StreamableHTTPSessionManager) -> None:
        self._app = app
        self._sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self._app(scope, receive, send)
            return
        body, receive = await _buffered(receive)
        if body is None:
            return  # the client left (or was cut by a deadline) before its body was whole: nobody to answer
        if len(body) > MAX_ID_LENGTH and _has_long_id(body):
            message = f"Invalid Request: the JSON-RPC id is longer than {MAX_ID_LENGTH} characters"
            error = {"jsonrpc": "2.0", "id": None, "error": {"code": _INVALID_REQUEST, "message": message}}
            await JSONResponse(error, status_code=400)(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if _SESSION_HEADER not in headers and headers.get(_VERSION_HEADER, next(iter(_LEGACY))) in _LEGACY:
            self._make_room()
        await self._app(scope, receive, send)

    def _make_room(self) -> None:
        """At the session cap, close the session idle longest (a session being served is never idle)."""
        manager = self._sessions
        open_sessions = manager._server_instances  # SDK-private: the SDK offers no view of its open sessions
        if manager.max_sessions is None or len(open_sessions) < manager.max_sessions:
            return
        idle = [
            (transport.idle_scope.deadline, session_id)
            for session_id, transport in open_sessions.items()
            if transport.idle_scope is not None and transport.idle_scope.deadline != math.inf
        ]
        if not idle:
            return
        _, oldest = min(idle)
        transport = open_sessions.pop(oldest)  # forgotten at once: its id answers 404 from now on
        manager._session_owners.pop(oldest, None)
        if transport.idle_scope is not None:
            transport.idle_scope.cancel()  # its server task ends and terminates the transport
        log.info("closed the idle session %s to admit a new one (%d sessions open)", oldest, len(open_sessions))


async def _buffered(receive: Receive) -> tuple[bytes | None, Receive]:
    """The whole request body (None when the client left first), and a `receive` that replays it. The SDK's body
    limit, outside this guard, has already read and capped it: this is one message, not a second buffer."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None, receive
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


def _has_long_id(body: bytes) -> bool:
    try:
        value: Any = json.loads(body)
    except (ValueError, RecursionError):
        return False  # the SDK answers a parse error itself
    for message in value if isinstance(value, list) else [value]:
        if isinstance(message, dict) and "id" in message:
            ident = message["id"]
            if len(ident if isinstance(ident, str) else json.dumps(ident)) > MAX_ID_LENGTH:
                return True
    return False

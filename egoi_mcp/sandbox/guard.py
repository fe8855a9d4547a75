"""Authentication and rate limiting, in front of every route.

- `POST /ping` is open (the spec gives it no security) and costs nothing; so are `GET /files/...`, the
  unguessable links to export and report files (E-goi's are signed download links).
- Everything else needs an `Apikey` header: missing or empty -> 401; when the sandbox was given a key,
  any other value -> 403 (E-goi's own plugins read 403 as "bad key").
- Each authenticated request spends one unit of the hourly budget; when it is spent -> 429.
- Every response, errors included, carries the `X-RateLimit-*` and `X-Account-*` headers.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from egoi_mcp.sandbox.budget import HourlyBudget
from egoi_mcp.sandbox.problems import problem
from egoi_mcp.sandbox.responses import JSONResponse

OPEN_PATHS = frozenset({"/ping"})
FILES_PREFIX = "/files/"  # the files exports and reports call back with: unguessable names, fetched without a key


class Guard:
    def __init__(self, app: ASGIApp, *, api_key: str | None, budget: HourlyBudget) -> None:
        self.app = app
        self.api_key = api_key
        self.budget = budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.budget.headers()]}
            await send(message)

        rejection = self._reject(scope)
        if rejection is not None:
            await rejection(scope, receive, send_with_limits)
        else:
            await self.app(scope, receive, send_with_limits)

    def _reject(self, scope: Scope) -> JSONResponse | None:
        if scope["path"] in OPEN_PATHS or scope["path"].startswith(FILES_PREFIX):
            return None
        key = Headers(scope=scope).get("apikey", "").strip()
        if not key:
            detail = "The request lacks the Apikey header with your E-goi API key"
            return JSONResponse(problem(401, detail), status_code=401)
        if self.api_key is not None and not hmac.compare_digest(key.encode(), self.api_key.encode()):
            return JSONResponse(problem(403, "The API key is not valid for this account"), status_code=403)
        if not self.budget.consume():
            return JSONResponse(problem(429, self.budget.spent_detail()), status_code=429)
        return None

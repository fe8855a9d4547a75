"""The sandbox as a Starlette app: routes, the auth/rate-limit guard, the send queue, error bodies, shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from egoi_mcp.sandbox.endpoints import (
    actions,
    activities,
    authoring,
    bulk,
    campaigns,
    contacts,
    lists,
    operations,
    reports,
    segments,
    sms,
    tags,
    webhooks,
)
from egoi_mcp.sandbox.guard import Guard
from egoi_mcp.sandbox.problems import ApiError, api_error_handler, http_error_handler
from egoi_mcp.sandbox.seed import seed as seed_demo_data
from egoi_mcp.sandbox.state import SEND_DELAY, Sandbox, utc_now


def create_app(
    *,
    seed: bool = True,
    api_key: str | None = None,
    deliver: httpx.AsyncClient | None = None,
    rate_limit: int = 5000,
    clock: Callable[[], datetime] = utc_now,
    send_delay: timedelta = SEND_DELAY,
) -> Starlette:
    """A fresh fake E-goi account served as E-goi's v3 API.

    `seed` loads the demo data; `api_key`, when given, is the only key accepted (else any non-empty key
    is); `deliver` posts the webhook deliveries (a default client is made when one is first needed);
    `rate_limit` is the hourly request budget; `clock` gives the time (aware UTC datetimes); a send
    without a `schedule_date` waits `send_delay` in the queue. `app.state.sandbox` is the `Sandbox`.
    """
    sandbox = Sandbox(deliver=deliver, clock=clock, send_delay=send_delay, rate_limit=rate_limit)
    if seed:
        seed_demo_data(sandbox)
    budget = sandbox.budget

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await sandbox.aclose()

    app = Starlette(
        routes=[
            *lists.routes,
            *contacts.routes,
            *activities.routes,
            *actions.routes,
            *tags.routes,
            *campaigns.routes,
            *authoring.routes,
            *reports.routes,
            *operations.routes,
            *segments.routes,
            *sms.routes,
            *webhooks.routes,
            *bulk.routes,
        ],
        middleware=[Middleware(Guard, api_key=api_key, budget=budget), Middleware(_RunDueSends, sandbox=sandbox)],
        exception_handlers={ApiError: api_error_handler, HTTPException: http_error_handler},
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox
    app.state.budget = budget
    return app


class _RunDueSends:
    """Before each request, run the queued sends whose time has come (the clock may have moved on)."""

    def __init__(self, app: ASGIApp, *, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.sandbox.queue.run_due()
        await self.app(scope, receive, send)

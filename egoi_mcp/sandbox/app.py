"""The sandbox as a Starlette app: routes, the auth/rate-limit guard, error bodies and shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from egoi_mcp.sandbox.budget import HourlyBudget
from egoi_mcp.sandbox.endpoints import actions, campaigns, contacts, lists, segments, tags, webhooks
from egoi_mcp.sandbox.guard import Guard
from egoi_mcp.sandbox.problems import ApiError, api_error_handler, http_error_handler
from egoi_mcp.sandbox.seed import seed as seed_demo_data
from egoi_mcp.sandbox.state import Sandbox


def create_app(
    *,
    seed: bool = True,
    api_key: str | None = None,
    deliver: httpx.AsyncClient | None = None,
    rate_limit: int = 5000,
) -> Starlette:
    """A fresh fake E-goi account served as E-goi's v3 API.

    `seed` loads the demo data; `api_key`, when given, is the only key accepted (else any non-empty key
    is); `deliver` posts the webhook deliveries (a default client is made when one is first needed);
    `rate_limit` is the hourly request budget. `app.state.sandbox` is the `Sandbox`.
    """
    sandbox = Sandbox(deliver=deliver)
    if seed:
        seed_demo_data(sandbox)
    budget = HourlyBudget(rate_limit)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await sandbox.aclose()

    app = Starlette(
        routes=[
            *lists.routes,
            *contacts.routes,
            *actions.routes,
            *tags.routes,
            *campaigns.routes,
            *segments.routes,
            *webhooks.routes,
        ],
        middleware=[Middleware(Guard, api_key=api_key, budget=budget)],
        exception_handlers={ApiError: api_error_handler, HTTPException: http_error_handler},
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox
    app.state.budget = budget
    return app

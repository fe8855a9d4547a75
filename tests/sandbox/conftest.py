"""The sandbox's tests' fixtures: a sandbox app posting its webhooks to a `Recorder`, on the real time (a test file
that moves time by hand overrides `clock`), and an HTTP client of it with the key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime

import httpx
import pytest
from starlette.applications import Starlette

from egoi_mcp.sandbox import create_app
from egoi_mcp.sandbox.state import utc_now
from tests.sandbox.account import KEY, Recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return utc_now


@pytest.fixture
async def app(recorder: Recorder, clock: Callable[[], datetime]) -> AsyncIterator[Starlette]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=recorder.app)) as deliver:
        app = create_app(deliver=deliver, clock=clock)
        yield app
        await app.state.sandbox.aclose()


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=KEY
    ) as client:
        yield client

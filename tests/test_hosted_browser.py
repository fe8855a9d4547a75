"""The link page in a real browser (headless Chromium): the SDK's OAuth client sends it to authorize, the person
pastes their key, consents, and Chromium follows the redirect back to the client (the CSP lets exactly it through)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from mcp.shared.auth import AuthorizationCodeResult

from egoi_mcp.hosted.scopes import READ, SEND
from tests.hosted import ALICE, REDIRECT, Memory, Person, connected, hosted
from tests.test_apps_browser import launched_browser

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with launched_browser() as launched:
        yield launched


class BrowserPerson(Person):
    """The same person, in Chromium: types the key, unticks what they do not grant, clicks Allow."""

    def __init__(self, browser: Any, api_key: str, grant: list[str]) -> None:
        super().__init__(api_key, grant)
        self._browser = browser
        self.context: Any = None
        self.violations: list[str] = []

    async def open_authorize(self, url: str) -> None:
        self.context = self.context or await self._browser.new_context()
        page = await self.context.new_page()
        page.on("console", lambda message: self.violations.append(message.text))
        landed: list[str] = []

        async def callback(route: Any) -> None:
            landed.append(route.request.url)
            await route.fulfill(status=200, body="signed in", content_type="text/plain")

        await page.route(f"{REDIRECT}*", callback)
        await page.goto(url)
        if await page.locator("#api_key").count() and not await page.get_by_role("button", name="Allow").count():
            await page.fill("#api_key", self.api_key)
            await page.get_by_role("button", name="Link and continue").click()
        for box in await page.locator("input[name=scope]").all():
            if await box.get_attribute("value") not in self.grant:
                await box.uncheck()
        await page.get_by_role("button", name="Allow").click()
        await page.wait_for_url(f"{REDIRECT}*")
        self.landed = landed[-1]
        await page.close()

    async def callback(self) -> AuthorizationCodeResult:
        query = {k: v[0] for k, v in parse_qs(urlsplit(str(self.landed)).query).items()}
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_sign_in_link_and_consent_in_chromium(
    browser: Any, tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    db = request.getfixturevalue("postgres_url") if engine == "postgresql" else tmp_path / "events.db"
    with hosted(tmp_path, db=db) as (url, _):
        person, storage = BrowserPerson(browser, ALICE, grant=[READ]), Memory()
        async with connected(url, person, storage) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert "egoi_list_lists" in names and "egoi_create_contact" not in names
            assert not (await client.call_tool("egoi_list_lists", {})).is_error
        assert storage.tokens is not None and storage.tokens.scope == READ
        # Signing in again in the same browser goes straight to consent: the key is linked to this person.
        person.grant = [READ, SEND]
        async with connected(url, person, Memory()) as again:
            assert "egoi_send_email_to_segment" in {tool.name for tool in (await again.list_tools()).tools}
        assert not [v for v in person.violations if "Content Security Policy" in v], person.violations
        await person.context.close()

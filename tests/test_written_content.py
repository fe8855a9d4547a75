"""A campaign's written content (E-goi never returns it) outlasts the client that wrote it: another process or
replica sharing the store, or the same server after a restart, shows the same checklist, preview HTML and SMS
parts. Real clients on one sandbox account, real stores (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from egoi_mcp.client import EGoiClient
from egoi_mcp.sandbox import create_app
from egoi_mcp.store import open_store

pytestmark = pytest.mark.anyio

KEY = "written-content-key-0123456789"
HTML = '<p>June at Acme</p><a href="https://acme.example/unsubscribe">Unsubscribe</a>'


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_a_campaign_written_by_one_client_is_known_to_the_next(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    db: Any = request.getfixturevalue("postgres_url") if engine == "postgresql" else tmp_path / "events.db"
    egoi = httpx.ASGITransport(app=create_app(api_key=KEY))  # one E-goi account, seen by every client
    store = await open_store(db)
    try:
        async with EGoiClient(KEY, base_url="http://sandbox", transport=egoi, state=store) as writer:
            created = await writer.campaigns.create_email(1, "June", "news@acme.example", html=HTML)
            sms = await writer.campaigns.create_sms(1, 1, "Sale tonight: 20% off")
        async with EGoiClient(KEY, base_url="http://sandbox", transport=egoi, state=store) as replica:
            detail = await replica.campaigns.detail(created.id, include_html=True)
            assert detail.content is not None and detail.content.has_unsubscribe_link
            assert detail.html == HTML and await replica.campaigns.written_html(created.id) == HTML
            assert await replica.campaigns.sms_text(sms.id) == "Sale tonight: 20% off"
        async with EGoiClient(KEY, base_url="http://sandbox", transport=egoi) as alone:  # no store: memory only
            assert (await alone.campaigns.detail(created.id)).content is None
    finally:
        await store.close()
    reopened = await open_store(db)  # a restart: the store on disk (or in PostgreSQL) still has it
    try:
        async with EGoiClient(KEY, base_url="http://sandbox", transport=egoi, state=reopened) as restarted:
            assert await restarted.campaigns.written_html(created.id) == HTML
        other = "another-account-key-0123456789"
        async with EGoiClient(other, base_url="http://sandbox", transport=egoi, state=reopened) as stranger:
            assert await stranger.campaigns.written_html(created.id) is None, "kept per account"
    finally:
        await reopened.close()


async def test_a_store_that_fails_costs_only_the_sharing(tmp_path: Path) -> None:
    """E-goi accepted the campaign: a store that cannot keep its content must not turn that into an error (the
    caller would make the campaign again)."""
    egoi = httpx.ASGITransport(app=create_app(api_key=KEY))
    closed = await open_store(tmp_path / "events.db")
    await closed.close()  # a real store that no longer answers
    async with EGoiClient(KEY, base_url="http://sandbox", transport=egoi, state=closed) as writer:
        created = await writer.campaigns.create_email(1, "June", "news@acme.example", html=HTML)
        assert created.content is not None and created.content.has_unsubscribe_link
        assert await writer.campaigns.written_html(created.id) == HTML, "kept in this process"
    async with EGoiClient(KEY, base_url="http://sandbox", transport=egoi, state=closed) as reader:
        assert (await reader.campaigns.detail(created.id)).content is None, "the campaign, without its content"

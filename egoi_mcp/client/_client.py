"""`EGoiClient`: the async client for the E-goi marketing API v3 (https://api.egoiapp.com).

Operations are grouped by E-goi resource, each group a small class over the one transport, reached as an
attribute: `client.contacts`, `client.lists`, `client.segments`, `client.tags`, `client.fields`,
`client.campaigns`, `client.senders`, `client.reports`, `client.operations`, `client.webhooks`,
`client.account`, `client.bulk`. The seed's flat names (`client.create_contact(...)`, ...) stay as aliases of
those methods.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx

from egoi_mcp.client._account import AccountAPI
from egoi_mcp.client._aliases import alias
from egoi_mcp.client._bulk import BulkAPI
from egoi_mcp.client._campaigns import CampaignsAPI
from egoi_mcp.client._contacts import ContactsAPI
from egoi_mcp.client._core import Core
from egoi_mcp.client._fields import FieldsAPI
from egoi_mcp.client._lists import ListsAPI
from egoi_mcp.client._names import CampaignNames
from egoi_mcp.client._network import network_transport
from egoi_mcp.client._operations import OperationsAPI
from egoi_mcp.client._reports import ReportsAPI
from egoi_mcp.client._segments import SegmentsAPI
from egoi_mcp.client._senders import SendersAPI
from egoi_mcp.client._tag_cache import TagCache
from egoi_mcp.client._tags import TagsAPI
from egoi_mcp.client._transport import Transport
from egoi_mcp.client._webhooks import WebhooksAPI
from egoi_mcp.client._written import ContentState, WrittenContent
from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.ratelimit import RateLimiter
from egoi_mcp.redact import register_secret

DEFAULT_BASE_URL = "https://api.egoiapp.com"

_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces: what an HTTP header value carries


class EGoiClient:
    """Async client for E-goi API v3. Use as `async with EGoiClient(api_key=...) as client:`.

    `transport` runs the client over any httpx transport (e.g. the embedded sandbox in-process), `limiter`
    shares a rate budget, and `clock` (epoch seconds) is what retries and schedules measure time with.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        default_list_id: int | None = None,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        max_retries: int = 3,
        retry_backoff: float = 0.5,
        clock: Callable[[], float] = time.time,
        state: ContentState | None = None,
    ) -> None:
        api_key = (api_key or "").strip()  # a key read from a secrets file ends with a newline
        if not api_key:
            raise InvalidArgumentError(
                "no E-goi API key: set EGOI_API_KEY (E-goi > Integrations > API key), or use the sandbox",
                code="NO_ACCESS",
            )
        if not _HEADER_SAFE.fullmatch(api_key):
            raise InvalidArgumentError(
                "EGOI_API_KEY contains characters an HTTP header cannot carry (spaces, control or non-ASCII "
                "characters): copy the key again from E-goi > Integrations > API key",
                code="NO_ACCESS",
            )
        register_secret(api_key)
        http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Apikey": api_key, "Accept": "application/json", "User-Agent": "egoi-mcp"},
            timeout=timeout,
            transport=transport or network_transport(),
        )
        wire = Transport(
            http, limiter or RateLimiter(), max_retries=max_retries, retry_backoff=retry_backoff, clock=clock,
            direct=transport,
        )  # fmt: skip
        self._core = core = Core(wire, default_list_id=default_list_id, clock=clock)
        self.account = AccountAPI(core)
        self.lists = ListsAPI(core)
        self.segments = SegmentsAPI(core)
        self.tags = TagsAPI(core)
        self.fields = FieldsAPI(core)
        self.contacts = ContactsAPI(core, self.tags, self.segments, self.fields)
        self.senders = SendersAPI(core)
        self.campaigns = CampaignsAPI(core, self.contacts, self.senders, WrittenContent(api_key, state))
        self.reports = ReportsAPI(core, self.campaigns)
        self.operations = OperationsAPI(core)
        self.webhooks = WebhooksAPI(core)
        self.bulk = BulkAPI(core)

    async def __aenter__(self) -> EGoiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._core.transport.http.aclose()

    def __repr__(self) -> str:
        return f"EGoiClient(base_url={str(self._core.transport.http.base_url)!r})"

    @property
    def default_list_id(self) -> int | None:
        """The list an operation uses when given none (`EGOI_DEFAULT_LIST_ID`)."""
        return self._core.default_list_id

    @default_list_id.setter
    def default_list_id(self, list_id: int | None) -> None:
        self._core.default_list_id = list_id

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter this client spends its budget with (shared with every client given the same one)."""
        return self._core.transport.budget.limiter

    @limiter.setter
    def limiter(self, limiter: RateLimiter) -> None:
        self._core.transport.budget.limiter = limiter

    def resolve_list_id(self, list_id: int | None) -> int:
        """The list to act on: the one given, else the default list; an error naming the fix when neither."""
        return self._core.resolve_list_id(list_id)

    @property
    def _tags(self) -> TagCache:  # the caches, for a benchmark that starts each job cold
        return self._core.tags

    @property
    def _campaign_names(self) -> CampaignNames:
        return self._core.campaign_names

    # -- the seed's names ---------------------------------------------------------------------------------------

    ping = alias("account", AccountAPI.ping)

    create_list = alias("lists", ListsAPI.create)
    get_lists = alias("lists", ListsAPI.list)
    get_list = alias("lists", ListsAPI.get)
    delete_list = alias("lists", ListsAPI.delete)

    create_contact = alias("contacts", ContactsAPI.create)
    get_contact = alias("contacts", ContactsAPI.get)
    search_contacts = alias("contacts", ContactsAPI.search)
    find_contact = alias("contacts", ContactsAPI.find)
    list_contacts = alias("contacts", ContactsAPI.list)
    count_contacts = alias("contacts", ContactsAPI.count)
    update_contacts = alias("contacts", ContactsAPI.update)
    delete_contacts = alias("contacts", ContactsAPI.delete)
    get_contact_activity = alias("contacts", ContactsAPI.activity)

    create_tag = alias("tags", TagsAPI.create)
    list_tags = alias("tags", TagsAPI.list)
    delete_tag = alias("tags", TagsAPI.delete)
    find_tag = alias("tags", TagsAPI.find)
    attach_tag = alias("tags", TagsAPI.attach)
    detach_tag = alias("tags", TagsAPI.detach)

    segment_list = alias("segments", SegmentsAPI.list)
    get_segment = alias("segments", SegmentsAPI.get)

    campaign_list = alias("campaigns", CampaignsAPI.list)
    get_campaign = alias("campaigns", CampaignsAPI.get)
    campaign_names = alias("campaigns", CampaignsAPI.names)
    send_email_to_contact = alias("campaigns", CampaignsAPI.send_to_contact)
    send_email_to_segment = alias("campaigns", CampaignsAPI.send_to_segment)

    get_campaign_report = alias("reports", ReportsAPI.email)
    pending_sends = alias("operations", OperationsAPI.pending)
    cancel_send = alias("operations", OperationsAPI.cancel_campaign)

    list_webhooks = alias("webhooks", WebhooksAPI.list)
    create_webhook = alias("webhooks", WebhooksAPI.create)
    delete_webhook = alias("webhooks", WebhooksAPI.delete)

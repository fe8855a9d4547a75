"""Builds the MCP server and, for HTTP, the one Starlette app: `/mcp`, the webhook receiver and `/healthz`.

The server's lifespan owns every resource: the E-goi client, the event store and the notifier are opened when it
starts and closed in `finally` when it ends, over stdio, HTTP and in-memory alike, and so is (with `--sandbox`) the
embedded fake E-goi, made on the first E-goi request (`egoi_mcp.embedded`). Tools reach them through
`egoi_mcp.runtime.runtime(ctx)`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar, cast

import anyio
import httpx
from mcp.server import MCPServer
from mcp.server.caching import CacheHint
from mcp.server.request_state import RequestStateSecurity
from mcp.server.subscriptions import InMemorySubscriptionBus, SubscriptionBus
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route, Router
from starlette.types import Receive, Scope, Send

from egoi_mcp import __version__, telemetry
from egoi_mcp._mcp_guard import McpGuard
from egoi_mcp.access import auth, transport_security
from egoi_mcp.apps import apps_extension, show_views_to_apps_clients
from egoi_mcp.audit import AuditTrail
from egoi_mcp.client import EGoiClient
from egoi_mcp.config import Settings
from egoi_mcp.embedded import EmbeddedSandbox
from egoi_mcp.health import health_routes
from egoi_mcp.jobs import job_callback_routes, open_jobs
from egoi_mcp.ledger import Ledger
from egoi_mcp.mcpserver import EgoiMCP
from egoi_mcp.ratelimit import SANDBOX_BUDGET, RateLimiter
from egoi_mcp.redact import db_passwords, register_secret
from egoi_mcp.resources import EventNotifier, register_event_resources, register_job_resources, register_prompts
from egoi_mcp.resources.audit import register_audit_resource
from egoi_mcp.resources.scoped import AccountBus
from egoi_mcp.runtime import ACCOUNT, Runtime
from egoi_mcp.seal import ConfirmTokens
from egoi_mcp.store import is_postgres_url, open_store
from egoi_mcp.tools import TOOLSETS, instructions, listed_tools, only_registered, register_tools, selected_tools
from egoi_mcp.tools._listing import ToolListing, serve_listing
from egoi_mcp.unattended import UnattendedLimits
from egoi_mcp.webhooks.address import public_url, receiver_url
from egoi_mcp.webhooks.receiver import receiver_routes, serve_receiver
from egoi_mcp.webhooks.secret import webhook_secret

if TYPE_CHECKING:
    from egoi_mcp.hosted import Hosted

__all__ = ["EgoiServer", "build_app", "build_server"]

_T = TypeVar("_T")

SANDBOX_KEY: Final = "sandbox-key"
SANDBOX_BASE_URL: Final = "http://sandbox.egoi.invalid"
MAX_MCP_BODY: Final = 1024 * 1024
SESSION_IDLE_TIMEOUT: Final = 5 * 60.0  # a 2025-era session idle this long is closed, freeing its slot
_RESOURCES: Final = (
    "Webhook events are also the egoi://events/recent resource; subscribe to hear of new ones. Prompts "
    "campaign_review, list_health and segment_send_checklist walk through recurring jobs."
)
_LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]  # Settings checks the value
_LIST_CACHE: Final = CacheHint(ttl_ms=60_000, scope="private")


class EgoiServer:
    """A built server: the MCP server, and the resources its lifespan opens (`runtime`, while it runs)."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
        clock: Callable[[], float] = time.time,
        retry_backoff: float = 0.5,
    ) -> None:
        self.settings = settings
        self._retry_backoff = retry_backoff
        register_secret(settings.key)
        for password in db_passwords(settings.db):  # before the store is opened: its errors may quote the URL
            register_secret(password, encoded=False)
        if settings.auth_token:
            register_secret(settings.auth_token.get_secret_value(), encoded=False)  # never sent upstream
        self.webhook_secret, self.seal_key = _shared_secrets(settings)
        register_secret(self.webhook_secret)
        register_secret(self.seal_key.decode(), encoded=False)
        self.public_url = public_url(settings)
        self.bus = _bus(settings)
        self.runtime: Runtime | None = None
        self._transport = transport
        self._limiter = limiter
        self._clock = clock
        self.hosted = _hosted(self, transport, clock) if settings.auth == "oauth" else None
        self._receiver: Router | None = None
        specs = selected_tools(read_only=settings.read_only, toolsets=settings.toolsets)
        self.tools = [t.name for t in specs]
        self.listing = ToolListing(
            self.tools, listed_tools(specs, settings.toolsets), TOOLSETS, cache=settings.tools_cache
        )
        self.mcp = EgoiMCP(
            "egoi-mcp",
            requests_per_call=max(1, min(settings.requests_per_call, settings.rate_limit_per_hour // 10)),
            listing=self.listing,
            title="E-goi",
            version=__version__,
            instructions=instructions(self.listing.default, resources=_RESOURCES),
            website_url="https://github.com/egoi-mcp/egoi-mcp",
            lifespan=self._lifespan,
            subscriptions=AccountBus(self.bus),
            log_level=cast(_LogLevel, settings.log_level),
            request_state_security=RequestStateSecurity(keys=[self.seal_key]),
            cache_hints={
                "resources/templates/list": _LIST_CACHE,
                **({} if self.listing.dynamic else {"tools/list": _LIST_CACHE}),
            },
            extensions=[apps_extension()],
            middleware=[
                show_views_to_apps_clients,
                *([telemetry.middleware] if settings.otel_endpoint else []),
                *(self.hosted.middleware if self.hosted else []),
            ],
            **(self.hosted.server_options() if self.hosted else auth(settings)),
        )
        register_tools(self.mcp, read_only=settings.read_only, toolsets=settings.toolsets, listing=self.listing)
        serve_listing(self.mcp, self.listing)
        complete_prompts = register_prompts(self.mcp, self.current, self.tools)
        register_event_resources(
            self.mcp, self.current, names=self._campaign_names, empty_hint=_empty_hint(self.tools),
            complete_prompts=complete_prompts, hide_user_content=settings.user_content == "hide",
        )  # fmt: skip
        register_audit_resource(self.mcp, self.current)
        register_job_resources(self.mcp, self.current)

    async def _campaign_names(self, hashes: list[str]) -> dict[str, str]:
        return await self.current().client.campaign_names(hashes)

    def current(self) -> Runtime:
        """The running server's resources (the user's, when hosted); an error outside the lifespan."""
        if self.runtime is None:
            raise RuntimeError("the egoi-mcp server is not running (its lifespan has not started)")
        return ACCOUNT.get() or self.runtime  # with --auth oauth, the signed-in user's own account

    def receiver_url(self) -> str | None:
        """The full webhook URL to register with E-goi (it holds the secret: for the operator's eyes only)."""
        return receiver_url(self.public_url, self.webhook_secret)

    @asynccontextmanager
    async def open(self) -> AsyncIterator[Runtime]:
        """Open every resource the tools use; close each, in reverse order, whatever happens."""
        settings = self.settings
        async with AsyncExitStack() as stack:
            store = await open_store(
                settings.db, max_events=settings.events_max, max_age_days=settings.events_max_age_days, bus=self.bus
            )
            stack.push_async_callback(store.close)
            notifier = EventNotifier(store, self.bus)
            hosted_key = self.seal_key if self.hosted else None  # each linked account's receiver, when hosted
            routes = receiver_routes(store, self.webhook_secret, notifier.notify, account_key=hosted_key)
            routes += job_callback_routes(store, self.webhook_secret)  # E-goi's callbacks for exports and reports
            sandbox = None
            if settings.sandbox:
                # Sandbox deliveries reach our receiver in-process, whatever address the webhook was registered with.
                deliver = httpx.AsyncClient(transport=httpx.ASGITransport(app=Starlette(routes=routes)))
                stack.push_async_callback(deliver.aclose)
                sandbox = EmbeddedSandbox(SANDBOX_KEY, deliver)  # closed with the client, made on its first request
                client = EGoiClient(
                    SANDBOX_KEY,
                    base_url=SANDBOX_BASE_URL,
                    default_list_id=settings.default_list_id or 1,
                    limiter=self._limiter or RateLimiter(5000, max_wait=5, state=store, advice=SANDBOX_BUDGET),
                    transport=sandbox,
                    state=store,
                )
            else:
                client = EGoiClient(
                    settings.key or ("hosted:each-user-links-a-key" if self.hosted else None),
                    base_url=settings.base_url,
                    default_list_id=settings.default_list_id,
                    limiter=self._limiter
                    or RateLimiter(settings.rate_limit_per_hour, state=store, api_key=settings.key),
                    transport=self._transport,
                    retry_backoff=self._retry_backoff,
                    state=store,
                )
            stack.push_async_callback(client.aclose)
            if self.hosted:  # each user's own E-goi client, closed before the store
                stack.push_async_callback(self.hosted.aclose)
            if settings.otel_endpoint:  # stopped, what is pending flushed, when the lifespan ends
                telemetry.start(settings.otel_endpoint, limiter=client.limiter, version=__version__)
                stack.push_async_callback(anyio.to_thread.run_sync, telemetry.stop)
            tasks = await stack.enter_async_context(anyio.create_task_group())
            stack.callback(tasks.cancel_scope.cancel)
            tasks.start_soon(notifier.watch)
            jobs = open_jobs(settings, store, client, notifier, tasks, callback_base=self.receiver_url())
            if settings.transport == "stdio" and settings.webhook_listen:
                tasks.start_soon(serve_receiver, Starlette(routes=routes), settings.webhook_listen)
            self._receiver = Router(routes=routes)
            stack.callback(setattr, self, "_receiver", None)
            yield Runtime(
                settings=settings, client=client, store=store, notifier=notifier,
                tokens=ConfirmTokens(self.seal_key, clock=self._clock), ledger=Ledger(store, clock=self._clock),
                unattended=UnattendedLimits(settings, store, clock=self._clock),
                audit=AuditTrail(store, max_age_days=settings.audit_max_age_days, clock=self._clock),
                listing=self.listing, jobs=jobs, webhook_secret=self.webhook_secret, public_url=self.public_url,
                embedded=sandbox,
            )  # fmt: skip

    @asynccontextmanager
    async def _lifespan(self, _: MCPServer[Runtime]) -> AsyncIterator[Runtime]:
        async with self.open() as rt:
            self.runtime = rt
            try:
                yield rt
            finally:
                self.runtime = None

    async def receive_webhook(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI: the webhook receiver of the running server (503 before its lifespan starts)."""
        if self._receiver is None:
            await PlainTextResponse("starting", status_code=503)(scope, receive, send)
            return
        await self._receiver(scope, receive, send)


class _App(Starlette):
    """The HTTP app, with webhook deliveries taken straight to the running server's receiver: a flood of them is
    the hottest path, and Starlette's error and exception middleware and routing in front of it are for `/mcp`
    and the pages (the receiver answers every delivery itself; its router answers 404, 405 and redirects)."""

    def __init__(self, server: EgoiServer, **options: Any) -> None:
        super().__init__(**options)
        self._server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/webhooks/"):
            await self._server.receive_webhook(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _shared_secrets(settings: Settings) -> tuple[str, bytes]:
    """The webhook secret and the seal key: from the configuration, else from the store, where every process and
    replica sharing it finds the same ones (created once, atomically). Opening the store here also checks it
    before anything is served: a store that cannot be used raises StoreError, one actionable line."""
    hook = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    seal = settings.seal_key.get_secret_value() if settings.seal_key else None
    hook, seal = _on_a_thread(_stored_secrets(settings, hook, seal))
    return hook, seal.encode()


async def _stored_secrets(settings: Settings, hook: str | None, seal: str | None) -> tuple[str, str]:
    store = await open_store(settings.db, max_events=settings.events_max, max_age_days=settings.events_max_age_days)
    try:
        return await webhook_secret(store, hook), seal or await store.shared_secret("seal")
    finally:
        await store.close()


def _on_a_thread(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run `coroutine` to its end on an event loop of its own, in a worker thread (from sync or async code)."""

    async def run() -> _T:
        return await coroutine

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, run).result()


def _hosted(server: EgoiServer, transport: httpx.AsyncBaseTransport | None, clock: Callable[[], float]) -> Hosted:
    """The hosted connector, imported only when asked for (its JOSE and AES libraries cost start-up)."""
    from egoi_mcp.hosted import Hosted

    return Hosted(server, transport, clock=clock)


def _bus(settings: Settings) -> SubscriptionBus:
    """How subscribers hear of new events: in-process (SQLite; other processes found by the watcher), or
    LISTEN/NOTIFY between every replica sharing the PostgreSQL store."""
    if is_postgres_url(settings.db):
        from egoi_mcp.store.pgbus import PostgresBus

        return PostgresBus(str(settings.db))
    return InMemorySubscriptionBus()


def build_server(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    limiter: RateLimiter | None = None,
    clock: Callable[[], float] | None = None,
    retry_backoff: float = 0.5,
) -> EgoiServer:
    """Wire settings into an MCP server. With `settings.sandbox`, E-goi is the embedded fake, in-process.

    `transport` (an httpx transport for E-goi calls), `limiter`, `clock` (confirmation-token time) and
    `retry_backoff` (seconds before the first retry of a read, doubling) are for tests and embedding.
    """
    return EgoiServer(
        settings, transport=transport, limiter=limiter, clock=clock or time.time, retry_backoff=retry_backoff
    )


def _empty_hint(tools: list[str]) -> str:
    """What fills the event lists, naming the tool that does it only when it is registered."""
    return only_registered(
        "They fill once an E-goi webhook sends a list's events to this server. egoi_register_webhook registers one.",
        set(tools),
    )


def build_app(server: EgoiServer) -> Starlette:
    """The HTTP app: `/mcp` (both protocol eras), `POST /webhooks/egoi/{secret}`, `GET /healthz` and, for
    orchestrators, `GET /healthz/live` and `GET /healthz/ready` (`egoi_mcp.health`)."""
    settings = server.settings
    mcp_app = server.mcp.streamable_http_app(
        transport_security=transport_security(settings),
        max_request_body_size=MAX_MCP_BODY,
        session_idle_timeout=SESSION_IDLE_TIMEOUT,
        max_sessions=settings.max_sessions,
        host=settings.host,
    )
    sessions = server.mcp.session_manager  # behind its auth and body limit: overlong ids refused, idle evicted
    guarded = McpGuard(sessions.asgi_app.app, sessions)  # with --auth oauth, each request on its user's account:
    sessions.asgi_app.app = server.hosted.per_account(guarded) if server.hosted else guarded

    async def healthz(request: Request) -> JSONResponse:
        running = server.runtime
        if running is None:
            return JSONResponse({"status": "starting", "version": __version__}, status_code=503)
        store = {"engine": running.store.engine, "listener_connected": running.store.listener_connected}
        return JSONResponse({"status": "ok", "version": __version__, "sandbox": settings.sandbox, "store": store})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with server.mcp.session_manager.run():  # enters the server's lifespan: every resource
            yield

    return _App(
        server,
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            *health_routes(lambda: server.runtime),
            *(server.hosted.routes() if server.hosted else []),
            Mount("/", app=mcp_app),
        ],
        lifespan=lifespan,
    )

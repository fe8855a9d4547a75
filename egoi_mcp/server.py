"""Builds the MCP server and, for HTTP, the one Starlette app: `/mcp`, the webhook receiver and `/healthz`."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import httpx
from mcp.server import MCPServer
from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from egoi_mcp import __version__
from egoi_mcp.client import EGoiClient
from egoi_mcp.config import Settings
from egoi_mcp.ratelimit import RateLimiter
from egoi_mcp.resources import EventNotifier, register_event_resources
from egoi_mcp.runtime import Runtime
from egoi_mcp.store import SQLiteStore
from egoi_mcp.tools import register_tools
from egoi_mcp.webhooks.receiver import receiver_routes
from egoi_mcp.webhooks.secret import webhook_secret

INSTRUCTIONS = """\
E-goi marketing account tools. Contacts live in lists: most tools need a list_id (egoi_list_lists) unless \
the server has a default list. A contact_id is 10 hex characters (egoi_search_contacts finds it by e-mail). \
Campaign ids are hashes from egoi_list_campaigns; segment ids come from egoi_list_segments. \
Destructive tools (delete, send) first return a preview with status confirmation_required and change nothing; \
show the summary to the user and call again with confirm=true only if they agree. \
Webhook events (new subscribers, unsubscribes, opens, clicks, bounces, sends) arrive as egoi://events/recent \
resources and through egoi_list_events, once egoi_register_webhook has pointed a list at this server."""

SANDBOX_KEY = "sandbox-key"
SANDBOX_BASE_URL = "http://sandbox.egoi.invalid"
MAX_MCP_BODY = 1024 * 1024
T = TypeVar("T")
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class _StaticBearer(TokenVerifier):
    """One shared bearer token, compared in constant time."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    async def verify_token(self, token: str) -> AccessToken | None:
        if hmac.compare_digest(token.encode(), self._token):
            return AccessToken(token="bearer", client_id="egoi-mcp-client", scopes=[])
        return None


@dataclass
class EgoiServer:
    """A built server: the MCP server, what its tools use, and the routes that receive E-goi's webhooks."""

    mcp: MCPServer
    runtime: Runtime
    notifier: EventNotifier
    webhook_routes: list[BaseRoute]
    tools: list[str]

    async def aclose(self) -> None:
        await self.runtime.client.aclose()
        sandbox = self.runtime.sandbox
        if sandbox is not None:
            await sandbox.state.sandbox.aclose()
            await sandbox.state.deliver.aclose()
        await self.runtime.store.close()


def build_server(settings: Settings) -> EgoiServer:
    """Wire settings into an MCP server. With `settings.sandbox`, E-goi is the embedded fake, in-process."""
    store = SQLiteStore(settings.db, max_events=settings.events_max, max_age_days=settings.events_max_age_days)
    configured = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    # Until the lifespan opens the store (`open_store`, either engine), it is read here on a loop of its own.
    secret = _on_a_thread(webhook_secret(store, configured))
    bus = store.bus

    auth: dict[str, Any] = {}
    if settings.auth_token:
        from mcp.server.auth.settings import AuthSettings
        from pydantic import AnyHttpUrl

        auth = {
            "token_verifier": _StaticBearer(settings.auth_token.get_secret_value()),
            "auth": AuthSettings(issuer_url=AnyHttpUrl("https://auth.invalid"), resource_server_url=None),
        }

    @asynccontextmanager
    async def lifespan(server: MCPServer) -> AsyncIterator[Runtime]:
        # `notifier` and `runtime` are bound below, before the server can start.
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(notifier.watch)
            yield runtime
            tasks.cancel_scope.cancel()

    mcp = MCPServer(
        "egoi-mcp",
        title="E-goi",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url="https://github.com/egoi-mcp/egoi-mcp",
        lifespan=lifespan,
        subscriptions=bus,
        log_level=settings.log_level,
        **auth,
    )
    tool_names = register_tools(mcp, read_only=settings.read_only, toolsets=settings.toolsets)
    notifier = register_event_resources(mcp, store, bus)
    routes = receiver_routes(store, secret, notifier.notify)

    sandbox = None
    if settings.sandbox:
        from egoi_mcp.sandbox import create_app

        # Sandbox deliveries reach our receiver in-process, whatever address the webhook was registered with.
        deliver = httpx.AsyncClient(transport=httpx.ASGITransport(app=Starlette(routes=routes)))
        sandbox = create_app(deliver=deliver, api_key=SANDBOX_KEY)
        sandbox.state.deliver = deliver
        client = EGoiClient(
            SANDBOX_KEY,
            base_url=SANDBOX_BASE_URL,
            default_list_id=settings.default_list_id or 1,
            limiter=RateLimiter(max(settings.rate_limit_per_hour, 5000), max_wait=5, state=store, api_key=SANDBOX_KEY),
            transport=httpx.ASGITransport(app=sandbox),
        )
    else:
        client = EGoiClient(
            settings.key,
            base_url=settings.base_url,
            default_list_id=settings.default_list_id,
            limiter=RateLimiter(settings.rate_limit_per_hour, state=store, api_key=settings.key),
        )
    runtime = Runtime(settings, client, store, secret, sandbox=sandbox, public_url=_public_url(settings))
    return EgoiServer(mcp, runtime, notifier, routes, tool_names)


def _on_a_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end on a loop of its own, in a worker thread (callable from sync and async code)."""

    async def run() -> T:
        return await coroutine

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, run).result()


def _public_url(settings: Settings) -> str | None:
    if settings.public_url:
        return settings.public_url
    if settings.transport == "http":
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        return f"http://{host}:{settings.port}"
    if settings.webhook_listen:
        host, _, port = settings.webhook_listen.rpartition(":")
        return f"http://[{host}]:{port}" if ":" in host else f"http://{settings.webhook_listen}"
    if settings.sandbox:
        return "http://egoi-mcp.sandbox.invalid"  # the sandbox delivers in-process: any base works
    return None


def _transport_security(settings: Settings) -> TransportSecuritySettings:
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    for host in settings.allowed_hosts:
        hosts += [host, f"{host}:*"]
        origins += [f"https://{host}", f"http://{host}", f"https://{host}:*", f"http://{host}:*"]
    return TransportSecuritySettings(allowed_hosts=hosts, allowed_origins=origins)


def check_exposure(settings: Settings) -> None:
    """Refuse to serve beyond loopback without a bearer token."""
    if settings.host not in _LOOPBACK and not settings.auth_token:
        raise SystemExit(
            f"egoi-mcp: refusing to listen on {settings.host} without EGOI_MCP_AUTH_TOKEN: anyone who can reach "
            "it could run your E-goi account. Set a long random token, or bind to 127.0.0.1."
        )


def build_app(server: EgoiServer) -> Starlette:
    """The HTTP app: `/mcp` (both protocol eras), `POST /webhooks/egoi/{secret}` and `GET /healthz`."""
    settings = server.runtime.settings
    mcp_app = server.mcp.streamable_http_app(
        transport_security=_transport_security(settings),
        max_request_body_size=MAX_MCP_BODY,
        host=settings.host,
    )

    async def healthz(request: Request) -> JSONResponse:
        store = server.runtime.store
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "sandbox": settings.sandbox,
                "store": {"engine": store.engine, "listener_connected": store.listener_connected},
            }
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with server.mcp.session_manager.run():
            yield
        await server.aclose()

    return Starlette(
        routes=[*server.webhook_routes, Route("/healthz", healthz, methods=["GET"]), Mount("/", app=mcp_app)],
        lifespan=lifespan,
    )

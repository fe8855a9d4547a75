"""The webhook receiver: authenticate, read, parse and store E-goi's deliveries.

E-goi cannot send custom headers and does not sign its webhooks, so the shared secret travels in the URL
(`/webhooks/egoi/{secret}` or `?k=secret`). A hosted server also takes each linked account's deliveries at
`/webhooks/egoi/{account}/{secret}`, that account's own secret (`address.account_secret`), and stores them as the
account's.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final

from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from egoi_mcp import telemetry
from egoi_mcp.redact import mask_email
from egoi_mcp.webhooks.address import RECEIVER_PATH, account_secret
from egoi_mcp.webhooks.parser import MalformedDelivery, parse_delivery

if TYPE_CHECKING:
    from egoi_mcp.models import Event
    from egoi_mcp.store import Store

__all__ = ["MAX_BODY_BYTES", "RECEIVER_PATH", "receiver_routes", "serve_receiver"]

logger = logging.getLogger("egoi_mcp.webhooks")

MAX_BODY_BYTES: Final = 256 * 1024
_ACCOUNT: Final = re.compile(r"[0-9a-f]{32}")  # an account: its API key's fingerprint (`jobs.service.account_of`)


class _TooLarge(Exception):
    pass


def receiver_routes(
    store: Store,
    secret: str,
    on_stored: Callable[[list[Event]], Awaitable[None]] | None = None,
    *,
    account_key: bytes | None = None,
) -> list[BaseRoute]:
    """`POST /webhooks/egoi/{secret}` and `POST /webhooks/egoi?k=secret`, storing each delivery in `store`; with
    `account_key` (the seal key: a hosted server), `POST /webhooks/egoi/{account}/{secret}` too, for each account.

    A delivery is answered 200 only once its event is committed, so E-goi's retry covers every failure before
    that. `on_stored` (the notifier) runs after the response; it is told only of new events, not repeats.
    """
    if not secret:
        raise ValueError("the webhook secret must not be empty")
    expected = secret.encode()

    def expected_of(account: str) -> bytes | None:
        if not account:
            return expected
        if account_key is None or not _ACCOUNT.fullmatch(account):
            return None
        return account_secret(account_key, account).encode()

    async def receive(request: Request) -> Response:
        given = request.path_params.get("secret")
        if given is None:  # only then: parsing the query string is a cost every delivery would pay
            given = request.query_params.get("k", "")
        account = request.path_params.get("account", "")
        wanted = expected_of(account)
        if wanted is None or not hmac.compare_digest(given.encode(), wanted):
            client = request.client.host if request.client else "?"
            logger.warning("webhook delivery from %s with a wrong or missing secret: refused (404)", client)
            telemetry.delivery("refused")
            return PlainTextResponse("Not Found", status_code=404)
        try:
            body = await _read_body(request)
        except _TooLarge:
            return _refuse(413, f"body is larger than {MAX_BODY_BYTES} bytes")
        except (MalformedDelivery, ClientDisconnect) as exc:
            return _refuse(400, str(exc) or "the client went away mid-body")
        try:
            parsed = parse_delivery(body, request.headers.get("content-type"))
        except MalformedDelivery as exc:
            logger.warning("malformed webhook delivery refused (400): %s", exc)
            return _refuse(400, str(exc))
        try:
            event, duplicate = await store.add(body, parsed, account=account)
        except Exception:  # nothing was acknowledged: E-goi retries, and the dedupe key absorbs the repeat
            logger.exception("could not store a webhook delivery; answering 503 so that E-goi retries")
            return _refuse(503, "the event store is unavailable; retry later")
        # DEBUG, not INFO: a record per event, formatted and e-mail-masked, is a real share of a flood's cost.
        logger.debug(
            "webhook event %s: %s (%s) for %s%s",
            event.id,
            event.trigger,
            event.action,
            mask_email(event.email),
            " (repeat, not stored again)" if duplicate else "",
        )
        telemetry.delivery("duplicate" if duplicate else "accepted", event.trigger)
        notify = BackgroundTask(_run_on_stored, on_stored, event) if on_stored and not duplicate else None
        return JSONResponse({"ok": True, "event_id": event.id, "duplicate": duplicate}, background=notify)

    routes: list[BaseRoute] = [
        Route(RECEIVER_PATH + "/{secret}", receive, methods=["POST"], name="egoi_webhook"),
        Route(RECEIVER_PATH, receive, methods=["POST"], name="egoi_webhook_query"),
    ]
    if account_key is not None:
        routes.append(Route(RECEIVER_PATH + "/{account}/{secret}", receive, methods=["POST"], name="egoi_webhook_of"))
    return routes


async def serve_receiver(app: ASGIApp, listen: str) -> None:
    """stdio mode's webhook receiver on `--webhook-listen` (host:port), until cancelled."""
    import uvicorn

    host, _, port = listen.rpartition(":")
    receiver = uvicorn.Server(uvicorn.Config(app, host=host, port=int(port), log_level="warning", log_config=None))
    # Signals belong to the stdio server: SIGTERM must end the process, not just the receiver.
    receiver.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    await receiver.serve()


async def _read_body(request: Request) -> bytes:
    """At most MAX_BODY_BYTES, judged by Content-Length first and by counting, so that lying cannot bypass it."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdecimal():
            raise MalformedDelivery("Content-Length is not a number")
        if int(declared) > MAX_BODY_BYTES:
            raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _TooLarge
    return bytes(body)


def _refuse(status: int, error: str) -> JSONResponse:
    telemetry.delivery("refused")
    return JSONResponse({"ok": False, "error": error}, status_code=status)


async def _run_on_stored(on_stored: Callable[[list[Event]], Awaitable[None]], event: Event) -> None:
    try:
        await on_stored([event])
    except Exception:  # the delivery is already stored and acknowledged; a failed notification must not undo that
        logger.exception("notifying subscribers of event %s failed", event.id)

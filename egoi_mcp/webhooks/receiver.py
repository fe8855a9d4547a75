"""The webhook receiver: authenticate, read, parse and store E-goi's deliveries.

E-goi cannot send custom headers and does not sign its webhooks, so the shared secret travels in the URL
(`/webhooks/egoi/{secret}` or `?k=secret`). A hosted server also takes each linked account's deliveries at
`/webhooks/egoi/{account}/{secret}`, that account's own secret (`address.account_secret`), and stores them as the
account's.

The endpoint is plain ASGI rather than a Starlette request handler: a flood of deliveries is this server's
hottest path, and a request object, a response object and a background task per delivery were a measured share
of its cost (bench/webhook_ingest.py).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

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
_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_JSON_TYPE: Final = b"application/json"
_NOT_FOUND: Final = (404, b"Not Found", b"text/plain; charset=utf-8")

_OnStored = Callable[[list["Event"]], Awaitable[None]]
_Answer = tuple[int, bytes, bytes]  # status, body, content type


class _TooLarge(Exception):
    pass


def receiver_routes(
    store: Store, secret: str, on_stored: _OnStored | None = None, *, account_key: bytes | None = None
) -> list[BaseRoute]:
    """`POST /webhooks/egoi/{secret}` and `POST /webhooks/egoi?k=secret`, storing each delivery in `store`; with
    `account_key` (the seal key: a hosted server), `POST /webhooks/egoi/{account}/{secret}` too, for each account.

    A delivery is answered 200 only once its event is committed, so E-goi's retry covers every failure before
    that. `on_stored` (the notifier) runs after the response; it is told only of new events, not repeats.
    """
    if not secret:
        raise ValueError("the webhook secret must not be empty")
    receiver = _Receiver(store, secret.encode(), on_stored, account_key)
    routes: list[BaseRoute] = [
        Route(RECEIVER_PATH + "/{secret}", receiver, methods=["POST"], name="egoi_webhook"),
        Route(RECEIVER_PATH, receiver, methods=["POST"], name="egoi_webhook_query"),
    ]
    if account_key is not None:
        routes.append(Route(RECEIVER_PATH + "/{account}/{secret}", receiver, methods=["POST"], name="egoi_webhook_of"))
    return routes


class _Receiver:
    """The ASGI endpoint of every receiver route."""

    def __init__(self, store: Store, expected: bytes, on_stored: _OnStored | None, account_key: bytes | None) -> None:
        self._store = store
        self._expected = expected
        self._on_stored = on_stored
        self._account_key = account_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        event: Event | None = None
        try:
            (status, body, content_type), event = await self._take(scope, receive)
        except _TooLarge:
            status, body, content_type = _refuse(413, f"body is larger than {MAX_BODY_BYTES} bytes")
        except (MalformedDelivery, ClientDisconnect) as exc:
            status, body, content_type = _refuse(400, str(exc) or "the client went away mid-body")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", content_type)],
            }
        )
        await send({"type": "http.response.body", "body": body})
        if event is not None and self._on_stored is not None:
            await _run_on_stored(self._on_stored, event)

    async def _take(self, scope: Scope, receive: Receive) -> tuple[_Answer, Event | None]:
        """The answer to one delivery, and its event when it is new (for `on_stored`)."""
        params = scope["path_params"]
        given = params.get("secret")
        if given is None:  # only then: parsing the query string is a cost every delivery would pay
            given = _query_secret(scope.get("query_string", b""))
        account = params.get("account", "")
        wanted = self._expected_of(account)
        if wanted is None or not hmac.compare_digest(given.encode(), wanted):
            client = scope["client"][0] if scope.get("client") else "?"
            logger.warning("webhook delivery from %s with a wrong or missing secret: refused (404)", client)
            telemetry.delivery("refused")
            return _NOT_FOUND, None
        length, content_type = _headers(scope)
        body = await _read_body(receive, length)
        try:
            parsed = parse_delivery(body, content_type)
        except MalformedDelivery as exc:
            logger.warning("malformed webhook delivery refused (400): %s", exc)
            return _refuse(400, str(exc)), None
        try:
            event, duplicate = await self._store.add(body, parsed, account=account)
        except Exception:  # nothing was acknowledged: E-goi retries, and the dedupe key absorbs the repeat
            logger.exception("could not store a webhook delivery; answering 503 so that E-goi retries")
            return _refuse(503, "the event store is unavailable; retry later"), None
        # DEBUG, not INFO: a record per event, formatted and e-mail-masked, is a real share of a flood's cost.
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "webhook event %s: %s (%s) for %s%s", event.id, event.trigger, event.action, mask_email(event.email),
                " (repeat, not stored again)" if duplicate else "",
            )  # fmt: skip
        telemetry.delivery("duplicate" if duplicate else "accepted", event.trigger)
        answer = _JSON.encode({"ok": True, "event_id": event.id, "duplicate": duplicate}).encode()
        return (200, answer, _JSON_TYPE), None if duplicate else event

    def _expected_of(self, account: str) -> bytes | None:
        if not account:
            return self._expected
        if self._account_key is None or not _ACCOUNT.fullmatch(account):
            return None
        return account_secret(self._account_key, account).encode()


async def serve_receiver(app: ASGIApp, listen: str) -> None:
    """stdio mode's webhook receiver on `--webhook-listen` (host:port), until cancelled."""
    import uvicorn

    host, _, port = listen.rpartition(":")
    receiver = uvicorn.Server(uvicorn.Config(app, host=host, port=int(port), log_level="warning", log_config=None))
    # Signals belong to the stdio server: SIGTERM must end the process, not just the receiver.
    receiver.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    await receiver.serve()


def _query_secret(query: bytes) -> str:
    """`?k=`: the last one given, as Starlette's query parameters read it."""
    given = ""
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name == "k":
            given = value
    return given


def _headers(scope: Scope) -> tuple[str | None, str | None]:
    """The request's Content-Length and Content-Type, the first of each."""
    length = content_type = None
    for name, value in scope["headers"]:
        if name == b"content-length" and length is None:
            length = value.decode("latin-1")
        elif name == b"content-type" and content_type is None:
            content_type = value.decode("latin-1")
    return length, content_type


async def _read_body(receive: Receive, declared: str | None) -> bytes:
    """At most MAX_BODY_BYTES, judged by Content-Length first and by counting, so that lying cannot bypass it."""
    if declared is not None:
        if not declared.strip().isdecimal():
            raise MalformedDelivery("Content-Length is not a number")
        if int(declared) > MAX_BODY_BYTES:
            raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)  # one chunk, the usual case: no copy


def _refuse(status: int, error: str) -> _Answer:
    telemetry.delivery("refused")
    return status, _JSON.encode({"ok": False, "error": error}).encode(), _JSON_TYPE


async def _run_on_stored(on_stored: _OnStored, event: Event) -> None:
    try:
        await on_stored([event])
    except Exception:  # the delivery is already stored and acknowledged; a failed notification must not undo that
        logger.exception("notifying subscribers of event %s failed", event.id)

"""The request path under `EGoiClient`, in small steps: send once, raise for status, retry policy, decode.

`Transport.request` is the only way to E-goi. The rate limiter is touched in one place only, `_Budget`,
so the seam to the limiter (which may become async or store-backed) is three short methods; the same place
counts each request against the call's bound (`_call_budget`), before it waits for the limiter.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import httpx

from egoi_mcp import telemetry
from egoi_mcp._json import loads
from egoi_mcp.client._call_budget import requests_left, spend_one, wait_left, waited
from egoi_mcp.client._errors import error_from_response
from egoi_mcp.errors import EGoiError, InvalidArgumentError, NetworkError, RateLimitError, UpstreamError
from egoi_mcp.ratelimit import RateLimiter
from egoi_mcp.redact import redact, redact_decoded

if TYPE_CHECKING:
    from egoi_mcp._otel import EgoiRequest


_httpx_log = logging.getLogger("httpx")


class Retry(Enum):
    SAFE = "safe"  # idempotent: retry on 429, 5xx and network failures
    ON_429 = "on_429"  # not idempotent, but a 429 means E-goi did nothing: retry only that
    NEVER = "never"  # sends: attempted exactly once


class _Budget:
    """Every call into the rate limiter, and nowhere else."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def send(
        self, deliver: Callable[[httpx.Request], Awaitable[httpx.Response]], request: httpx.Request,
        traced: EgoiRequest | None = None,
    ) -> httpx.Response:  # fmt: skip
        spend_one(self.limiter.per_hour)
        queued = time.perf_counter()
        async with self.limiter.slot(max_wait=wait_left(self.limiter.max_wait)):
            queue_time = time.perf_counter() - queued
            waited(queue_time)
            if traced is not None:
                traced.waited += queue_time
            response = await deliver(request)
        await self.limiter.observe(response.headers)
        return response

    async def pause_everyone(self, seconds: float) -> None:
        await self.limiter.block_for(seconds)

    async def sleep(self, seconds: float) -> None:
        await self.limiter.wait(seconds)

    def requests_left(self) -> int | None:
        """What the current call's bound still allows (None: no bound)."""
        return requests_left(self.limiter.per_hour)

    @property
    def max_wait(self) -> float:
        return self.limiter.max_wait


class Transport:
    def __init__(
        self,
        http: httpx.AsyncClient,
        limiter: RateLimiter,
        *,
        max_retries: int,
        retry_backoff: float,
        clock: Callable[[], float] = time.time,
        direct: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """`direct`: the transport `http` was made with, if any (the embedded sandbox, a test's): `http` sends every
        request through it (httpx mounts no proxy then), and so may this class, without httpx's layers."""
        self.http = http
        layered = http.base_url.userinfo or http.auth is not None or http.follow_redirects  # what the layers do
        self._direct = direct if direct is not None and not layered else None
        self.budget = _Budget(limiter)
        self._max_retries = max_retries
        self.retry_backoff = retry_backoff
        self._clock = clock

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        resource: str | None = None,
        retry: Retry = Retry.SAFE,
    ) -> Any:
        """Send one logical request; return the decoded, redacted JSON body (None for 204)."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        traced = telemetry.egoi_request(method, path)  # None when telemetry is off
        if traced is None:
            return await self._attempts(method, path, query, json, resource, retry, None)
        with traced:
            return await self._attempts(method, path, query, json, resource, retry, traced)

    async def _attempts(
        self, method: str, path: str, query: dict[str, Any], json: Any, resource: str | None, retry: Retry,
        traced: EgoiRequest | None,
    ) -> Any:  # fmt: skip
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._send_once(method, path, query, json, traced)
                if traced is not None:
                    traced.status = response.status_code
                self._raise_for_status(response, resource)
                return _decode(response)
            except (NetworkError, UpstreamError, RateLimitError) as error:
                if isinstance(error, RateLimitError) and error.status == 429 and error.reset_at is not None:
                    await self.budget.pause_everyone(
                        error.reset_at.timestamp() - self._clock()
                    )  # also when not retried
                delay = self._retry_delay(error, attempt, retry)
                if delay is None:
                    raise
                if traced is not None:
                    traced.retried(delay)
                if isinstance(error, RateLimitError):
                    await self.budget.pause_everyone(delay)
                elif delay > self.budget.max_wait:
                    raise  # a backoff we may not sleep is not a spent budget: report what E-goi said
                await self.budget.sleep(delay)

    async def _send_once(
        self, method: str, path: str, params: dict[str, Any], json: Any, traced: EgoiRequest | None
    ) -> httpx.Response:
        try:
            return await self.budget.send(self._deliver, self._build_request(method, path, params, json), traced)
        except httpx.TimeoutException:
            raise NetworkError("E-goi did not answer in time; try again in a moment") from None
        except httpx.LocalProtocolError as exc:
            raise InvalidArgumentError(
                f"the request could not be sent ({redact(str(exc))}): check EGOI_API_KEY for stray characters",
                code="NO_ACCESS",
            ) from None
        except httpx.TransportError as exc:
            reason = redact(type(exc).__name__)
            raise NetworkError(f"could not reach E-goi ({reason}); check the network and try again") from None

    def _build_request(self, method: str, path: str, params: dict[str, Any], json: Any) -> httpx.Request:
        """`http.build_request(method, path, params=params, json=json)`, parsing the URL once rather than three
        times (the same URL, headers, body and timeout; tests/test_client_requests.py compares them). The client's
        own path for anything else: an absolute URL, client-wide params, cookies to send."""
        http = self.http
        if not path.startswith("/") or http.params or http.cookies:
            return http.build_request(method, path, params=params, json=json)
        base = str(http.base_url).rstrip("/")
        try:  # the type is in the key: True and 1 are equal, but not the same parameter
            url = _url(base, path, tuple((name, type(value), value) for name, value in params.items()))
        except TypeError:  # a value that cannot be a key (a list, for a repeated parameter)
            url = httpx.URL(f"{base}{path}?{httpx.QueryParams(params)}" if params else f"{base}{path}")
        return httpx.Request(
            method, url, headers=http.headers, json=json, extensions={"timeout": http.timeout.as_dict()}
        )

    async def _deliver(self, request: httpx.Request) -> httpx.Response:
        """`http.send(request)`. With a `direct` transport and no event hooks, the request goes to it directly: the
        same response, read whole, without httpx's auth and redirect steps (there is no auth, and redirects are not
        followed) and its cookie jar's parsing of every response (only one setting a cookie is given to the jar). Half
        of an in-process request's cost was these layers. httpx's log line is kept."""
        http, direct = self.http, self._direct
        if direct is None or http.is_closed or any(http.event_hooks.values()):
            return await http.send(request)
        response = await direct.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
        if "set-cookie" in response.headers:  # kept, and sent back, as httpx does
            http.cookies.extract_cookies(response)
        _httpx_log.info(
            'HTTP Request: %s %s "%s %d %s"', request.method, request.url, response.http_version,
            response.status_code, response.reason_phrase,
        )  # fmt: skip
        return response

    def _raise_for_status(self, response: httpx.Response, resource: str | None) -> None:
        if not response.is_success:
            now = datetime.fromtimestamp(self._clock(), UTC)
            raise error_from_response(response, resource=resource, now=now)

    def _retry_delay(self, error: EGoiError, attempt: int, retry: Retry) -> float | None:
        """Seconds to wait before the next attempt, or None when this error is final."""
        if isinstance(error, RateLimitError):
            retryable = retry is not Retry.NEVER and error.status == 429
        else:  # 5xx, 408 and network failures; not other 4xx, which say the same when asked again
            transient = isinstance(error, NetworkError) or (error.status or 500) >= 500
            retryable = retry is Retry.SAFE and transient
        if not retryable or attempt > self._max_retries:
            return None
        delay = float(self.retry_backoff * 2 ** (attempt - 1))
        if isinstance(error, RateLimitError) and error.reset_at is not None:
            delay = max(delay, error.reset_at.timestamp() - self._clock())
        return delay


@functools.lru_cache(maxsize=256)
def _url(base: str, path: str, params: tuple[tuple[str, type, Any], ...]) -> httpx.URL:
    """The URL of a request, parsed once (httpx parses and checks every URL: a tenth of an in-process request): an
    agent asks for the same pages, lists and contacts again and again. A `httpx.URL` is immutable."""
    query = httpx.QueryParams([(name, value) for name, _, value in params])
    return httpx.URL(f"{base}{path}?{query}" if params else f"{base}{path}")


def _decode(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return redact_decoded(response.content, _json(response))
    except ValueError:
        raise UpstreamError(
            f"E-goi answered HTTP {response.status_code} with a body that is not JSON; try again later",
            status=response.status_code,
        ) from None


def _json(response: httpx.Response) -> Any:
    """`response.json()`, read by `loads` (pydantic-core first, a page of contacts in two thirds of the time), and by
    httpx, in the charset the response names, for what that does not read."""
    try:
        return loads(response.content)
    except ValueError:
        return response.json()

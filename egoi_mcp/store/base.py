"""What both engines share: the `Store` interface, `StoreError`, the page arguments, cursors and limits."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, TypeVar, runtime_checkable

from egoi_mcp._json import loads
from egoi_mcp._model import list_of
from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.models import Event
from egoi_mcp.store.auditlog import AuditLog

if TYPE_CHECKING:
    from mcp.server.subscriptions import SubscriptionBus

    from egoi_mcp.models import Page
    from egoi_mcp.webhooks.parser import ParsedDelivery

__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "DEFAULT_MAX_EVENTS",
    "EVENT_COLUMNS",
    "LISTED_COLUMNS",
    "MAX_COUNT",
    "MAX_PAGE",
    "Engine",
    "NetworkedBus",
    "PageQuery",
    "SharedState",
    "StateChange",
    "Store",
    "StoreError",
]

T = TypeVar("T")

DEFAULT_MAX_EVENTS: Final = 100_000
DEFAULT_MAX_AGE_DAYS: Final = 30
MAX_PAGE: Final = 1000
MAX_COUNT: Final = 300
"""A page's `total` is exact when at most this many events match, else None: counting more would make every page
cost in proportion to the store's size."""
MAX_ID: Final = 2**31 - 1  # E-goi's ids (list_id) are int32
MAX_FILTER_TEXT: Final = 320  # longer than any e-mail address, contact id or campaign hash
_EARLIEST: Final = datetime(1970, 1, 1, tzinfo=UTC)
SECRET_BYTES: Final = 32  # token_urlsafe(32): 43 characters

Engine = Literal["sqlite", "postgresql"]

StateChange = Callable[[dict[str, Any] | None], tuple[dict[str, Any], T]]
"""Given a shared state's current value (None when there is none yet): its new value, and what to return."""


class StoreError(Exception):
    """The store cannot be used: one line that says what is wrong and what to do (the CLI prints it, exits 2).

    Raised when opening a store that cannot be opened (an unwritable path, a directory, a damaged or foreign
    database, a full disk, an unreachable PostgreSQL), and by writes that fail for such a reason later.
    """


class SharedState(Protocol):
    """Small JSON values that every process sharing a store reads and changes atomically (the rate budget)."""

    async def update_state(self, key: str, change: StateChange[T]) -> T:
        """Run `change` on the value of `key` and store its result, with no other writer in between."""
        ...


@runtime_checkable
class NetworkedBus(Protocol):
    """A subscription bus that reaches other processes (PostgreSQL's); it must run for the server's lifetime."""

    connected: bool

    async def run(self, *, on_remote: Callable[[list[str]], Awaitable[None]], reread: Sequence[str]) -> None:
        """Carry updates both ways until cancelled: other processes' resource URIs go to local listeners and
        to `on_remote`; after a lost connection, `reread` is delivered as if updated."""
        ...


class Store(SharedState, AuditLog, Protocol):
    """The durable store of webhook events, and what the processes sharing it share. Both engines are one."""

    @property
    def engine(self) -> Engine:
        """`"sqlite"` or `"postgresql"` (`/healthz` reports it)."""
        ...

    @property
    def location(self) -> str:
        """The SQLite path, or the PostgreSQL URL without its password: for messages and `/healthz`."""
        ...

    @property
    def bus(self) -> SubscriptionBus:
        """The bus to build the MCP server with: in-process on SQLite, LISTEN/NOTIFY (a `NetworkedBus`) on
        PostgreSQL."""
        ...

    @property
    def listener_connected(self) -> bool:
        """Whether news of other processes' events reaches this one (always true on SQLite: the watcher)."""
        ...

    @property
    def closed(self) -> bool: ...

    async def add(self, raw: bytes, parsed: ParsedDelivery, *, account: str = "") -> tuple[Event, bool]:
        """Store one delivery to `account`'s receiver, committed before this returns; `(event, True)` when it
        repeats one already stored for that account."""
        ...

    async def get(self, event_id: str, *, account: str = "") -> Event | None:
        """`account`'s event `event_id`; None when it is not one of theirs, never was, or has been pruned."""
        ...

    async def page(
        self,
        *,
        trigger: str | None = None,
        list_id: int | None = None,
        contact_id: str | None = None,
        email: str | None = None,
        campaign_id: str | None = None,
        since: datetime | None = None,
        after: str | None = None,
        limit: int = 25,
        cursor: str | None = None,
        account: str = "",
    ) -> Page[Event]:
        """`account`'s events matching every filter given, newest first, each filter an index walk: the cost is
        the page's, not the store's. `total` is exact when at most `MAX_COUNT` events match, else None. Listed:
        without payloads (`get` has them)."""
        ...

    async def recent(self, trigger: str | None = None, limit: int = 50, *, account: str = "") -> list[Event]:
        """`account`'s newest events (of `trigger`), listed: without payloads."""
        ...

    async def last_id(self) -> int: ...

    async def ids_since(self, last_id: int, limit: int = MAX_PAGE) -> list[int]: ...

    async def get_many(self, ids: Sequence[int]) -> list[Event]: ...

    async def prune(self) -> None: ...

    async def read_state(self, key: str) -> Any:
        """The shared JSON value `key` as it stands (None when there is none), changing nothing."""
        ...

    async def drop_states(self, prefix: str, *, below: str) -> None:
        """Drop the shared values whose keys start with `prefix` and sort before `prefix + below`."""
        ...

    async def shared_secret(self, name: str, *, initial: str | None = None) -> str:
        """The secret called `name`, created once for every process sharing the store (`initial` if given)."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class PageQuery:
    """A `page` call's arguments, checked at the door of both engines: each renders `filters` in its own SQL.

    A value no engine could take (an id past int32, a date past year 9999 once in UTC, a NUL) is refused here
    with InvalidArgumentError, never left to throw in the database driver.
    """

    filters: list[tuple[str, Any]]
    """(column, value), the account's first: `email` compares case-insensitively, `received_at` is `>=`, `id` is
    `>`, others `=`."""
    before: int | None
    limit: int

    @classmethod
    def build(
        cls,
        *,
        trigger: str | None,
        list_id: int | None,
        contact_id: str | None,
        email: str | None,
        campaign_id: str | None,
        since: datetime | None,
        after: str | None,
        limit: int,
        cursor: str | None,
        account: str,
    ) -> PageQuery:
        check_limit(limit)
        after_number = None
        if after is not None:
            after_number = event_number(after)
            if after_number is None:
                raise InvalidArgumentError(f"after must be an event id (1 to 18 digits, like '42'), not {after[:40]!r}")
        before = decode_cursor(cursor) if cursor else None
        if list_id is not None and not 1 <= list_id <= MAX_ID:
            raise InvalidArgumentError(f"list_id must be between 1 and {MAX_ID} (E-goi's ids are int32)")
        pairs = (
            ("account", account),
            ("trigger", _text("trigger", trigger)),
            ("list_id", list_id),
            ("contact_id", _text("contact", contact_id)),
            ("email", _text("contact", email)),
            ("campaign_id", _text("campaign_id", campaign_id)),
            ("received_at", checked_moment("since", since) if since else None),
            ("id", after_number),
        )
        return cls([(column, value) for column, value in pairs if value is not None], before, limit)


def _text(name: str, value: str | None) -> str | None:
    if value is not None and ("\x00" in value or len(value) > MAX_FILTER_TEXT):
        raise InvalidArgumentError(f"{name} must be at most {MAX_FILTER_TEXT} characters, with no NUL character")
    return value


def checked_moment(name: str, value: datetime) -> datetime:
    """`value` in UTC, refused (InvalidArgumentError) unless it falls within the years 1970 to 9999 there."""
    try:
        moment = utc(value)
    except OverflowError:
        moment = None
    if moment is None or moment < _EARLIEST:
        raise InvalidArgumentError(f"{name} must be a date-time within the years 1970 to 9999 (in UTC)")
    return moment


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidArgumentError(f"limit must be between 1 and {MAX_PAGE}")


def check_bounds(max_events: int | None, max_age_days: float | None) -> None:
    if max_events is not None and max_events < 1:
        raise ValueError("max_events must be at least 1 (or None for no bound)")
    if max_age_days is not None and max_age_days <= 0:
        raise ValueError("max_age_days must be positive (or None for no bound)")


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime) -> datetime:
    """Aware, in UTC; a naive value is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def event_number(event_id: str | int) -> int | None:
    text = str(event_id).strip()
    if not text.isdigit() or not text.isascii() or len(text) > 18:
        return None
    return int(text)


def encode_cursor(before_id: int) -> str:
    return base64.urlsafe_b64encode(f"ev:{before_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        before = event_number(value) if kind == "ev" else None
        if not before:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidArgumentError(
            "cursor is not one this server issued: pass the next_cursor of the previous page, or omit it"
        ) from None
    return before


# Built once: `json.dumps` with options builds an encoder per call, and this runs for every delivery.
PAYLOAD_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

EVENT_COLUMNS: Final = (
    "account, id, trigger, action, list_id, contact_id, email, campaign_id, occurred_at, received_at, payload"
)
"""A stored event's columns, in `row_event`'s order: both engines' tables name them alike."""
LISTED_COLUMNS: Final = EVENT_COLUMNS.replace(", payload", ", NULL AS payload")
"""The same for a page: a listing leaves payloads out, so it neither reads nor decodes them (`get` has them)."""


def row_event(row: Sequence[Any], when: Callable[[Any], datetime]) -> Event:
    """A row of `EVENT_COLUMNS` (or `LISTED_COLUMNS`: no payload) as an Event; `when` reads the engine's times."""
    return Event.model_validate(_fields(row, when))


def row_events(rows: Sequence[Sequence[Any]], when: Callable[[Any], datetime]) -> list[Event]:
    """Rows as Events, validated in one pass rather than one by one (a page of 25 in ~0.6 of the time)."""
    return list_of(Event).validate_python([_fields(row, when) for row in rows])


def _fields(row: Sequence[Any], when: Callable[[Any], datetime]) -> dict[str, Any]:
    account, id_, trigger, action, list_id, contact_id, email, campaign_id, occurred_at, received_at, payload = row
    return {
        "account": account, "id": str(id_), "trigger": trigger, "action": action, "list_id": list_id,
        "contact_id": contact_id, "email": email, "campaign_id": campaign_id,
        "occurred_at": when(occurred_at) if occurred_at else None, "received_at": when(received_at),
        "payload": None if payload is None else loads(payload),  # the column is NOT NULL: None is a listing's
    }  # fmt: skip

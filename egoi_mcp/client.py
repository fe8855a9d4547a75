"""EGoiClient: an async client for the E-goi marketing API v3 (https://api.egoiapp.com).

Every E-goi call goes through `EGoiClient._request`: one place for auth, the shared rate limiter,
retries, and the mapping of errors. The public methods keep the seed's names and arguments.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import Any, Literal, TypeVar

import httpx

from egoi_mcp._paging import EGOI_MAX_LIMIT, chunks, decode_cursor, make_page
from egoi_mcp.errors import (
    ConflictError,
    EGoiError,
    InvalidArgumentError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    UpstreamError,
    error_from_response,
    redact,
)
from egoi_mcp.models import Campaign, Contact, ContactRef, MailingList, Page, Segment, Tag, Webhook
from egoi_mcp.ratelimit import RateLimiter

DEFAULT_BASE_URL = "https://api.egoiapp.com"

T = TypeVar("T")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTACT_ID = re.compile(r"^[a-fA-F0-9]{10}$")
_EGOI_PHONE = re.compile(r"[0-9]{1,3}-[0-9]{4,20}")  # E-goi's cellphone pattern, ASCII digits only
# ITU country calling codes: these prefixes are 1 or 2 digits long, every other code has 3.
_ONE_DIGIT_CC = {"1", "7"}
_TWO_DIGIT_CC = {
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
    "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
    "86", "90", "91", "92", "93", "94", "95", "98",
}  # fmt: skip

DeleteMode = Literal["forget", "unsubscribe"]


class _Retry(Enum):
    SAFE = "safe"  # idempotent: retry on 429, 5xx and network failures
    ON_429 = "on_429"  # not idempotent, but a 429 means E-goi did nothing: retry only that
    NEVER = "never"  # sends: attempted exactly once


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_text(value: str | None, field: str) -> str | None:
    """Names reach people's inboxes: refuse control characters instead of storing them."""
    if value is not None and _CONTROL.search(value):
        raise InvalidArgumentError(f"{field} contains control characters: send plain text")
    return value


def _check_email(email: str) -> str:
    email = email.strip()
    if not _EMAIL.match(email) or _CONTROL.search(email):
        raise InvalidArgumentError(
            f"{email!r} is not a valid e-mail address (expected name@domain.tld)",
            code="EMAIL_ADDRESS_INVALID",
        )
    return email


def _check_contact_ids(contact_ids: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(str(c).strip() for c in contact_ids))
    if not ids:
        raise InvalidArgumentError("no contact ids given: pass at least one contact_id")
    bad = [c for c in ids if not _CONTACT_ID.match(c)]
    if bad:
        raise InvalidArgumentError(
            f"not E-goi contact ids: {', '.join(map(repr, bad[:5]))}. A contact_id is 10 hex characters, "
            "e.g. '8f3a27ef26'; find it with search_contacts",
            code="SUBSCRIBER_NOT_FOUND",
        )
    return ids


def _check_campaign(campaign_id: str) -> None:
    if not re.fullmatch(r"[a-zA-Z0-9_-]+", campaign_id or ""):
        raise InvalidArgumentError(
            f"{campaign_id!r} is not a campaign id: take it from the campaign list", code="CAMPAIGN_NOT_FOUND"
        )


def egoi_phone(phone: str) -> str:
    """E-goi wants `<country code>-<number>` ('351-912345678'); accept '+351 912 345 678' too."""
    text = phone.strip()
    if _EGOI_PHONE.fullmatch(text):
        return text
    digits = re.sub(r"[\s().-]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"\+[0-9]{6,23}", digits):
        number = digits[1:]
        cc_len = 1 if number[0] in _ONE_DIGIT_CC else 2 if number[:2] in _TWO_DIGIT_CC else 3
        formatted = f"{number[:cc_len]}-{number[cc_len:]}"
        if _EGOI_PHONE.fullmatch(formatted):
            return formatted
    raise InvalidArgumentError(
        f"{phone!r} is not a phone number E-goi accepts: use the international form '+351912345678' "
        "or E-goi's '351-912345678'"
    )


class EGoiClient:
    """Async client for E-goi API v3. Use as `async with EGoiClient(api_key=...) as client:`.

    `transport` lets the client run against any httpx transport, e.g. the embedded sandbox in-process.
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
    ) -> None:
        if not api_key:
            raise InvalidArgumentError(
                "no E-goi API key: set EGOI_API_KEY (E-goi > Integrations > API key), or use the sandbox",
                code="NO_ACCESS",
            )
        self._api_key = api_key
        self.default_list_id = default_list_id
        self.limiter = limiter or RateLimiter()
        self._max_retries = max_retries
        self._retry_backoff = retry_backoff
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Apikey": api_key, "Accept": "application/json", "User-Agent": "egoi-mcp"},
            timeout=timeout,
            transport=transport,
        )
        self._tags_by_name: dict[str, Tag] | None = None
        self.calls = 0  # upstream requests sent, for benchmarks and tests

    async def __aenter__(self) -> EGoiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"EGoiClient(base_url={str(self._http.base_url)!r})"

    # -- the one request path ---------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        resource: str | None = None,
        retry: _Retry = _Retry.SAFE,
    ) -> Any:
        """Send one logical request; return the decoded JSON body (None for 204)."""
        if params:
            params = {k: v for k, v in params.items() if v is not None}
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self.limiter.slot():
                    self.calls += 1
                    response = await self._http.request(method, path, params=params, json=json)
            except httpx.TimeoutException:
                error: EGoiError = NetworkError("E-goi did not answer in time; try again in a moment")
                retryable = retry is _Retry.SAFE
            except httpx.TransportError as exc:
                reason = redact(type(exc).__name__, self._api_key)
                error = NetworkError(f"could not reach E-goi ({reason}); check the network and try again")
                retryable = retry is _Retry.SAFE
            else:
                await self.limiter.observe(response.headers)
                if response.is_success:
                    return self._decode(response)
                error = error_from_response(response, resource=resource, api_key=self._api_key)
                if isinstance(error, RateLimitError):
                    if error.reset_at is not None:  # pause everyone, also when this request is not retried
                        await self.limiter.block_for(error.reset_at.timestamp() - time.time())
                    retryable = retry is not _Retry.NEVER
                else:  # 5xx, 408 and unreadable answers; not other 4xx, which say the same when asked again
                    transient = isinstance(error, NetworkError) or (error.status or 500) >= 500
                    retryable = retry is _Retry.SAFE and isinstance(error, UpstreamError | NetworkError) and transient
            if not retryable or attempt > self._max_retries:
                raise error
            delay = self._retry_backoff * 2 ** (attempt - 1)
            if isinstance(error, RateLimitError):
                if error.reset_at is not None:
                    delay = max(delay, error.reset_at.timestamp() - time.time())
                await self.limiter.block_for(delay)
            elif delay > self.limiter.max_wait:
                raise error  # a backoff we may not sleep is not a spent budget: report what E-goi said
            await self.limiter.wait(delay)

    def _decode(self, response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise UpstreamError(
                f"E-goi answered HTTP {response.status_code} with a body that is not JSON; try again later",
                status=response.status_code,
            ) from None

    def resolve_list_id(self, list_id: int | None) -> int:
        """The list to act on: the one given, else the default list; an error naming the fix when neither."""
        value = list_id if list_id is not None else self.default_list_id
        if value is None:
            raise InvalidArgumentError(
                "list_id is required: pass one (find it with get_lists) or set EGOI_DEFAULT_LIST_ID",
                code="LIST_NOT_FOUND",
            )
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number < 1 or isinstance(value, bool):
            raise InvalidArgumentError(f"list_id must be a positive integer, not {value!r}", code="LIST_NOT_FOUND")
        return number

    async def _collection(
        self,
        path: str,
        *,
        limit: int,
        cursor: str | None,
        resource: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], int | None, int]:
        """GET one page of an E-goi collection; returns (items, total_items, offset)."""
        if not 1 <= limit <= EGOI_MAX_LIMIT:
            raise InvalidArgumentError(f"limit must be between 1 and {EGOI_MAX_LIMIT}, not {limit}")
        offset = decode_cursor(cursor)
        body = await self._request(
            "GET", path, params={**(params or {}), "offset": offset, "limit": limit}, resource=resource
        )
        if not isinstance(body, dict):
            raise _unexpected(path)
        items = [item for item in body.get("items") or [] if isinstance(item, dict)]
        total = body.get("total_items")
        return items, total if isinstance(total, int) else None, offset

    # -- ping ------------------------------------------------------------------------------------

    async def ping(self) -> bool:
        """True when E-goi answers `POST /ping`."""
        body = await self._request("POST", "/ping")
        return isinstance(body, dict) and body.get("result") == "pong"

    # -- contacts ---------------------------------------------------------------------------------

    async def create_contact(
        self,
        email: str,
        first_name: str | None = None,
        last_name: str | None = None,
        phone: str | None = None,
        list_id: int | None = None,
        tags: Sequence[str | int] | None = None,
    ) -> Contact:
        """Add a contact to a list (`POST /lists/{id}/contacts`), then attach tags (created when missing)."""
        list_id = self.resolve_list_id(list_id)
        base: dict[str, Any] = {"email": _check_email(email), "status": "active"}
        if first_name:
            base["first_name"] = _check_text(first_name, "first_name")
        if last_name:
            base["last_name"] = _check_text(last_name, "last_name")
        if phone:
            base["cellphone"] = egoi_phone(phone)
        tag_ids = await self._tag_ids(tags or [], create=True)
        body = await self._request(
            "POST", f"/lists/{list_id}/contacts", json={"base": base}, resource="list", retry=_Retry.ON_429
        )
        contact_id = _parse(lambda b: str(b["contact_id"]), body)
        for tag_id in tag_ids:
            await self._tag_action("attach-tag", list_id, tag_id, [contact_id])
        return Contact(
            id=contact_id, list_id=list_id, email=base["email"], first_name=first_name, last_name=last_name,
            phone=base.get("cellphone"), status="active", tags=tag_ids,
        )  # fmt: skip

    async def get_contact(self, contact_id: str, list_id: int | None = None) -> Contact:
        """One contact (`GET /lists/{id}/contacts/{contact_id}`)."""
        list_id = self.resolve_list_id(list_id)
        (contact_id,) = _check_contact_ids([contact_id])
        body = await self._request("GET", f"/lists/{list_id}/contacts/{contact_id}", resource="contact")
        return _parse(Contact.from_egoi, body, list_id=list_id)

    async def search_contacts(
        self, query: str, list_id: int | None = None, *, limit: int = 25, cursor: str | None = None
    ) -> Page[Contact]:
        """Find contacts by e-mail, phone or name.

        In a list this is one filtered `GET /lists/{id}/contacts`. Without a list, an e-mail or phone is
        looked up in every list with `GET /contacts/search`, then each hit is read; a name is looked up in the
        default list.
        """
        query = query.strip()
        if not query:
            raise InvalidArgumentError("query is empty: pass an e-mail, a phone number or a name")
        is_email = "@" in query
        phone = None if is_email else _maybe_phone(query)
        if list_id is None and not (is_email or phone):
            list_id = self.default_list_id
        if list_id is None:
            if not (is_email or phone):
                raise InvalidArgumentError("searching by name needs a list_id: pass one (find it with get_lists)")
            if not 1 <= limit <= EGOI_MAX_LIMIT:
                raise InvalidArgumentError(f"limit must be between 1 and {EGOI_MAX_LIMIT}, not {limit}")
            offset = decode_cursor(cursor)
            refs = await self.find_contact(query)
            found = [await self.get_contact(ref.contact_id, ref.list_id) for ref in refs[offset : offset + limit]]
            return make_page(found, offset=offset, limit=limit, total=len(refs))
        if is_email:
            params = {"email": _check_email(query)}
        elif phone:
            params = {"cellphone": phone}
        else:
            first, _, last = query.partition(" ")
            params = {"first_name": first, "last_name": last.strip() or None}
        items, total, offset = await self._collection(
            f"/lists/{self.resolve_list_id(list_id)}/contacts",
            limit=limit,
            cursor=cursor,
            resource="list",
            params=params,
        )
        contacts = [_parse(Contact.from_egoi, item, list_id=list_id) for item in items]
        return make_page(contacts, offset=offset, limit=limit, total=total)

    async def find_contact(self, query: str) -> list[ContactRef]:
        """Where an e-mail or phone is, across all lists (`GET /contacts/search`). Empty when nowhere."""
        if "@" in query:
            params = {"type": "email", "contact": _check_email(query)}
        else:
            phone = _maybe_phone(query)
            if phone is None:
                raise InvalidArgumentError(f"{query!r} is neither an e-mail address nor a phone number")
            params = {"type": "cellphone", "contact": phone}
        try:
            body = await self._request("GET", "/contacts/search", params=params, resource="contact")
        except NotFoundError:
            return []
        if body is not None and not isinstance(body, dict):
            raise _unexpected("/contacts/search")
        return [_parse(ContactRef.model_validate, item) for item in (body or {}).get("items") or []]

    async def list_contacts(
        self,
        list_id: int | None = None,
        *,
        segment_id: str | None = None,
        limit: int = 25,
        cursor: str | None = None,
    ) -> Page[Contact]:
        """Contacts of a list, or of one of its segments."""
        list_id = self.resolve_list_id(list_id)
        path = f"/lists/{list_id}/contacts" + (f"/segment/{segment_id}" if segment_id else "")
        items, total, offset = await self._collection(
            path, limit=limit, cursor=cursor, resource="segment" if segment_id else "list"
        )
        return make_page(
            [_parse(Contact.from_egoi, i, list_id=list_id) for i in items], offset=offset, limit=limit, total=total
        )

    async def count_contacts(self, list_id: int | None = None, segment_id: str | None = None) -> int:
        """How many contacts a list or segment holds (one call, `limit=1`)."""
        page = await self.list_contacts(list_id, segment_id=segment_id, limit=1)
        return page.total or 0

    async def update_contacts(
        self,
        contact_ids: Sequence[str],
        list_id: int | None = None,
        *,
        tags: Sequence[str | int] | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        status: Literal["active", "inactive"] | None = None,
    ) -> int:
        """Change fields and add tags. One contact: `PATCH`; several: `actions/update`, 1000 per call.

        Returns how many contacts were targeted.
        """
        list_id = self.resolve_list_id(list_id)
        ids = _check_contact_ids(contact_ids)
        base: dict[str, Any] = {}
        if first_name is not None:
            base["first_name"] = _check_text(first_name, "first_name")
        if last_name is not None:
            base["last_name"] = _check_text(last_name, "last_name")
        if phone is not None:
            base["cellphone"] = egoi_phone(phone)
        if status is not None:
            base["status"] = status
        if email is not None:
            if len(ids) > 1:
                raise InvalidArgumentError("email is unique per contact: change it for one contact at a time")
            base["email"] = _check_email(email)
        if not base and not tags:
            raise InvalidArgumentError("nothing to update: pass at least one field or tag")
        tag_ids = await self._tag_ids(tags or [], create=True)
        if base and len(ids) == 1:
            await self._request("PATCH", f"/lists/{list_id}/contacts/{ids[0]}", json={"base": base}, resource="contact")
        elif base:
            for chunk in chunks(ids):
                await self._request(
                    "POST", f"/lists/{list_id}/contacts/actions/update",
                    json={"type": "contacts", "contacts": chunk, "base": base}, resource="list",
                )  # fmt: skip
        for tag_id in tag_ids:
            for chunk in chunks(ids):
                await self._tag_action("attach-tag", list_id, tag_id, chunk)
        return len(ids)

    async def delete_contacts(
        self, contact_ids: Sequence[str], list_id: int | None = None, mode: DeleteMode = "forget"
    ) -> int:
        """Remove contacts, 1000 per call. `forget` erases them (GDPR); `unsubscribe` keeps them as removed.

        Returns how many were removed. E-goi's unsubscribe answers per contact: when none of them could be
        unsubscribed (not in the list, already removed), that is an error naming why.
        """
        list_id = self.resolve_list_id(list_id)
        ids = _check_contact_ids(contact_ids)
        if mode not in ("forget", "unsubscribe"):
            raise InvalidArgumentError(f"mode must be 'forget' or 'unsubscribe', not {mode!r}")
        done = 0
        refused: dict[str, list[str]] = {}
        for chunk in chunks(ids):
            if mode == "forget":
                await self._request(
                    "POST",
                    f"/lists/{list_id}/contacts/actions/forget",
                    json={"contacts": chunk},
                    resource="list",
                )
                done += len(chunk)
            else:
                data = [{"contact_id": c, "unsubscription_method": "api"} for c in chunk]
                body = await self._request(
                    "POST",
                    f"/lists/{list_id}/contacts/actions/unsubscribe",
                    json={"data": data},
                    resource="list",
                )
                body = body if isinstance(body, dict) else {}
                done += len(body.get("success") or [])
                errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
                for reason, failed in errors.items():
                    if failed:
                        refused.setdefault(str(reason), []).extend(str(c) for c in failed)
        if refused and done == 0:
            reasons = "; ".join(f"{reason.replace('_', ' ')}: {', '.join(c[:5])}" for reason, c in refused.items())
            raise NotFoundError(
                f"E-goi unsubscribed none of the contacts ({reasons}); check the ids with search_contacts",
                code="SUBSCRIBER_NOT_FOUND",
                status=200,
            )
        return done

    # -- lists ------------------------------------------------------------------------------------

    async def create_list(self, name: str, description: str | None = None) -> MailingList:
        """Create a list (`POST /lists`); `description` becomes E-goi's public name."""
        if not name.strip():
            raise InvalidArgumentError("name is empty: give the list a name")
        _check_text(name, "name")
        _check_text(description, "description")
        payload = {"internal_name": name.strip(), "public_name": (description or name).strip()}
        body = await self._request("POST", "/lists", json=payload, retry=_Retry.ON_429)
        return _parse(MailingList.from_egoi, body)

    async def get_lists(self, *, limit: int = 25, cursor: str | None = None) -> Page[MailingList]:
        items, total, offset = await self._collection(
            "/lists", limit=limit, cursor=cursor, params={"order": "asc", "order_by": "list_id"}
        )
        return make_page([_parse(MailingList.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def get_list(self, list_id: int) -> MailingList:
        body = await self._request("GET", f"/lists/{self.resolve_list_id(list_id)}", resource="list")
        return _parse(MailingList.from_egoi, body)

    async def delete_list(self, list_id: int) -> None:
        await self._request("DELETE", f"/lists/{self.resolve_list_id(list_id)}", resource="list")

    # -- tags -------------------------------------------------------------------------------------

    async def create_tag(self, name: str, color: str | None = None) -> Tag:
        if not name.strip():
            raise InvalidArgumentError("name is empty: give the tag a name")
        _check_text(name, "name")
        if color is not None and not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
            raise InvalidArgumentError(f"color must look like '#RRGGBB', not {color!r}")
        payload = {"name": name.strip(), **({"color": color} if color else {})}
        try:
            tag = _parse(Tag.from_egoi, await self._request("POST", "/tags", json=payload, retry=_Retry.ON_429))
        except ConflictError as exc:
            raise ConflictError(
                f"a tag named {name!r} already exists: use it, or list tags to find its id",
                code="TAG_ALREADY_EXISTS", status=409,
            ) from exc  # fmt: skip
        if self._tags_by_name is not None:
            self._tags_by_name[tag.name.casefold()] = tag
        return tag

    async def list_tags(self, *, limit: int = 25, cursor: str | None = None) -> Page[Tag]:
        items, total, offset = await self._collection(
            "/tags", limit=limit, cursor=cursor, params={"order": "asc", "order_by": "tag_id"}
        )
        return make_page([_parse(Tag.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def delete_tag(self, tag_id: int) -> None:
        await self._request("DELETE", f"/tags/{int(tag_id)}", resource="tag")
        self._tags_by_name = None

    async def find_tag(self, tag: str | int) -> Tag:
        """A tag by id or by name (case-insensitive), from the cache when possible."""
        tags = await self._all_tags()
        if isinstance(tag, int) or (str(tag).isascii() and str(tag).isdigit()):
            for known in tags.values():
                if known.id == int(tag):
                    return known
        elif str(tag).casefold() in tags:
            return tags[str(tag).casefold()]
        raise NotFoundError(f"no tag {tag!r}: list tags to see the names", code="TAG_NOT_FOUND", status=404)

    async def _all_tags(self, *, refresh: bool = False) -> dict[str, Tag]:
        if self._tags_by_name is None or refresh:
            found: dict[str, Tag] = {}
            cursor = None
            while True:
                page = await self.list_tags(limit=EGOI_MAX_LIMIT, cursor=cursor)
                found.update((t.name.casefold(), t) for t in page.items)
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
            self._tags_by_name = found
        return self._tags_by_name

    async def _tag_ids(self, tags: Sequence[str | int], *, create: bool) -> list[int]:
        """Tag names or ids to ids. Ids pass through; names come from one cached listing, or are created."""
        if any(not str(tag).strip() for tag in tags):
            raise InvalidArgumentError("a tag name is empty")
        for tag in tags:
            _check_text(str(tag), "a tag name")
        ids: list[int] = []
        for tag in tags:
            text = str(tag).strip()
            if isinstance(tag, int) or (text.isascii() and text.isdigit()):
                ids.append(int(text))
                continue
            key = text.casefold()
            known = (await self._all_tags()).get(key)
            if known is None and create:
                try:
                    known = await self.create_tag(text)
                except ConflictError:  # made elsewhere since we listed: the cache was stale
                    known = (await self._all_tags(refresh=True)).get(key)
            elif known is None:
                known = (await self._all_tags(refresh=True)).get(key)
            if known is None:
                raise NotFoundError(f"no tag named {text!r}: list tags to see the names", code="TAG_NOT_FOUND")
            ids.append(known.id)
        return list(dict.fromkeys(ids))

    async def attach_tag(self, tag: str | int, contact_ids: Sequence[str], list_id: int | None = None) -> int:
        """Attach a tag (by id or name; created when missing) to contacts, 1000 per call."""
        list_id = self.resolve_list_id(list_id)
        ids = _check_contact_ids(contact_ids)
        (tag_id,) = await self._tag_ids([tag], create=True)
        for chunk in chunks(ids):
            await self._tag_action("attach-tag", list_id, tag_id, chunk)
        return tag_id

    async def detach_tag(self, tag: str | int, contact_ids: Sequence[str], list_id: int | None = None) -> int:
        list_id = self.resolve_list_id(list_id)
        ids = _check_contact_ids(contact_ids)
        (tag_id,) = await self._tag_ids([tag], create=False)
        for chunk in chunks(ids):
            await self._tag_action("detach-tag", list_id, tag_id, chunk)
        return tag_id

    async def _tag_action(self, action: str, list_id: int, tag_id: int, contact_ids: list[str]) -> None:
        await self._request(
            "POST", f"/lists/{list_id}/contacts/actions/{action}",
            json={"tag_id": tag_id, "contacts": contact_ids}, resource="list",
        )  # fmt: skip

    # -- campaigns and segments ---------------------------------------------------------------------

    async def campaign_list(
        self, *, list_id: int | None = None, status: str | None = None, channel: str | None = "email",
        limit: int = 25, cursor: str | None = None,
    ) -> Page[Campaign]:  # fmt: skip
        items, total, offset = await self._collection(
            "/campaigns", limit=limit, cursor=cursor,
            params={"channel": channel, "list_id": list_id, "status": status},
        )  # fmt: skip
        return make_page([_parse(Campaign.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def get_campaign(self, campaign_id: str) -> Campaign:
        """One campaign by hash (`GET /campaigns?campaign_hash=`)."""
        _check_campaign(campaign_id)
        items, _, _ = await self._collection("/campaigns", limit=1, cursor=None, params={"campaign_hash": campaign_id})
        if not items:
            raise NotFoundError(
                f"no campaign {campaign_id!r}: list campaigns to see their ids", code="CAMPAIGN_NOT_FOUND", status=404
            )
        return _parse(Campaign.from_egoi, items[0])

    async def send_email_to_contact(self, campaign_id: str, contact_id: str, list_id: int | None = None) -> str:
        """Send an e-mail campaign to one contact. E-goi's send takes the address, so it is read first.

        Returns the address it was sent to. Never retried.
        """
        _check_campaign(campaign_id)
        list_id = self.resolve_list_id(list_id)
        contact = await self.get_contact(contact_id, list_id)
        if not contact.email:
            raise InvalidArgumentError(
                f"contact {contact_id} has no e-mail address in list {list_id}", code="EMAIL_ADDRESS_INVALID"
            )
        await self._send(campaign_id, list_id, {"type": "contact", "data": contact.email})
        return contact.email

    async def send_email_to_segment(self, campaign_id: str, segment_id: str, list_id: int | None = None) -> None:
        """Send an e-mail campaign to a segment of a list. Never retried."""
        if not str(segment_id).strip():
            raise InvalidArgumentError("segment_id is empty: find it with segment_list", code="SEGMENT_NOT_FOUND")
        await self._send(campaign_id, self.resolve_list_id(list_id), {"type": "segment", "data": [str(segment_id)]})

    async def _send(self, campaign_id: str, list_id: int, segments: dict[str, Any]) -> None:
        _check_campaign(campaign_id)
        try:
            await self._request(
                "POST", f"/campaigns/email/{campaign_id}/actions/send",
                json={"list_id": list_id, "segments": segments}, resource="campaign", retry=_Retry.NEVER,
            )  # fmt: skip
        except (UpstreamError, NetworkError) as exc:
            # E-goi may have queued the send before failing: "try again" could mail everyone twice.
            reason = f"HTTP {exc.status}" if exc.status else "no answer"
            raise type(exc)(
                f"E-goi did not confirm the send ({reason}). It may have been queued anyway: check the "
                "campaign's status in the campaign list (egoi_list_campaigns) before sending again",
                status=exc.status,
            ) from None

    async def segment_list(
        self,
        list_id: int | None = None,
        *,
        type: str | None = None,
        limit: int = 25,
        cursor: str | None = None,
    ) -> Page[Segment]:
        list_id = self.resolve_list_id(list_id)
        items, total, offset = await self._collection(
            f"/lists/{list_id}/segments", limit=limit, cursor=cursor, resource="list", params={"type": type}
        )
        return make_page([_parse(Segment.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def get_segment(self, segment_id: str, list_id: int | None = None) -> Segment:
        """One segment of a list, found in the list's segments (usually one call)."""
        cursor = None
        while True:
            page = await self.segment_list(list_id, limit=EGOI_MAX_LIMIT, cursor=cursor)
            for segment in page.items:
                if segment.id == str(segment_id):
                    return segment
            if not page.next_cursor:
                raise NotFoundError(
                    f"no segment {segment_id!r} in list {self.resolve_list_id(list_id)}: list the segments for ids",
                    code="SEGMENT_NOT_FOUND",
                    status=404,
                )
            cursor = page.next_cursor

    # -- webhooks -----------------------------------------------------------------------------------

    async def list_webhooks(self, *, limit: int = 25, cursor: str | None = None) -> Page[Webhook]:
        items, total, offset = await self._collection("/webhooks", limit=limit, cursor=cursor)
        return make_page([_parse(Webhook.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def create_webhook(self, list_id: int, url: str, actions: Sequence[str]) -> Webhook:
        if not re.fullmatch(r"https?://[^\s/?#]+(?:[/?#]\S*)?", url or ""):
            raise InvalidArgumentError(f"the webhook url must be an http:// or https:// URL with a host, not {url!r}")
        if not actions:
            raise InvalidArgumentError("actions is empty: pass at least one E-goi webhook action")
        payload = {"list_id": self.resolve_list_id(list_id), "url": url, "actions": list(actions)}
        return _parse(Webhook.from_egoi, await self._request("POST", "/webhooks", json=payload, retry=_Retry.ON_429))

    async def delete_webhook(self, webhook_id: int) -> None:
        await self._request("DELETE", f"/webhooks/{int(webhook_id)}", resource="webhook")


def _unexpected(path: str) -> UpstreamError:
    return UpstreamError(f"E-goi answered {path} with a body of an unexpected shape; try again later")


def _parse(factory: Callable[..., T], data: Any, **kwargs: Any) -> T:
    """Build a model from E-goi's JSON; a body we cannot read is an upstream error, not a crash."""
    try:
        return factory(data, **kwargs)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise UpstreamError("E-goi answered with a body of an unexpected shape; try again later") from None


def _maybe_phone(text: str) -> str | None:
    try:
        return egoi_phone(text)
    except InvalidArgumentError:
        return None

"""`client.contacts`: create, read, find, search, list (a list's, a segment's or a tag's), count, update, delete,
and a contact's activity."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, Literal

from egoi_mcp._json import json_object
from egoi_mcp._paging import EGOI_MAX_LIMIT, chunks, decode_cursor, encode_cursor, make_page
from egoi_mcp.client._call_budget import Listing
from egoi_mcp.client._core import Core, Resource, parse, path, unexpected
from egoi_mcp.client._field_values import FieldValue
from egoi_mcp.client._fields import FieldsAPI
from egoi_mcp.client._segments import SegmentsAPI
from egoi_mcp.client._tags import TagsAPI
from egoi_mcp.client._transport import Retry
from egoi_mcp.client._validate import check_contact_ids, check_email, check_limit, check_text, egoi_phone, maybe_phone
from egoi_mcp.errors import ConflictError, InvalidArgumentError, NotFoundError
from egoi_mcp.models import Activity, Contact, ContactRef, Page
from egoi_mcp.untrusted import quote

DeleteMode = Literal["forget", "unsubscribe"]
ContactStatus = Literal["active", "inactive", "unconfirmed", "removed"]


class ContactsAPI(Resource):
    def __init__(self, core: Core, tags: TagsAPI, segments: SegmentsAPI, fields: FieldsAPI) -> None:
        super().__init__(core)
        self._tags = tags
        self._segments = segments
        self._fields = fields

    async def _named(self, items: builtins.list[dict[str, Any]], list_id: int) -> builtins.list[Contact]:
        """E-goi contacts as `Contact`s with tag names and extra fields by name (cached maps)."""
        contacts = await self._core.with_tag_names(items, list_id)
        await self._fields.name(contacts, items, list_id)
        return contacts

    async def create(
        self,
        email: str,
        first_name: str | None = None,
        last_name: str | None = None,
        phone: str | None = None,
        list_id: int | None = None,
        tags: Sequence[str | int] | None = None,
        *,
        fields: dict[str, FieldValue] | None = None,
        if_exists: Literal["fail", "update"] = "fail",
    ) -> Contact:
        """Add a contact to a list (`POST /lists/{id}/contacts`), then attach tags (created when missing).

        `fields` sets extra fields by name (see `client.fields`). With `if_exists="update"` it is one
        create-or-update call instead (`POST /lists/{id}/contacts/by-field`, matched by e-mail); with "fail"
        an address already in the list is EMAIL_ALREADY_EXISTS naming the existing contact.
        """
        list_id = self._core.resolve_list_id(list_id)
        if if_exists not in ("fail", "update"):
            raise InvalidArgumentError(f"if_exists must be 'fail' or 'update', not {if_exists!r}")
        address = check_email(email)
        base: dict[str, Any] = {"email": address, "status": "active"}
        if first_name:
            base["first_name"] = check_text(first_name, "first_name")
        if last_name:
            base["last_name"] = check_text(last_name, "last_name")
        if phone:
            base["cellphone"] = egoi_phone(phone)
        extra = await self._fields.extra(list_id, fields or {})
        tag_ids = await self._tags.ids(tags or [], create=True)
        payload: dict[str, Any] = {"base": base, **({"extra": extra} if extra else {})}
        if if_exists == "update":
            target = path("/lists/{}/contacts/by-field", list_id)
            payload = {"compare_field": {"field_id": "email", "value": address}, **payload}
        else:
            target = path("/lists/{}/contacts", list_id)
        try:
            body = await self._core.request("POST", target, json=payload, resource="list", retry=Retry.ON_429)
        except ConflictError as exc:
            if exc.existing_id is None:
                raise
            raise ConflictError(
                f"{quote(address)} is already in list {list_id} (existing contact_id {exc.existing_id}): pass "
                "if_exists='update' to update it, or update that contact",
                code=exc.code, existing_id=exc.existing_id, status=exc.status,
            ) from None  # fmt: skip
        contact_id = parse(lambda b: str(b["contact_id"]), body)
        for tag_id in tag_ids:
            await self._tags.attach(tag_id, [contact_id], list_id)
        item = {"base": {**base, "contact_id": contact_id}, "tags": tag_ids, "extra": extra}
        (contact,) = await self._named([item], list_id)
        return contact

    async def get(self, contact_id: str, list_id: int | None = None, *, tag_names: bool = True) -> Contact:
        """One contact (`GET /lists/{id}/contacts/{contact_id}`); with `tag_names`, its tags are named (from the
        tag cache: a tag listing when cold)."""
        list_id = self._core.resolve_list_id(list_id)
        (contact_id,) = check_contact_ids([contact_id])
        body = await self._core.request("GET", path("/lists/{}/contacts/{}", list_id, contact_id), resource="contact")
        if not isinstance(body, dict):
            raise unexpected("the contact")
        if not tag_names:
            return parse(Contact.from_egoi, body, list_id=list_id)
        (contact,) = await self._named([body], list_id)
        return contact

    async def search(
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
        phone = None if is_email else maybe_phone(query)
        if list_id is None and not (is_email or phone):
            list_id = self._core.default_list_id
        if list_id is None:
            if not (is_email or phone):
                raise InvalidArgumentError("searching by name needs a list_id: pass one (find it with get_lists)")
            check_limit(limit, EGOI_MAX_LIMIT)
            offset = decode_cursor(cursor)
            refs = await self.find(query)
            wanted = refs[offset : offset + limit]
            left = self._core.transport.budget.requests_left()
            if left is not None and left < len(wanted):  # within the call's bound: a shorter page, then the cursor
                wanted = wanted[: max(left, 1)]
            found = [await self.get(ref.contact_id, ref.list_id) for ref in wanted]
            return make_page(found, offset=offset, limit=len(wanted) or limit, total=len(refs))
        params: dict[str, Any]
        if is_email:
            params = {"email": check_email(query)}
        elif phone:
            params = {"cellphone": phone}
        else:
            first, _, last = query.partition(" ")
            params = {"first_name": first, "last_name": last.strip() or None}
        list_id = self._core.resolve_list_id(list_id)
        items, total, offset = await self._core.page(
            path("/lists/{}/contacts", list_id), limit=limit, cursor=cursor, resource="list", params=params
        )
        return make_page(await self._named(items, list_id), offset=offset, limit=limit, total=total)

    async def find(self, query: str) -> builtins.list[ContactRef]:
        """Where an e-mail or phone is, across all lists (`GET /contacts/search`). Empty when nowhere."""
        if "@" in query:
            params = {"type": "email", "contact": check_email(query)}
        else:
            phone = maybe_phone(query)
            if phone is None:
                raise InvalidArgumentError(f"{quote(query)} is neither an e-mail address nor a phone number")
            params = {"type": "cellphone", "contact": phone}
        try:
            body = await self._core.request("GET", "/contacts/search", params=params, resource="contact")
        except NotFoundError:
            return []
        if body is not None and not isinstance(body, dict):
            raise unexpected("/contacts/search")
        return [parse(ContactRef.model_validate, item) for item in (body or {}).get("items") or []]

    async def list(
        self,
        list_id: int | None = None,
        *,
        segment_id: str | None = None,
        tag: str | int | None = None,
        status: ContactStatus | None = None,
        limit: int = 25,
        cursor: str | None = None,
    ) -> Page[Contact]:
        """A list's contacts, or one segment's, or one tag's (through E-goi's tag segment); `total` is E-goi's
        count. `status` filters each page as it arrives (E-goi cannot), so a filtered page has no total."""
        list_id = self._core.resolve_list_id(list_id)
        if segment_id is not None and tag is not None:
            raise InvalidArgumentError("pass segment_id or tag, not both")
        if segment_id is not None and not str(segment_id).strip():
            raise InvalidArgumentError("segment_id is empty: find it with segment_list", code="SEGMENT_NOT_FOUND")
        if tag is not None:
            segment_id = (await self._segments.of_tag(tag, list_id, reserve=2)).id  # the page, and its tag names
        target = path("/lists/{}/contacts/segment/{}", list_id, segment_id) if segment_id else None
        items, total, offset = await self._core.page(
            target or path("/lists/{}/contacts", list_id), limit=limit, cursor=cursor,
            resource="segment" if target else "list",
        )  # fmt: skip
        contacts = await self._named(items, list_id)
        if status is None:
            return make_page(contacts, offset=offset, limit=limit, total=total)
        more = offset + len(items) < total if total is not None else len(items) >= limit
        return Page[Contact](
            items=[c for c in contacts if c.status == status],
            total=None,
            next_cursor=encode_cursor(offset + len(items)) if more and items else None,
        )

    async def reached_by_sms(self, list_id: int, segment_id: str, *, reserve: int = 0) -> Listing[str]:
        """The active contacts of a segment an SMS reaches (a cellphone, its channel active): their ids, reading
        every member (1000 a call) within the call's request bound, leaving `reserve` requests; `complete` says
        whether all were read."""
        target = path("/lists/{}/contacts/segment/{}", self._core.resolve_list_id(list_id), segment_id)
        items = await self._core.every(target, resource="segment", reserve=reserve)
        bases = [base for base in (json_object(i.get("base") or i) for i in items) if base.get("cellphone")]
        reached = (b for b in bases if b.get("status") == "active" and b.get("cellphone_status", "active") == "active")
        return Listing((str(b.get("contact_id")) for b in reached), complete=items.complete)

    async def count(self, list_id: int | None = None, segment_id: str | None = None) -> int:
        """How many contacts a list or segment holds (one call, `limit=1`)."""
        list_id = self._core.resolve_list_id(list_id)
        target = path("/lists/{}/contacts/segment/{}", list_id, segment_id) if segment_id else None
        _, total, _ = await self._core.page(
            target or path("/lists/{}/contacts", list_id), limit=1, cursor=None,
            resource="segment" if target else "list",
        )  # fmt: skip
        return total or 0

    async def update(
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
        fields: dict[str, FieldValue] | None = None,
    ) -> int:
        """Change fields (extra ones by name in `fields`) and add tags. One contact: `PATCH`; several:
        `actions/update`, 1000 per call.

        Returns how many contacts were targeted.
        """
        list_id = self._core.resolve_list_id(list_id)
        ids = check_contact_ids(contact_ids)
        base: dict[str, Any] = {}
        if first_name is not None:
            base["first_name"] = check_text(first_name, "first_name")
        if last_name is not None:
            base["last_name"] = check_text(last_name, "last_name")
        if phone is not None:
            base["cellphone"] = egoi_phone(phone)
        if status is not None:
            base["status"] = status
        if email is not None:
            if len(ids) > 1:
                raise InvalidArgumentError("email is unique per contact: change it for one contact at a time")
            base["email"] = check_email(email)
        if not base and not tags and not fields:
            raise InvalidArgumentError("nothing to update: pass at least one field or tag")
        extra = await self._fields.extra(list_id, fields or {})
        tag_ids = await self._tags.ids(tags or [], create=True)
        change: dict[str, Any] = {"base": base, **({"extra": extra} if extra else {})}
        if (base or extra) and len(ids) == 1:
            await self._core.request(
                "PATCH", path("/lists/{}/contacts/{}", list_id, ids[0]), json=change, resource="contact"
            )
        elif base or extra:
            for chunk in chunks(ids):
                await self._core.request(
                    "POST", path("/lists/{}/contacts/actions/update", list_id),
                    json={"type": "contacts", "contacts": chunk, **change}, resource="list",
                )  # fmt: skip
        for tag_id in tag_ids:
            await self._tags.attach(tag_id, ids, list_id)
        return len(ids)

    async def delete(self, contact_ids: Sequence[str], list_id: int | None = None, mode: DeleteMode = "forget") -> int:
        """Remove contacts, 1000 per call. `forget` erases them (GDPR); `unsubscribe` keeps them as removed.

        Returns how many were removed. E-goi's unsubscribe answers per contact: when none of them could be
        unsubscribed (not in the list, already removed), that is an error naming why.
        """
        list_id = self._core.resolve_list_id(list_id)
        ids = check_contact_ids(contact_ids)
        if mode not in ("forget", "unsubscribe"):
            raise InvalidArgumentError(f"mode must be 'forget' or 'unsubscribe', not {mode!r}")
        done = 0
        refused: dict[str, builtins.list[str]] = {}
        for chunk in chunks(ids):
            if mode == "forget":
                await self._core.request(
                    "POST", path("/lists/{}/contacts/actions/forget", list_id), json={"contacts": chunk},
                    resource="list",
                )  # fmt: skip
                done += len(chunk)
                continue
            data = [{"contact_id": c, "unsubscription_method": "api"} for c in chunk]
            body = await self._core.request(
                "POST", path("/lists/{}/contacts/actions/unsubscribe", list_id), json={"data": data}, resource="list"
            )
            body = json_object(body)
            done += len(body.get("success") or [])
            errors = json_object(body.get("errors"))
            for reason, failed in errors.items():
                if isinstance(failed, list) and failed:
                    refused.setdefault(str(reason), []).extend(str(c) for c in failed)
        if refused and done == 0:
            reasons = "; ".join(f"{reason.replace('_', ' ')}: {', '.join(c[:5])}" for reason, c in refused.items())
            raise NotFoundError(
                f"E-goi unsubscribed none of the contacts ({reasons}); check the ids with search_contacts",
                code="SUBSCRIBER_NOT_FOUND",
                status=200,
            )
        return done

    async def activity(
        self, contact_id: str, list_id: int | None = None, *, limit: int = 25, cursor: str | None = None
    ) -> Page[Activity]:
        """What a contact did or had done (`GET /lists/{id}/contacts/{contact_id}/activities`), newest first,
        with campaign names from the cached campaign listing."""
        list_id = self._core.resolve_list_id(list_id)
        (contact_id,) = check_contact_ids([contact_id])
        items, total, offset = await self._core.page(
            path("/lists/{}/contacts/{}/activities", list_id, contact_id), limit=limit, cursor=cursor,
            resource="contact",
        )  # fmt: skip
        activities = [parse(Activity.from_egoi, item) for item in items]
        names = await self._core.campaign_names.lookup([a.campaign_id for a in activities if a.campaign_id])
        tag_names = await self._core.tags.names([a.tag_id for a in activities if a.tag_id is not None])
        for activity in activities:
            activity.campaign_name = names.get(activity.campaign_id or "")
            if activity.tag_id is not None:
                activity.detail = f"tag {tag_names.get(activity.tag_id) or activity.tag_id}"
        activities.sort(key=lambda a: a.date.timestamp() if a.date else 0.0, reverse=True)
        return make_page(activities, offset=offset, limit=limit, total=total)

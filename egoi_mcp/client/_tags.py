"""`client.tags`: create, list, find (name or id, through the tag cache), delete, attach to and detach from
contacts, and tag names or ids to ids for the other groups."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from egoi_mcp._paging import chunks, make_page
from egoi_mcp.client._core import Resource, parse, path
from egoi_mcp.client._tag_cache import TagName
from egoi_mcp.client._transport import Retry
from egoi_mcp.client._validate import check_color, check_contact_ids, check_text
from egoi_mcp.errors import ConflictError, InvalidArgumentError, NotFoundError
from egoi_mcp.models import Page, Tag
from egoi_mcp.untrusted import quote


class TagsAPI(Resource):
    async def create(self, name: str, color: str | None = None) -> Tag:
        """Create a tag (`POST /tags`); a name in use is `TAG_ALREADY_EXISTS`."""
        if not name.strip():
            raise InvalidArgumentError("name is empty: give the tag a name")
        check_text(name, "name")
        check_color(color)
        payload = {"name": name.strip(), **({"color": color} if color else {})}
        try:
            tag = parse(Tag.from_egoi, await self._core.request("POST", "/tags", json=payload, retry=Retry.ON_429))
        except ConflictError as exc:
            raise ConflictError(
                f"a tag named {quote(name)} already exists: use it, or list tags to find its id",
                code="TAG_ALREADY_EXISTS", status=409,
            ) from exc  # fmt: skip
        self._core.tags.add(tag)
        return tag

    async def list(self, *, limit: int = 25, cursor: str | None = None) -> Page[Tag]:
        """One page of the account's tags (`GET /tags`), by id."""
        items, total, offset = await self._core.page(
            "/tags", limit=limit, cursor=cursor, params={"order": "asc", "order_by": "tag_id"}
        )
        return make_page([parse(Tag.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def delete(self, tag_id: int) -> None:
        """Delete a tag (`DELETE /tags/{id}`)."""
        await self._core.request("DELETE", path("/tags/{}", _tag_id(tag_id)), resource="tag")
        self._core.tags.forget()

    async def find(self, tag: str | int) -> Tag:
        """A tag by name (case-insensitive) or id, from the cache when possible. A name that exists wins; a
        `TagName` is a name only."""
        found = await self._core.tags.find(tag)
        if found is None:
            raise NotFoundError(f"no tag {quote(tag)}: list tags to see the names", code="TAG_NOT_FOUND", status=404)
        return found

    async def ids(self, tags: Sequence[str | int], *, create: bool) -> builtins.list[int]:
        """Tag names or ids to ids. Ints pass through; strings come from one cached listing, or (with `create`)
        are created when missing. A digit string names a tag, or else is read as an id (so is never created);
        a `TagName` is only ever a name."""
        if any(not str(tag).strip() for tag in tags):
            raise InvalidArgumentError("a tag name is empty")
        for tag in tags:
            check_text(str(tag), "a tag name")
        ids: builtins.list[int] = []
        for tag in tags:
            if isinstance(tag, int) and not isinstance(tag, bool):
                ids.append(_tag_id(tag))
                continue
            text = TagName(tag.strip()) if isinstance(tag, TagName) else str(tag).strip()
            known = await self._core.tags.find(text)
            if known is None and create and (isinstance(text, TagName) or not (text.isascii() and text.isdigit())):
                try:
                    known = await self.create(text)
                except ConflictError:  # made elsewhere since we listed: the cache was stale
                    known = await self._core.tags.find(text, refresh=True)
            elif known is None:
                known = await self._core.tags.find(text, refresh=True)
            if known is None:
                raise NotFoundError(f"no tag {quote(text)}: list tags to see the names", code="TAG_NOT_FOUND")
            ids.append(known.id)
        return builtins.list(dict.fromkeys(ids))

    async def attach(self, tag: str | int, contact_ids: Sequence[str], list_id: int | None = None) -> int:
        """Attach a tag (by id or name; a name is created when missing, a digit string only as a `TagName`) to
        contacts, 1000 per call. Returns the tag id."""
        return await self._act("attach-tag", tag, contact_ids, list_id)

    async def detach(self, tag: str | int, contact_ids: Sequence[str], list_id: int | None = None) -> int:
        """Detach a tag (by id or name) from contacts, 1000 per call. Returns the tag id."""
        return await self._act("detach-tag", tag, contact_ids, list_id)

    async def _act(self, action: str, tag: str | int, contact_ids: Sequence[str], list_id: int | None) -> int:
        list_id = self._core.resolve_list_id(list_id)
        ids = check_contact_ids(contact_ids)
        (tag_id,) = await self.ids([tag], create=action == "attach-tag")
        for chunk in chunks(ids):
            try:
                await self._core.request(
                    "POST", path("/lists/{}/contacts/actions/{}", list_id, action),
                    json={"tag_id": tag_id, "contacts": chunk}, resource="list",
                )  # fmt: skip
            except NotFoundError as exc:  # E-goi's 404 is the list's or the tag's: an id is read, never guessed
                if exc.code == "LIST_NOT_FOUND" and await self._core.tags.find(tag_id, refresh=True) is None:
                    raise NotFoundError(
                        f"no tag with id {tag_id}: list tags to see the ids", code="TAG_NOT_FOUND", status=404
                    ) from None
                raise
        return tag_id


def _tag_id(tag_id: int) -> int:
    try:
        number = int(tag_id)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise InvalidArgumentError(f"tag_id must be a positive integer, not {tag_id!r}", code="TAG_NOT_FOUND")
    return number

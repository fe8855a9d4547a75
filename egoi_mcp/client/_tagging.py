"""Tags: create, list, delete, resolve names to ids (through the tag cache), attach to and detach from contacts."""

from __future__ import annotations

from collections.abc import Sequence

from egoi_mcp._paging import chunks, make_page
from egoi_mcp.client._base import ClientBase, parse, path
from egoi_mcp.client._transport import Retry
from egoi_mcp.client._validate import check_color, check_contact_ids, check_text
from egoi_mcp.errors import ConflictError, InvalidArgumentError, NotFoundError
from egoi_mcp.models import Page, Tag


class TagsAPI(ClientBase):
    async def create_tag(self, name: str, color: str | None = None) -> Tag:
        if not name.strip():
            raise InvalidArgumentError("name is empty: give the tag a name")
        check_text(name, "name")
        check_color(color)
        payload = {"name": name.strip(), **({"color": color} if color else {})}
        try:
            tag = parse(Tag.from_egoi, await self._request("POST", "/tags", json=payload, retry=Retry.ON_429))
        except ConflictError as exc:
            raise ConflictError(
                f"a tag named {name!r} already exists: use it, or list tags to find its id",
                code="TAG_ALREADY_EXISTS", status=409,
            ) from exc  # fmt: skip
        self._tags.add(tag)
        return tag

    async def list_tags(self, *, limit: int = 25, cursor: str | None = None) -> Page[Tag]:
        items, total, offset = await self._collection(
            "/tags", limit=limit, cursor=cursor, params={"order": "asc", "order_by": "tag_id"}
        )
        return make_page([parse(Tag.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def delete_tag(self, tag_id: int) -> None:
        await self._request("DELETE", path("/tags/{}", _tag_id(tag_id)), resource="tag")
        self._tags.forget()

    async def find_tag(self, tag: str | int) -> Tag:
        """A tag by name (case-insensitive) or id, from the cache when possible. A name that exists wins."""
        found = await self._tags.find(tag)
        if found is None:
            raise NotFoundError(f"no tag {tag!r}: list tags to see the names", code="TAG_NOT_FOUND", status=404)
        return found

    async def _tag_ids(self, tags: Sequence[str | int], *, create: bool) -> list[int]:
        """Tag names or ids to ids. Ints pass through; strings come from one cached listing, or are created."""
        if any(not str(tag).strip() for tag in tags):
            raise InvalidArgumentError("a tag name is empty")
        for tag in tags:
            check_text(str(tag), "a tag name")
        ids: list[int] = []
        for tag in tags:
            if isinstance(tag, int) and not isinstance(tag, bool):
                ids.append(_tag_id(tag))
                continue
            text = str(tag).strip()
            known = await self._tags.find(text)
            if known is None and create and not (text.isascii() and text.isdigit()):
                try:
                    known = await self.create_tag(text)
                except ConflictError:  # made elsewhere since we listed: the cache was stale
                    known = await self._tags.find(text, refresh=True)
            elif known is None:
                known = await self._tags.find(text, refresh=True)
            if known is None:
                raise NotFoundError(f"no tag {text!r}: list tags to see the names", code="TAG_NOT_FOUND")
            ids.append(known.id)
        return list(dict.fromkeys(ids))

    async def attach_tag(self, tag: str | int, contact_ids: Sequence[str], list_id: int | None = None) -> int:
        """Attach a tag (by id or name; created when missing) to contacts, 1000 per call."""
        list_id = self.resolve_list_id(list_id)
        ids = check_contact_ids(contact_ids)
        (tag_id,) = await self._tag_ids([tag], create=True)
        for chunk in chunks(ids):
            await self._tag_action("attach-tag", list_id, tag_id, chunk)
        return tag_id

    async def detach_tag(self, tag: str | int, contact_ids: Sequence[str], list_id: int | None = None) -> int:
        list_id = self.resolve_list_id(list_id)
        ids = check_contact_ids(contact_ids)
        (tag_id,) = await self._tag_ids([tag], create=False)
        for chunk in chunks(ids):
            await self._tag_action("detach-tag", list_id, tag_id, chunk)
        return tag_id

    async def _tag_action(self, action: str, list_id: int, tag_id: int, contact_ids: list[str]) -> None:
        await self._request(
            "POST", path("/lists/{}/contacts/actions/{}", list_id, action),
            json={"tag_id": tag_id, "contacts": contact_ids}, resource="list",
        )  # fmt: skip


def _tag_id(tag_id: int) -> int:
    try:
        number = int(tag_id)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise InvalidArgumentError(f"tag_id must be a positive integer, not {tag_id!r}", code="TAG_NOT_FOUND")
    return number

"""`client.segments`: a list's segments, one segment, and the segment E-goi keeps for each tag in a list."""

from __future__ import annotations

from egoi_mcp._paging import make_page
from egoi_mcp.client._core import Resource, parse, path
from egoi_mcp.errors import CallBudgetExceededError, InvalidArgumentError, NotFoundError
from egoi_mcp.models import Page, Segment, Tag
from egoi_mcp.untrusted import quote


class SegmentsAPI(Resource):
    async def list(
        self, list_id: int | None = None, *, type: str | None = None, limit: int = 25, cursor: str | None = None
    ) -> Page[Segment]:
        """One page of a list's segments (`GET /lists/{id}/segments`), of one `type` when given."""
        list_id = self._core.resolve_list_id(list_id)
        items, total, offset = await self._core.page(
            path("/lists/{}/segments", list_id), limit=limit, cursor=cursor, resource="list", params={"type": type}
        )
        return make_page([parse(Segment.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def get(self, segment_id: str, list_id: int | None = None) -> Segment:
        """One segment of a list, found in the list's segments (usually one call; paging stops when found)."""
        list_id = self._core.resolve_list_id(list_id)
        wanted = str(segment_id)
        items = await self._core.every(
            path("/lists/{}/segments", list_id), resource="list", until=lambda i: str(i.get("segment_id")) == wanted
        )
        for segment in (parse(Segment.from_egoi, item) for item in items):
            if segment.id == wanted:
                return segment
        if not items.complete:
            raise CallBudgetExceededError(
                f"list {list_id} has more segments than one call may read, and {quote(wanted)} is not among those "
                "read: check the id with segment_list"
            )
        raise NotFoundError(
            f"no segment {quote(segment_id)} in list {list_id}: list the segments for ids",
            code="SEGMENT_NOT_FOUND",
            status=404,
        )

    async def of_tag(self, tag: str | int, list_id: int | None = None, *, reserve: int = 0) -> Segment:
        """E-goi's segment of a tag in a list (its tag segments are named after their tags). `reserve`: the
        requests to leave, within the call's bound, for what the caller does with the segment."""
        list_id = self._core.resolve_list_id(list_id)
        text = str(tag).strip()
        if not text:
            raise InvalidArgumentError("tag is empty: pass a tag name or id (list tags to see them)")
        if isinstance(tag, int):  # the segment is named after the tag: learn the name first (usually cached)
            text = (await self._named(tag)).name
        name = text.casefold()
        items = await self._core.every(
            path("/lists/{}/segments", list_id), params={"type": "tag"}, resource="list", reserve=reserve,
            until=lambda i: str(i.get("name") or "").casefold() == name,
        )  # fmt: skip
        by_name = {s.name.casefold(): s for s in (parse(Segment.from_egoi, item) for item in items)}
        found = by_name.get(name)
        if found is None and not items.complete:
            raise CallBudgetExceededError(
                f"list {list_id} has more tag segments than one call may read, and tag {quote(text)}'s is not among "
                "those read: pass its segment_id instead (find it with segment_list, type 'tag')"
            )
        if found is None and not isinstance(tag, int):  # a digit string naming an id, or another spelling
            found = by_name.get((await self._named(tag)).name.casefold())
        if found is None:
            raise NotFoundError(
                f"list {list_id} has no segment for tag {quote(text)} yet: E-goi makes one when the tag is first used "
                "in the list; tag a contact of this list, or list the list's segments",
                code="SEGMENT_NOT_FOUND",
                status=404,
            )
        return found

    async def _named(self, tag: str | int) -> Tag:
        known = await self._core.tags.find(tag)
        if known is None:
            raise NotFoundError(f"no tag {quote(tag)}: list tags to see the names", code="TAG_NOT_FOUND", status=404)
        return known

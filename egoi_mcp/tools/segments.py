"""Segments toolset: the segments of a list (E-goi has no API to create them)."""

from __future__ import annotations

from typing import Literal

from mcp.server.mcpserver import Context

from egoi_mcp.models import Page, Segment
from egoi_mcp.runtime import runtime
from egoi_mcp.tools._base import Cursor, Limit, ListId, Toolset, tool


@tool("List segments", read_only=True, idempotent=True)
async def egoi_list_segments(
    ctx: Context,
    list_id: ListId = None,
    type: Literal["auto", "saved", "tag"] | None = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[Segment]:
    """A list's segments (auto, saved and tag). egoi_send_email_to_segment takes their ids."""
    return await runtime(ctx).client.segment_list(list_id, type=type, limit=limit, cursor=cursor)


TOOLSET = Toolset("segments", (egoi_list_segments,), about="Segment ids come from egoi_list_segments.")

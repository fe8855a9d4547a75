"""`client.fields`: a list's contact fields (base and extra), as `GET /lists/{id}/fields` gives them."""

from __future__ import annotations

import builtins
from typing import Any

from pydantic import BaseModel, ConfigDict

from egoi_mcp._paging import EGOI_MAX_LIMIT
from egoi_mcp.client._core import Resource, parse, path, unexpected


class ListField(BaseModel):
    """A contact field of a list: `type` is `base` (E-goi's own) or `extra` (the account's)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    format: str | None = None
    type: str | None = None
    unique: bool = False
    options: builtins.list[str] = []

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> ListField:
        options = [str(o.get("en") or o.get("option_id")) for o in data.get("options") or [] if isinstance(o, dict)]
        return cls(
            id=str(data["field_id"]), name=str(data.get("name") or ""), format=data.get("format"),
            type=data.get("type"), unique=bool(data.get("unique")), options=options,
        )  # fmt: skip


class FieldsAPI(Resource):
    async def list(self, list_id: int | None = None) -> builtins.list[ListField]:
        """Every field of a list (one call: E-goi answers a bare array, up to 1000)."""
        list_id = self._core.resolve_list_id(list_id)
        body = await self._core.request(
            "GET", path("/lists/{}/fields", list_id), params={"offset": 0, "limit": EGOI_MAX_LIMIT}, resource="list"
        )
        if not isinstance(body, builtins.list):
            raise unexpected("the list's fields")
        return [parse(ListField.from_egoi, item) for item in body[:EGOI_MAX_LIMIT] if isinstance(item, dict)]

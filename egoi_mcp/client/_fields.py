"""`client.fields`: a list's contact fields (base and extra), as `GET /lists/{id}/fields` gives them.

The field map is cached per list for `FIELDS_FRESH` seconds (at most one call per list per expiry): it names a
contact's extra values (`Contact.fields`) and turns `fields={name: value}` into E-goi's `extra` array
(`_field_values.py`).
"""

from __future__ import annotations

import builtins
from typing import Any

from pydantic import BaseModel, ConfigDict

from egoi_mcp._paging import EGOI_MAX_LIMIT
from egoi_mcp.client._core import Core, Resource, parse, path, unexpected
from egoi_mcp.client._field_values import FieldValue, extra_entries, named_values
from egoi_mcp.models import Contact

FIELDS_FRESH = 60.0  # seconds a list's field map is reused


class ListField(BaseModel):
    """A contact field of a list: `type` is `base` (E-goi's own) or `extra` (the account's); `options` are the
    labels an options field takes (`option_ids` their E-goi ids, in the same order)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    format: str | None = None
    type: str | None = None
    unique: bool = False
    options: builtins.list[str] = []
    option_ids: builtins.list[int] = []

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> ListField:
        options = [o for o in data.get("options") or [] if isinstance(o, dict)]
        return cls(
            id=str(data["field_id"]), name=str(data.get("name") or ""), format=data.get("format"),
            type=data.get("type"), unique=bool(data.get("unique")),
            options=[str(o.get("en") or o.get("option_id")) for o in options],
            option_ids=[int(o["option_id"]) for o in options if str(o.get("option_id", "")).isdigit()],
        )  # fmt: skip


class FieldsAPI(Resource):
    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self._cache: dict[int, tuple[float, builtins.list[ListField]]] = {}

    async def list(self, list_id: int | None = None, *, fresh: bool = False) -> builtins.list[ListField]:
        """Every field of a list (one call: E-goi answers a bare array, up to 1000); reused for `FIELDS_FRESH`
        seconds unless `fresh`."""
        list_id = self._core.resolve_list_id(list_id)
        now = self._core.clock()
        cached = self._cache.get(list_id)
        if cached is not None and not fresh and now - cached[0] < FIELDS_FRESH:
            return builtins.list(cached[1])
        body = await self._core.request(
            "GET", path("/lists/{}/fields", list_id), params={"offset": 0, "limit": EGOI_MAX_LIMIT}, resource="list"
        )
        if not isinstance(body, builtins.list):
            raise unexpected("the list's fields")
        fields = [parse(ListField.from_egoi, item) for item in body[:EGOI_MAX_LIMIT] if isinstance(item, dict)]
        self._cache = {k: v for k, v in self._cache.items() if now - v[0] < FIELDS_FRESH}
        self._cache[list_id] = (now, fields)
        return builtins.list(fields)

    async def extra(self, list_id: int, values: dict[str, FieldValue]) -> builtins.list[dict[str, Any]]:
        """`{name or id: value}` as E-goi's `extra` array, checked against the list's fields (see `_field_values`)."""
        return extra_entries(list_id, await self.list(list_id), values) if values else []

    async def name(self, contacts: builtins.list[Contact], items: builtins.list[dict[str, Any]], list_id: int) -> None:
        """Set each contact's `fields` from its E-goi item's `extra`: no call when none has an extra value."""
        if any(item.get("extra") for item in items):
            fields = await self.list(list_id)
            for contact, item in zip(contacts, items, strict=True):
                contact.fields = named_values(fields, item.get("extra"))

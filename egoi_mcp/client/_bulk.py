"""`client.bulk`: the operations E-goi runs in the background: import-bulk, export and advanced reports.

Each answers 202 at once; an export or report later POSTs `{"file": url}` to the `callback_url` it was given,
and `download` reads that file (without the API key: the file may live on another host).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final, Literal

import httpx

from egoi_mcp.client._call_budget import Listing
from egoi_mcp.client._core import Resource, path
from egoi_mcp.client._transport import Retry
from egoi_mcp.errors import InvalidArgumentError, NetworkError, UpstreamError

__all__ = ["MAX_FILE_BYTES", "REPORT_KINDS", "BulkAPI", "ReportKind"]

MAX_FILE_BYTES: Final = 20 * 1024 * 1024  # E-goi's stream limit; a file past it is refused, not truncated
ReportKind = Literal["sends", "subscriptions", "unsubscriptions"]  # E-goi's advanced reports of lists
REPORT_KINDS: Final[tuple[str, ...]] = ("sends", "subscriptions", "unsubscriptions")
_COLUMNS: Final[dict[str, dict[str, Any]]] = {  # the columns each report requires besides the list's fields
    "sends": {"campaign_fields": dict.fromkeys(("campaign_hash", "channel", "group", "internal_name", "sender",
                                                "type"), True)},
    "subscriptions": {"list_stats_fields": {"subscription_method": True, "subscription_src": True}},
    "unsubscriptions": {"list_stats_fields": dict.fromkeys(("unsubscription_date", "unsubscription_method",
                                                            "unsubscription_src"), True)},
}  # fmt: skip


class BulkAPI(Resource):
    async def emails(self, list_id: int) -> Listing[str]:
        """The e-mail addresses of a list's contacts, lowercased, 1000 per call within the call's request bound
        (`complete=False` when it stopped short)."""
        items = await self._core.every(path("/lists/{}/contacts", list_id), resource="list")
        emails = (str((item.get("base") or {}).get("email") or "").casefold() for item in items)
        return Listing((email for email in emails if email), complete=items.complete)

    async def import_contacts(self, list_id: int, contacts: list[dict[str, Any]], callback_url: str | None) -> None:
        """`POST /lists/{id}/contacts/actions/import-bulk` in mode `update`, matched by e-mail: a contact already
        in the list is updated, so posting the same batch again changes nothing more (retried as safe)."""
        body: dict[str, Any] = {"mode": "update", "compare_field": "email", "contacts": contacts}
        if callback_url:
            body["callback_url"] = callback_url
        target = path("/lists/{}/contacts/actions/import-bulk", list_id)
        await self._core.request("POST", target, json=body, resource="list", retry=Retry.SAFE)

    async def export_contacts(
        self, list_id: int, callback_url: str, *, segments: list[str] | None = None, fields: list[str] | None = None
    ) -> None:
        """`POST /lists/{id}/contacts/actions/export` as CSV; the file's URL comes to `callback_url`."""
        body: dict[str, Any] = {"format": "csv", "callback_url": callback_url}
        if segments:
            body["segments"] = segments
        if fields:
            body["fields"] = fields
        target = path("/lists/{}/contacts/actions/export", list_id)
        await self._core.request("POST", target, json=body, resource="list", retry=Retry.ON_429)

    async def request_report(self, kind: str, list_id: int, start: date, end: date, callback_url: str) -> None:
        """`POST /reports/advanced/{kind}` of one list over the days `start` to `end`, with each column E-goi
        requires (the contact's e-mail, and the kind's own); the file's URL comes to `callback_url`."""
        if kind not in _COLUMNS:
            raise InvalidArgumentError(f"kind must be one of {', '.join(REPORT_KINDS)}, not {kind!r}")
        if start > end:
            raise InvalidArgumentError(f"start ({start}) is after end ({end})")
        body = {
            "title": f"egoi-mcp {kind} {start} {end}",
            "lists": [self._core.resolve_list_id(list_id)],
            "range": {"start": f"{start}T00:00:00Z", "end": f"{end}T23:59:59Z"},  # RFC 3339: the spec checks it
            "columns": {"list_base_fields": ["email"], "list_extra_fields": [], **_COLUMNS[kind]},
            "options": {},
            "callback_url": callback_url,
        }
        await self._core.request("POST", path("/reports/advanced/{}", kind), json=body, retry=Retry.ON_429)

    async def download(self, url: str) -> str:
        """The text of a file E-goi made (at most `MAX_FILE_BYTES`), fetched without the API key, over https or
        from E-goi's own host: a callback cannot point this server at anything else on its network."""
        http = self._core.transport.http
        target, api = httpx.URL(url), http.base_url
        if target.scheme != "https" and (target.scheme, target.netloc) != (api.scheme, api.netloc):
            raise UpstreamError(f"E-goi's file is not at an https:// address ({target.scheme}://{target.host})")
        request = http.build_request("GET", url)
        del request.headers["Apikey"]
        try:
            response = await http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise NetworkError(f"could not fetch E-goi's file ({type(exc).__name__}); the job will try again") from None
        try:
            if not response.is_success:
                raise UpstreamError(f"E-goi's file answered HTTP {response.status_code}", status=response.status_code)
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > MAX_FILE_BYTES:
                    raise UpstreamError(f"E-goi's file is larger than {MAX_FILE_BYTES} bytes")
        finally:
            await response.aclose()
        return data.decode("utf-8-sig", errors="replace")

"""Upstream E-goi requests per logical operation, counted by the sandbox's own request budget, the in-process sandbox.

Each operation is one tool call through `Client(server.mcp)` (2026 era, in-process), as an assistant makes it.
The baseline is the fewest requests E-goi's v3 API allows for the same result, with these API facts:
- bulk actions (update, forget, attach-tag) take at most 1000 contact ids per call; attach-tag takes one tag;
- a contact is created without tags (`POST /lists/{id}/contacts` has no tag field): one attach-tag per tag;
- `GET /tags` has no name filter, so turning names into ids needs one listing (then cached); a new name needs a
  `POST /tags`;
- a segment-send preview needs the campaign (name), the segment (name) and its size: 3 reads; the send is 1.
- a report is `GET /reports/{email|sms}/{hash}`, by the campaign's channel: a campaign this process has not seen
  (listed, read or written) is read first, 2 in all, which also names it; 1 once it is known;
- a tag's contacts go through its tag segment (`GET /lists/{id}/segments?type=tag`, named after the tag but
  carrying no tag id), then the segment's contacts; naming the tags those contacts carry needs the tag listing:
  3 cold, 2 when the tag names are cached (E-goi offers no way to 2 cold with the tags named);
- a contact's timeline is 1 call, +1 campaign listing and +1 tag listing to name its campaigns and tags when cold;
- a segment-send preview right after the campaign listing that found the campaign needs 2 (segment and size);
- cancelling reads the queue (`GET /operations?type=email`) in the preview; the confirm cancels the operations
  the preview found (`POST /operations/actions/cancel`): 1.
Goal: equal to the minimum. Setup data (lists, contacts, tags) is put into the sandbox directly, uncounted.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from bench import header, line, quiet, record, verdict

SIZES = (1, 100, 2500)


def _bulk(n: int) -> int:
    return math.ceil(n / 1000)


async def _measure(directory: Path) -> list[tuple[str, int, int, str]]:
    from egoi_mcp.config import Settings
    from egoi_mcp.server import build_server

    server = build_server(
        Settings(
            sandbox=True,
            db=directory / "e.db",
            webhook_secret="bench-secret-0001",
            log_level="WARNING",
            # bulk deletes of 2,500 contacts with no person in the loop: the unattended limits would refuse them
            unattended_max_deletes=10_000,
            unattended_sends_per_hour=100,
        )
    )
    rows: list[tuple[str, int, int, str]] = []
    async with Client(server.mcp, mode="auto") as mcp:
        return await _count_calls(server, mcp, rows)


async def _count_calls(server: Any, mcp: Any, rows: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int, str]]:
    from egoi_mcp.sandbox.models import Contact

    client = server.current().client
    sandbox = server.current().sandbox

    bench_list = sandbox.add_list("Bench", "Bench")
    list_id = bench_list.list_id

    def contacts(n: int, prefix: str) -> list[str]:
        ids = []
        for i in range(n):
            now = sandbox.now()
            contact = Contact(
                contact_id=sandbox.new_contact_id(), list_id=list_id, subscription_date=now, change_date=now,
                email=f"{prefix}{i}@example.com",
            )  # fmt: skip
            sandbox.contacts[contact.contact_id] = contact
            ids.append(contact.contact_id)
        return ids

    update_ids = contacts(max(SIZES), "update")
    delete_ids = {n: contacts(n, f"delete{n}-") for n in SIZES}
    sandbox.add_tag("bench-existing", "#123456")
    campaign = next(c for c in sandbox.campaigns.values() if c.list_id == 1 and c.status == "draft")
    segment = next(s for s in sandbox.segments.values() if s.list_id == 1)

    async def count(label: str, minimum: int, note: str, tool: str, args: dict[str, Any], cold: bool) -> None:
        if args.pop("confirm", False):  # the preview's own calls are not the ones counted
            preview = await mcp.call_tool(tool, args)
            args = preview.structured_content["call_again_with"]
        if cold:
            client._tags.forget()  # a fresh process: no tag names or campaign names known yet
            client._campaign_names.forget()
            client.campaigns.forget()  # nor which channel (e-mail or SMS) a campaign is
        before = sandbox.budget.used
        result = await mcp.call_tool(tool, args)
        if result.is_error:
            raise RuntimeError(f"{tool}: {result.content[0].text}")
        rows.append((label, sandbox.budget.used - before, minimum, note))

    tags = ["bench-new-a", "bench-new-b", "bench-new-c"]
    await count(
        "create contact + 3 new tag names", 1 + 1 + 3 + 3, "1 tag listing + 3 POST /tags + 1 create + 3 attach",
        "egoi_create_contact", {"email": "new1@example.com", "list_id": list_id, "tags": tags}, cold=True,
    )  # fmt: skip
    await count(
        "create contact + the same 3 tags (cached)", 1 + 3, "1 create + 3 attach",
        "egoi_create_contact", {"email": "new2@example.com", "list_id": list_id, "tags": tags}, cold=False,
    )  # fmt: skip
    for n in SIZES:
        writes = 1 if n == 1 else _bulk(n)
        how = "1 PATCH" if n == 1 else f"{_bulk(n)} actions/update"
        await count(
            f"update {n} contact(s): fields", writes, how,
            "egoi_update_contacts",
            {"contact_ids": update_ids[:n], "list_id": list_id, "last_name": f"Bench{n}", "confirm": True},
            cold=True,
        )  # fmt: skip
        await count(
            f"tag {n} contact(s) (existing tag)", _bulk(n) + 1, f"1 tag listing + {_bulk(n)} attach-tag",
            "egoi_attach_tag", {"tag": "bench-existing", "contact_ids": update_ids[:n], "list_id": list_id},
            cold=True,
        )  # fmt: skip
    for n in SIZES:
        await count(
            f"delete {n} contact(s), confirmed", _bulk(n), f"{_bulk(n)} actions/forget",
            "egoi_delete_contacts", {"contact_ids": delete_ids[n], "list_id": list_id, "confirm": True}, cold=False,
        )  # fmt: skip
    send = {"campaign_id": campaign.campaign_hash, "segment_id": segment.segment_id, "list_id": 1}
    await count(
        "segment send: preview", 3, "campaign + segment + its size",
        "egoi_send_email_to_segment", send, cold=False,
    )  # fmt: skip
    await mcp.call_tool("egoi_list_campaigns", {"list_id": 1})
    await count(
        "segment send: preview, right after a campaign listing", 2, "segment + its size",
        "egoi_send_email_to_segment", send, cold=False,
    )  # fmt: skip
    await count(
        "segment send: confirmed", 1, "1 actions/send", "egoi_send_email_to_segment", {**send, "confirm": True},
        cold=False,
    )  # fmt: skip
    sent = next(c for c in sandbox.campaigns.values() if c.list_id == 1 and c.status == "sent")
    await count(
        "campaign report, cold", 2, "1 GET /campaigns (its channel and name) + 1 GET /reports/email/{hash}",
        "egoi_get_campaign_report", {"campaign_id": sent.campaign_hash}, cold=True,
    )  # fmt: skip
    await mcp.call_tool("egoi_list_campaigns", {"list_id": 1})
    await count(
        "campaign report, after a campaign listing", 1, "1 GET /reports/email/{hash} (the name is known)",
        "egoi_get_campaign_report", {"campaign_id": sent.campaign_hash}, cold=False,
    )  # fmt: skip
    await count(
        "contacts of a tag, first page, cold", 3, "tag segment + its contacts + 1 tag listing (names)",
        "egoi_list_contacts", {"list_id": 1, "tag": "vip"}, cold=True,
    )  # fmt: skip
    await count(
        "contacts of a tag, first page, tag names cached", 2, "tag segment + its contacts",
        "egoi_list_contacts", {"list_id": 1, "tag": "vip"}, cold=False,
    )  # fmt: skip
    await count(
        "contacts of a list, page", 1, "1 GET /lists/{id}/contacts", "egoi_list_contacts", {"list_id": 1},
        cold=False,
    )  # fmt: skip
    someone = next(c for c in sandbox.contacts_of(1) if c.email_stats.opens > 0)
    await count(
        "contact activity, cold", 3, "1 activities page + 1 campaign listing + 1 tag listing (names)",
        "egoi_get_contact_activity", {"contact_id": someone.contact_id, "list_id": 1}, cold=True,
    )  # fmt: skip
    await count(
        "contact activity, names cached", 1, "1 activities page",
        "egoi_get_contact_activity", {"contact_id": someone.contact_id, "list_id": 1}, cold=False,
    )  # fmt: skip
    scheduled = {"campaign_id": campaign.campaign_hash, "segment_id": segment.segment_id, "list_id": 1,
                 "send_at": "2099-01-01T18:00:00+00:00"}  # fmt: skip
    await count(
        "scheduled segment send: confirmed", 1, "1 actions/send with schedule_date",
        "egoi_send_email_to_segment", {**scheduled, "confirm": True}, cold=False,
    )  # fmt: skip
    await count(
        "cancel a scheduled send: preview", 1, "1 GET /operations", "egoi_cancel_send",
        {"campaign_id": campaign.campaign_hash}, cold=False,
    )  # fmt: skip
    await count(
        "cancel a scheduled send: confirmed", 1, "1 actions/cancel (the preview's operations)", "egoi_cancel_send",
        {"campaign_id": campaign.campaign_hash, "confirm": True}, cold=False,
    )  # fmt: skip
    return rows


def run() -> None:
    quiet()
    header("upstream E-goi requests per logical operation (sandbox, requests it served)")
    with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
        rows = anyio.run(_measure, Path(tmp))
    width = max(len(label) for label, *_ in rows)
    line(f"{'operation':<{width}}  calls  minimum  (the minimum: how)")
    for label, calls, minimum, note in rows:
        ok = calls <= minimum
        line(f"{label:<{width}}  {calls:5d}  {minimum:7d}  ({note}) {verdict(ok)}")
        record("upstream calls", label, str(calls), f"{minimum} (API minimum)", f"{calls / minimum:.2f}x", "= minimum",
               verdict(ok))  # fmt: skip


if __name__ == "__main__":
    run()

"""E-goi requests of every destructive tool's preview and confirm, in the four client modes: 2025 (legacy) and
2026 eras, each with and without elicitation. Counted by the in-process sandbox's own request budget.

The confirm's minimum is the act's own E-goi calls: the preview recorded what it learned (list, address, the
pending operations) in the ledger, so neither the confirm nor an elicitation round reads anything again. The
preview's minimum is what its summary needs (names and counts); "cold" means no tag or campaign names known yet.
Goal: equal to the minimum in every mode.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import mcp.types as types
from mcp import Client

from bench import header, line, quiet, record, verdict

MODES = (("2026", "auto", False), ("2026", "auto", True), ("2025", "legacy", False), ("2025", "legacy", True))
# tool: (preview minimum, confirm minimum, how)
MINIMUM = {
    "egoi_delete_list": (2, 1, "list + its size; DELETE"),
    "egoi_delete_tag": (1, 1, "tag listing; DELETE"),
    "egoi_delete_webhook": (1, 1, "webhook listing; DELETE"),
    "egoi_delete_contacts": (2, 1, "list + the contact; actions/forget"),
    "egoi_update_contacts": (2, 1, "list + the contact; PATCH"),
    "egoi_send_email_to_contact": (2, 1, "campaign + contact; actions/send"),
    "egoi_send_email_to_segment": (3, 1, "campaign + segment + its size; actions/send"),
    "egoi_cancel_send": (2, 1, "campaign listing + operations; actions/cancel"),
}
LATER = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()


async def _accept(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"confirm": True})


async def _arguments(mcp: Client, tool: str, n: int) -> dict[str, Any]:
    async def call(which: str, /, **args: Any) -> dict[str, Any]:
        result = await mcp.call_tool(which, args)
        if result.is_error:
            raise RuntimeError(f"{which}: {result.content[0].text}")
        return result.structured_content or {}

    contact = (await call("egoi_create_contact", email=f"bench-{tool}-{n}@example.com", list_id=1))["id"]
    campaign = (await call("egoi_list_campaigns", list_id=1))["items"][0]["id"]
    made = {
        "egoi_delete_list": lambda: {"list_id": n},
        "egoi_delete_tag": lambda: {"tag_id": n},
        "egoi_delete_webhook": lambda: {"webhook_id": n},
        "egoi_delete_contacts": lambda: {"contact_ids": [contact], "list_id": 1},
        "egoi_update_contacts": lambda: {"contact_ids": [contact], "list_id": 1, "last_name": "Bench"},
        "egoi_send_email_to_contact": lambda: {"campaign_id": campaign, "contact_id": contact, "send_at": LATER},
        "egoi_send_email_to_segment": lambda: {"campaign_id": campaign, "segment_id": "auto_1", "send_at": LATER},
        "egoi_cancel_send": lambda: {"campaign_id": campaign},
    }
    if tool == "egoi_delete_list":
        n = (await call("egoi_create_list", name=f"Bench {n}"))["id"]
    elif tool == "egoi_delete_tag":
        n = (await call("egoi_create_tag", name=f"bench-{n}"))["id"]
    elif tool == "egoi_delete_webhook":
        n = (await call("egoi_register_webhook", list_id=1, url=f"https://bench.example.com/{n}"))["id"]
    elif tool == "egoi_cancel_send":
        send = {"campaign_id": campaign, "segment_id": "auto_1", "send_at": LATER}
        preview = await call("egoi_send_email_to_segment", **send)
        await call("egoi_send_email_to_segment", **preview["call_again_with"])
    return made[tool]()


async def _measure(directory: Path) -> list[tuple[str, str, int, int]]:
    from egoi_mcp.config import Settings
    from egoi_mcp.server import build_server

    rows: list[tuple[str, str, int, int]] = []
    for era, mode, elicit in MODES:
        settings = Settings(sandbox=True, db=directory / f"{mode}-{elicit}.db", webhook_secret="bench-secret-0001",
                            log_level="WARNING")  # fmt: skip
        server = build_server(settings)
        async with Client(server.mcp, mode=mode, elicitation_callback=_accept if elicit else None) as mcp:
            sandbox, client = server.current().sandbox, server.current().client
            for n, tool in enumerate(MINIMUM, start=1):
                arguments = await _arguments(mcp, tool, n)
                client._tags.forget()  # cold: no names known
                client._campaign_names.forget()
                before = sandbox.budget.used
                preview = await mcp.call_tool(tool, arguments)
                previewed = sandbox.budget.used
                done = await mcp.call_tool(tool, (preview.structured_content or {})["call_again_with"])
                if done.is_error or (done.structured_content or {}).get("status") != "done":
                    raise RuntimeError(f"{tool}: {done.content[0].text}")
                label = f"{era} era, {'with' if elicit else 'without'} elicitation"
                rows.append((tool, label, previewed - before, sandbox.budget.used - previewed))
    return rows


def run() -> None:
    quiet()
    header("E-goi requests per destructive tool: preview and confirm, in the four client modes (sandbox)")
    with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
        rows = anyio.run(_measure, Path(tmp))
    line(f"{'tool':<28} {'mode':<36} preview (min)  confirm (min)")
    for tool, mode, previewed, confirmed in rows:
        least_preview, least_confirm, how = MINIMUM[tool]
        ok = previewed <= least_preview and confirmed <= least_confirm
        line(f"{tool:<28} {mode:<36} {previewed:3d} ({least_preview})        {confirmed:3d} ({least_confirm})  "
             f"{verdict(ok)}")  # fmt: skip
        ratio = (previewed + confirmed) / (least_preview + least_confirm)
        record("confirm calls", f"{tool}, {mode}: preview + confirm", f"{previewed} + {confirmed}",
               f"{least_preview} + {least_confirm} ({how})", f"{ratio:.2f}x", "= minimum", verdict(ok))  # fmt: skip


if __name__ == "__main__":
    run()

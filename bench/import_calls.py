"""E-goi requests of a 10,000-row import (issue 20): the preview, the confirm and the job until it is done, through
a real MCP client on the in-process sandbox, counted by the sandbox's own request budget.

The minimum is ceil(rows / batch) + 2: one import-bulk per batch (EGOI_MCP_IMPORT_BATCH_SIZE), and for the
preview the list's fields (the columns mapped by name) and its contacts' addresses (new vs existing; 1000 per
call, so 2 for a list under 1,000 contacts). The confirm reads the preview's batches from the ledger (0 calls).
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client

from bench import header, line, quiet, record, verdict

ROWS = 10_000
BATCHES = (1000, 500)


def _csv(rows: int) -> str:
    lines = ["email,first_name,city,plan"]
    lines += [f"bench{n}@example.com,Name{n},City{n % 9},{('Bronze', 'Silver', 'Gold')[n % 3]}" for n in range(rows)]
    return "\n".join(lines) + "\n"


async def _measure(directory: Path, batch: int) -> tuple[int, int, int, float]:
    from egoi_mcp.config import Settings
    from egoi_mcp.server import build_server

    settings = Settings(sandbox=True, db=directory / f"import-{batch}.db", webhook_secret="bench-secret-0001",
                        log_level="WARNING", import_batch_size=batch)  # fmt: skip
    server = build_server(settings)
    async with Client(server.mcp) as mcp:
        sandbox = server.current().sandbox
        assert sandbox is not None
        before, started = sandbox.budget.used, time.perf_counter()
        preview = await mcp.call_tool("egoi_import_contacts", {"list_id": 1, "csv": _csv(ROWS)})
        previewed = sandbox.budget.used
        done = await mcp.call_tool("egoi_import_contacts", (preview.structured_content or {})["call_again_with"])
        confirmed = sandbox.budget.used
        job_id = (done.structured_content or {})["summary"].split()[2]
        job = await mcp.call_tool("egoi_get_job", {"job_id": job_id, "wait": 60})
        status = (job.structured_content or {}).get("status")
        if status != "done" or len([c for c in sandbox.contacts_of(1) if c.email.startswith("bench")]) != ROWS:
            raise RuntimeError(f"the import did not finish: {job.content[0].text[:300]}")
        elapsed = time.perf_counter() - started
        return previewed - before, confirmed - previewed, sandbox.budget.used - confirmed, elapsed


def run() -> None:
    quiet()
    header(f"E-goi requests of a {ROWS:,}-row import: preview + confirm + the job (sandbox)")
    with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
        for batch in BATCHES:
            previewed, confirmed, job, seconds = anyio.run(_measure, Path(tmp), batch)
            total, bound = previewed + confirmed + job, math.ceil(ROWS / batch) + 2
            ok = total <= bound
            line(f"batch {batch:>5}: preview {previewed}, confirm {confirmed}, job {job} = {total} calls "
                 f"(bound {bound}) in {seconds:.1f} s  {verdict(ok)}")  # fmt: skip
            record("import calls", f"{ROWS:,} rows in batches of {batch}: E-goi calls", str(total),
                   f"ceil({ROWS}/{batch}) + 2 = {bound}", f"{total / bound:.2f}x", "<= bound", verdict(ok))  # fmt: skip


if __name__ == "__main__":
    run()

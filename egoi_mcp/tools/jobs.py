"""Jobs toolset: work longer than a call (imports, exports, advanced reports) as jobs that last and belong to
the account that started them (`egoi_mcp.jobs`)."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context
from pydantic import AfterValidator, Field

from egoi_mcp.client._bulk import ReportKind
from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.jobs.rows import ParsedRows, parse_rows
from egoi_mcp.jobs.view import JobView, job_uri
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.seal import canonical
from egoi_mcp.tools._base import RequiredListId, SegmentId, Toolset, tool
from egoi_mcp.tools._confirm import Plan
from egoi_mcp.untrusted import quote

_SHOWN_ERRORS = 5  # row errors a preview names (the job keeps them all)
_SHOWN_JOB_ERRORS = 50  # row errors egoi_get_job shows; its resource has the rest
_MAX_WAIT = 60
JobId = Annotated[str, Field(description="from the tool that started it")]


def _names(mapping: dict[str, Any] | None) -> dict[str, Any] | None:
    if mapping is not None and not all(isinstance(value, str) for value in mapping.values()):
        raise ValueError('each value must be a field name, or "" to leave the column out')
    return mapping


def _staged(arguments: dict[str, Any]) -> str:
    """The name a preview gives its input, so that the confirm need not send the whole file again."""
    return hashlib.sha256(repr(sorted(canonical(arguments).items())).encode()).hexdigest()[:24]


async def _import_summary(
    rt: Runtime, list_id: int, csv: str | None, rows: list[dict[str, Any]] | None, mapping: dict[str, Any] | None,
    staged: str | None,
) -> Plan:  # fmt: skip
    if staged is not None:
        raise InvalidArgumentError("staged comes from a preview's call_again_with: pass it with confirm and its token")
    fields = await rt.client.fields.list(list_id)
    parsed = parse_rows(list_id, fields, csv_text=csv, rows=rows, mapping=mapping)
    if not parsed.contacts:
        raise InvalidArgumentError(f"none of the {parsed.total} rows can be imported: {_reasons(parsed)}")
    if len(parsed.contacts) == 1:
        raise InvalidArgumentError("one contact is no import (E-goi imports 2 or more): use egoi_create_contact")
    known = await rt.client.bulk.emails(list_id)
    there = set(known)
    existing = sum(contact["base"]["email"].casefold() in there for contact in parsed.contacts)
    batches = _batches(parsed.contacts, rt.settings.import_batch_size)
    columns = ", ".join(f"{quote(column)} → {quote(target)}" for column, target in parsed.mapped.items())
    old = f"{existing} already in the list, updated" if known.complete else f"at least {existing} already there"
    summary = (
        f"import {len(parsed.contacts)} of {parsed.total} rows into list {list_id} as a job "
        f"({len(parsed.contacts) - existing} new, {old}); columns: {columns}"
    )
    if parsed.invalid:
        summary += f"; {parsed.invalid} row(s) skipped: {_reasons(parsed)}"
    arguments = {"list_id": list_id, "csv": csv, "rows": rows, "mapping": mapping}
    facts = {"list_id": list_id, "batches": batches, "errors": parsed.errors, "invalid": parsed.invalid}
    return Plan(summary, facts, arguments={"list_id": list_id, "staged": _staged(arguments)})


def _batches(contacts: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    """`contacts` in as few batches of at most `size` as can be, of even sizes (E-goi takes no batch of one)."""
    count = -(-len(contacts) // size)
    return [contacts[i * len(contacts) // count : (i + 1) * len(contacts) // count] for i in range(count)]


def _reasons(parsed: ParsedRows) -> str:
    shown = "; ".join(f"row {e['row']}: {e['reason']}" for e in parsed.errors[:_SHOWN_ERRORS])
    more = parsed.invalid - min(len(parsed.errors), _SHOWN_ERRORS)
    return shown + (f" (and {more} more, listed by egoi_get_job)" if more > 0 else "")


@tool("Import contacts", confirm=_import_summary)
async def egoi_import_contacts(
    list_id: RequiredListId,
    ctx: Context,
    plan: Plan,
    csv: str | None = None,
    rows: list[dict[str, Any]] | None = None,
    mapping: Annotated[dict[str, Any] | None, AfterValidator(_names), Field(description="column -> field name")] = None,
    staged: str | None = None,  # only in a preview's call_again_with
) -> str:
    """Import contacts (csv with a header row, or rows) as a job, columns by field name, known e-mails updated.
    Previews first."""
    rt = runtime(ctx)
    facts = plan.facts
    batches: list[list[dict[str, Any]]] = facts["batches"]
    total = sum(len(batch) for batch in batches)
    job = await rt.jobs.create(
        "import", f"import {total} contacts into list {list_id}", {"list_id": list_id, "batches": len(batches)},
        total=total, errors=facts["errors"], invalid=facts["invalid"], batches=batches,
    )  # fmt: skip
    return f"started job {job.id} (queued, 0/{total} rows): follow it with egoi_get_job or {job_uri(job.id)}"


@tool("Get job", read_only=True, idempotent=True, open_world=False)
async def egoi_get_job(
    job_id: JobId,
    ctx: Context,
    wait: Annotated[int, Field(description="seconds to wait for it to finish, with progress (max 60)")] = 0,
) -> JobView:
    """A job's status, progress, row errors (first 50; all in its resource) and result pages."""
    rt = runtime(ctx)
    job = await rt.jobs.get(job_id)
    with anyio.move_on_after(max(0, min(wait, _MAX_WAIT))):
        while not job.finished:
            await ctx.report_progress(job.done, job.total or None, f"{job.status}: {job.done}/{job.total}")
            await anyio.sleep(0.2)
            job = await rt.jobs.get(job_id)
    if job.finished and wait:
        await ctx.report_progress(job.done, job.total or None, f"{job.status}: {job.done}/{job.total}")
    return JobView.of(job, errors=_SHOWN_JOB_ERRORS)


@tool("Cancel job", idempotent=True, open_world=False)
async def egoi_cancel_job(job_id: JobId, ctx: Context) -> JobView:
    """Stop a job: an import posts no more batches (those sent stay imported)."""
    rt = runtime(ctx)
    await rt.jobs.get(job_id)
    job = await rt.jobs.finish(job_id, "cancelled")
    if job is None:
        job = await rt.jobs.get(job_id)
    await rt.jobs.announce(job)
    return JobView.of(job)


def _needs_public_url(rt: Runtime) -> None:
    if rt.receiver_url() is None:
        raise InvalidArgumentError(
            "E-goi delivers the file by calling this server back: set EGOI_MCP_PUBLIC_URL (e.g. https://mcp.example.com)"
        )


@tool("Export contacts")
async def egoi_export_contacts(
    list_id: RequiredListId,
    ctx: Context,
    segment_id: SegmentId | None = None,
    fields: Annotated[list[str] | None, Field(description="field ids (egoi_list_fields)")] = None,
) -> JobView:
    """Export a list's contacts (or a segment's) to a CSV file, as a job."""
    rt = runtime(ctx)
    _needs_public_url(rt)
    what = f"export the contacts of list {list_id}" + (f", segment {quote(segment_id)}" if segment_id else "")
    params = {"list_id": list_id, "segments": [segment_id] if segment_id else None, "fields": fields}
    return JobView.of(await rt.jobs.create("export", what, params))


@tool("Request report")
async def egoi_request_report(
    kind: ReportKind,
    list_id: RequiredListId,
    start: date,
    end: date,
    ctx: Context,
) -> JobView:
    """Have E-goi build an advanced report of a list over days start to end (YYYY-MM-DD), as a job (a CSV)."""
    rt = runtime(ctx)
    _needs_public_url(rt)
    if start > end:
        raise InvalidArgumentError(f"start ({start}) is after end ({end})")
    params = {"list_id": list_id, "report": kind, "start": start.isoformat(), "end": end.isoformat()}
    return JobView.of(await rt.jobs.create("report", f"{kind} report of list {list_id}, {start} to {end}", params))


TOOLSET = Toolset(
    "jobs",
    (egoi_import_contacts, egoi_get_job, egoi_cancel_job, egoi_export_contacts, egoi_request_report),
    about="Imports, exports and reports run as jobs: egoi_get_job follows one; its file is read page by page "
    "from the resource it names.",
)

"""What the model reads on every turn: `tools/list` plus the server instructions, in real o200k tokens
(`bench/tokens.py`), in every registration mode, and what whole marketer jobs cost with it.

Modes are real `egoi-mcp --sandbox ...` stdio processes listed by the SDK's `Client` (2025-11-25 era): the
default (a core set listed, the rest found with `egoi_find_tools`), `--toolsets all` (everything listed: for
clients that ignore `list_changed`), `--read-only`, and each toolset alone. Sizes are the compact JSON of each
tool as the client receives it. Goals (issue 22): each tool <= 250 tokens in every mode; the default list plus
instructions <= 3,000 tokens. The baseline is the trivial SDK tool (`ping() -> str`).

A job is the tool calls a marketer's question takes, run on the sandbox in the default mode. Its tokens are what
a client sends the model over the job: one turn per call plus the answer, each carrying the fixed list and
instructions, plus every result once. The same job with everything listed is the comparison.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.server import MCPServer

from bench import clean_env, egoi_stdio, header, line, quiet, record, toolsets, verdict
from bench.tokens import json_tokens, tokens

GOAL_TOKENS = 250
GOAL_DEFAULT = 3_000

_Wire = list[dict[str, Any]]


async def _listing(target: Any) -> tuple[_Wire, str]:
    async with Client(target, mode="legacy") as client:
        tools = (await client.list_tools()).tools
        instructions = client.initialize_result.instructions if hasattr(client, "initialize_result") else None
        instructions = instructions or getattr(client.session, "instructions", None) or ""
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools], instructions


def _modes() -> list[tuple[str, list[str]]]:
    modes = [("default (discovery)", []), ("--toolsets all", ["--toolsets", "all"]), ("--read-only", ["--read-only"])]
    modes += [(f"--toolsets {name}", ["--toolsets", name]) for name in toolsets()]
    return modes


async def _job_results(target: Any) -> dict[str, list[int]]:
    """Each job's calls on a fresh sandbox: the tokens of each result."""
    jobs: dict[str, list[int]] = {}
    async with Client(target, mode="legacy") as client:

        async def run(job: str, tool: str, **arguments: Any) -> dict[str, Any]:
            result = await client.call_tool(tool, arguments)
            jobs.setdefault(job, []).append(tokens(result.content[0].text if result.content else ""))
            return result.structured_content or {}

        await run("who is tagged vip", "egoi_list_contacts", list_id=1, tag="vip")
        campaigns = await run("how did campaign X do", "egoi_list_campaigns", list_id=1)
        await run("how did campaign X do", "egoi_get_campaign_report", campaign_id=campaigns["items"][0]["id"])
        found = await run(
            "find a contact and tag it", "egoi_search_contacts", query="ana.silva@example.com", list_id=1, limit=1
        )
        one = [found["items"][0]["id"]]
        await run("find a contact and tag it", "egoi_attach_tag", list_id=1, contact_ids=one, tag="vip")
        draft = next(c["id"] for c in campaigns["items"] if c.get("status") == "draft")
        preview = await run(
            "send a draft to a segment", "egoi_send_email_to_segment", campaign_id=draft, segment_id="auto_1"
        )
        await run("send a draft to a segment", "egoi_send_email_to_segment", **preview["call_again_with"])
        await run("write a newsletter (tools found first)", "egoi_find_tools", toolset="campaigns")
        await run(
            "write a newsletter (tools found first)", "egoi_call_tool", name="egoi_create_email_campaign",
            arguments={"list_id": 1, "subject": "June", "sender": "news@acme.example", "html": "<p>Hi</p>"},
        )  # fmt: skip
    return jobs


async def _measure(directory: Path) -> tuple[dict[str, tuple[_Wire, str]], _Wire, dict[str, list[int]]]:
    env = clean_env(EGOI_MCP_DB=str(directory / "events.db"), EGOI_WEBHOOK_SECRET="bench-secret-0001")
    found = {label: await _listing(egoi_stdio(env, *flags)) for label, flags in _modes()}
    jobs_env = clean_env(EGOI_MCP_DB=str(directory / "jobs.db"), EGOI_WEBHOOK_SECRET="bench-secret-0001")
    jobs = await _job_results(egoi_stdio(jobs_env))

    baseline = MCPServer("baseline")

    @baseline.tool()
    async def ping() -> str:
        """Return pong."""
        return "pong"

    return found, (await _listing(baseline))[0], jobs


def _modes_report(found: dict[str, tuple[_Wire, str]], base: int) -> dict[str, int]:
    fixed: dict[str, int] = {}
    over: dict[str, int] = {}
    for label, (tools, instructions) in found.items():
        listed, said = json_tokens({"tools": tools}), tokens(instructions)
        fixed[label] = listed + said
        worst = max(tools, key=json_tokens)
        over |= {t["name"]: json_tokens(t) for t in tools if json_tokens(t) > GOAL_TOKENS}
        default = label.startswith("default")
        ok = fixed[label] <= GOAL_DEFAULT
        line(
            f"{label:<22}: {len(tools):2d} tools listed, tools/list {listed:5d} + instructions {said:3d} = "
            f"{fixed[label]:5d} tokens; largest {worst['name']} {json_tokens(worst)}"
            + (f"; goal <= {GOAL_DEFAULT}: {verdict(ok)}" if default else "")
        )
        record(
            "tools/list tokens (o200k)", f"{label}: {len(tools)} tools + instructions, every turn",
            f"{fixed[label]} tok", f"{base} tok (one trivial tool)", f"{fixed[label] / base:.0f}x",
            f"<= {GOAL_DEFAULT}" if default else "", verdict(ok) if default else "info",
        )  # fmt: skip
    named = ", ".join(f"{name} {n}" for name, n in sorted(over.items(), key=lambda kv: -kv[1])) or "none"
    line(f"tools over {GOAL_TOKENS} tokens in any mode: {named}")
    record(
        "tools/list tokens (o200k)", f"tools over {GOAL_TOKENS} tokens, any mode", named, "", "",
        f"none over {GOAL_TOKENS}", verdict(not over),
    )  # fmt: skip
    return fixed


def _jobs_report(jobs: dict[str, list[int]], fixed: dict[str, int]) -> None:
    lean, full = fixed["default (discovery)"], fixed["--toolsets all"]
    for job, results in jobs.items():
        turns = len(results) + 1
        ours, everything = turns * lean + sum(results), turns * full + sum(results)
        line(
            f"job {job!r}: {len(results)} call(s), results {sum(results)} tokens; over the job {ours} tokens "
            f"(everything listed: {everything}, {ours / everything:.2f}x)"
        )
        record(
            "tokens per job", job, f"{ours} tok", f"{everything} tok (all listed)", f"{ours / everything:.2f}x",
            "", "info",
        )  # fmt: skip


def run() -> None:
    quiet()
    header("tools/list + instructions in o200k tokens, every mode; tokens per marketer job")
    with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
        found, baseline, jobs = anyio.run(_measure, Path(tmp))
    base = json_tokens(baseline[0])
    line(f"baseline: one trivial SDK tool `ping() -> str` = {base} tokens")
    fixed = _modes_report(found, base)
    _jobs_report(jobs, fixed)
    every = {t["name"]: t for t in found["--toolsets all"][0]}
    for name, tool in sorted(every.items(), key=lambda kv: -json_tokens(kv[1]))[:5]:
        line(f"  largest: {name} {json_tokens(tool)} tokens")


def peer(path: str) -> None:
    """Tokens of another server's tool list from its snapshot files (one JSON tool per file), e.g. a clone of
    github/github-mcp-server: `python -m bench.tools_list pkg/github/__toolsnaps__`."""
    files = sorted(Path(path).glob("*.snap")) or sorted(Path(path).glob("*.json"))
    total = sum(json_tokens(json.loads(f.read_text())) for f in files)
    print(f"{len(files)} tools, {total} tokens (o200k, compact JSON)")


if __name__ == "__main__":
    import sys

    peer(sys.argv[1]) if sys.argv[1:] else run()

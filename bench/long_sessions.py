"""Long sessions: what artifacts, the context budget and the tool catalogue save, and what they cost.

``python -m bench.long_sessions`` prints three tables (``--quick`` skips the 30-request session):

1. tokens sent over the 30-request Gem-Flux session of ``tests/integration/test_long_session.py``
   (over 5 MB of tool results, the server computing with COBRApy over stdio, the model scripted),
   with the library's defaults against a plain loop that sends every result whole on every request;
2. the ``tools`` payload for 1,000 tools from 20 servers, with and without the catalogue;
3. the time budgeting and compaction add to a request with a 200-message history.

Tokens are the library's offline estimate (about three characters a token) and, for comparison,
characters / 4. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from argo_mcp_client import ArgoMCPClient  # noqa: E402
from argo_mcp_client._models.profiles import ARGO_TOOLS_PAYLOAD_LIMIT  # noqa: E402
from argo_mcp_client._run.budget import ContextBudget  # noqa: E402
from argo_mcp_client._run.catalogue import ToolCatalogue, payload_size, search_tool_spec  # noqa: E402
from argo_mcp_client._run.planner import RequestPlanner, reader_tool_spec  # noqa: E402
from argo_mcp_client.testing import ScriptedModel  # noqa: E402
from support.gem_flux_long import PROMPT, LongSession, heavy_server  # noqa: E402
from support.toolsets import gem_flux_tools, many_servers, registry  # noqa: E402

GPT4O = ContextBudget.for_window(128_000, 16_384)


def table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


async def session(plain: bool) -> dict[str, Any]:
    """Run the session once; what its requests sent."""
    script = LongSession(plain=plain)
    model = ScriptedModel(script)
    options: dict[str, Any] = {"artifact_threshold": 100_000}
    if plain:
        options = {
            "artifacts": False,
            "context_budget": False,
            "tool_catalogue": False,
            "max_tool_output": 10**9,
        }
    started = time.perf_counter()
    async with ArgoMCPClient(
        servers=[heavy_server()],
        openai_client=model.openai_client(),
        model="gpt4o",
        max_turns=40,
        streaming=False,
        **options,
    ) as client:
        result = await client.run(PROMPT)
    estimated = [GPT4O.messages_tokens(r.messages) + GPT4O.tools_tokens(r.tools) for r in model.requests]
    quarter = [len(json.dumps(r.messages)) // 4 + len(json.dumps(r.tools)) // 4 for r in model.requests]
    return {
        "requests": len(model.requests),
        "results": sum(c.artifact.size if c.artifact else len(c.output) for c in result.tool_calls),
        "total": sum(estimated),
        "largest": max(estimated),
        "total4": sum(quarter),
        "largest4": max(quarter),
        "tools": max(payload_size(r.tools) for r in model.requests),
        "over": sum(1 for tokens in estimated if tokens > GPT4O.limit),
        "seconds": time.perf_counter() - started,
    }


def tokens_table() -> str:
    budgeted, plain = asyncio.run(session(False)), asyncio.run(session(True))
    rows = [("30-request Gem-Flux session", "argo-mcp-client (defaults)", "plain loop (sends everything)")]
    rows.append(("requests", str(budgeted["requests"]), str(plain["requests"])))
    rows.append(("tool results, MB", f"{budgeted['results'] / 1e6:.1f}", f"{plain['results'] / 1e6:.1f}"))
    for key, label in [
        ("total", "tokens sent, whole session (estimate)"),
        ("total4", "tokens sent, whole session (chars / 4)"),
        ("largest", "largest request, tokens (estimate)"),
        ("largest4", "largest request, tokens (chars / 4)"),
    ]:
        rows.append((label, f"{budgeted[key]:,}", f"{plain[key]:,}"))
    rows.append(
        (f"requests over gpt-4o's {GPT4O.limit:,}-token budget", str(budgeted["over"]), str(plain["over"]))
    )
    rows.append(("largest tools payload, bytes", f"{budgeted['tools']:,}", f"{plain['tools']:,}"))
    rows.append(("wall time, s", f"{budgeted['seconds']:.0f}", f"{plain['seconds']:.0f}"))
    ratio = plain["total"] / budgeted["total"]
    return table(rows) + f"\n\nthe plain loop sends {ratio:.0f}x the tokens"


def within(tools: list[dict[str, Any]]) -> str:
    size = payload_size(tools)
    return (
        "yes" if size <= ARGO_TOOLS_PAYLOAD_LIMIT else f"no ({size - ARGO_TOOLS_PAYLOAD_LIMIT:,} bytes over)"
    )


def tools_table() -> str:
    tools = list(registry(many_servers(20, 50)))
    catalogue = ToolCatalogue()
    everything = [tool.openai_tool() for tool in tools]
    started = time.perf_counter()
    selection = catalogue.select(
        tools, context="run flux balance analysis on the model", payload_limit=ARGO_TOOLS_PAYLOAD_LIMIT
    )
    first = time.perf_counter() - started
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        catalogue.select(tools, context="plot the growth curve", payload_limit=ARGO_TOOLS_PAYLOAD_LIMIT)
        timings.append(time.perf_counter() - started)
    sent = [*selection.tools, *([search_tool_spec()] if selection.searchable else [])]
    gem = list(registry({"gemflux": gem_flux_tools()}))
    # As a run offers them once a result is kept as an artifact: with read_artifact too.
    reader = [reader_tool_spec()]
    gem_selection = catalogue.select(gem, context="", payload_limit=ARGO_TOOLS_PAYLOAD_LIMIT, extra=reader)
    gem_sent = [*gem_selection.tools, *([search_tool_spec()] if gem_selection.searchable else []), *reader]
    rows = [
        ("tools payload", "tools sent", "KB", "within Argo's 40 KB"),
        (
            "1,000 tools from 20 servers, all sent",
            f"{len(everything):,}",
            f"{payload_size(everything) / 1000:.0f}",
            within(everything),
        ),
        (
            "1,000 tools from 20 servers, catalogue",
            f"{len(selection.tools)} + search_tools",
            f"{payload_size(sent) / 1000:.1f}",
            within(sent),
        ),
        (
            "Gem-Flux's 11 tools (descriptions of their real length), all sent",
            "11",
            f"{payload_size([t.openai_tool() for t in gem]) / 1000:.1f}",
            within([t.openai_tool() for t in gem]),
        ),
        (
            "Gem-Flux's 11 tools and read_artifact, catalogue (" + gem_selection.mode + ")",
            " + ".join([str(len(gem_selection.tools)), *(t["function"]["name"] for t in gem_sent[11:])]),
            f"{payload_size(gem_sent) / 1000:.1f}",
            within(gem_sent),
        ),
    ]
    return table(rows) + (
        f"\n\nchoosing among 1,000 tools: {first * 1000:.0f} ms the first time (index built), "
        f"then {statistics.median(timings) * 1000:.2f} ms a request"
    )


def history(messages: int, result_chars: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a metabolic modelling assistant."},
        {"role": "user", "content": PROMPT},
    ]
    number = 0
    while len(out) < messages:
        call_id = f"call_{number}"
        arguments = json.dumps({"model_id": "ecoli.draft.gf", "media_id": "glucose_minimal_aerobic"})
        function = {"name": "run_fba", "arguments": arguments}
        tool_calls = [{"id": call_id, "type": "function", "function": function}]
        out.append({"role": "assistant", "content": None, "tool_calls": tool_calls})
        out.append(
            {"role": "tool", "tool_call_id": call_id, "content": f"result {number} " + "x" * result_chars}
        )
        number += 1
    return out[:messages] if out[messages - 1]["role"] == "tool" else out[: messages - 1]


def per_request(planner: RequestPlanner, messages: list[dict[str, Any]], tools: Any, rounds: int) -> float:
    async def measure() -> float:
        await planner.prepare(messages, tools)
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            await planner.prepare(messages, tools)
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)

    return asyncio.run(measure())


def overhead_table(rounds: int) -> str:
    tools = registry({"gemflux": gem_flux_tools()})
    rows = [("200-message history", "what is done", "median per request")]
    cases = [
        ("fits (2 KB results)", history(200, 2_000)),
        ("over the budget (5 KB results)", history(200, 5_000)),
    ]
    for label, messages in cases:
        sent = GPT4O.messages_tokens(messages)
        budgeted = RequestPlanner(budget=GPT4O)
        plain = RequestPlanner()
        added = per_request(budgeted, messages, tools, rounds) - per_request(plain, messages, tools, rounds)
        prepared = asyncio.run(budgeted.prepare(messages, tools))
        done = (
            f"count {sent:,} tokens"
            if prepared.compaction is None
            else f"count {sent:,} tokens, compact to {prepared.tokens:,}"
        )
        rows.append((label, done, f"{added * 1e6:.0f} µs"))
    return table(rows) + "\n\n(the time of RequestPlanner.prepare with a budget, less its time without one)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.long_sessions", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 30-request session (about 90 s)")
    args = parser.parse_args(argv)
    if not args.quick:
        print(tokens_table(), end="\n\n")
    print(tools_table(), end="\n\n")
    print(overhead_table(rounds=50 if args.quick else 300))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

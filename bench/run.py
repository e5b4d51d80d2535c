"""Run every workload against argo-mcp-client and the raw loop, in one run, and print one table.

``python -m bench`` (or ``python bench/run.py``); ``--quick`` for tiny iteration counts.
Each workload checks that the work was done: every answer must quote the ``echo`` tool's
result, and the stub's own request and tool-result counts must match, else the run fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as ``python bench/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mcp
import mcp.types as mcp_types

from argo_mcp_client import ArgoMCPClient, StdioServer
from argo_mcp_client._registry import ToolRegistry
from bench.raw_loop import RawLoop

ROOT = Path(__file__).resolve().parent.parent
ECHO_SERVER = str(Path(__file__).with_name("echo_server.py"))
MODEL = "bench-model"
NAME_PATTERN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$")


class BenchFailure(Exception):
    """A workload did not do its work; its figures mean nothing."""


@dataclass(frozen=True)
class Sizes:
    sequential: int
    parallel: int
    concurrent_rounds: int
    streamed: int
    children: int
    child_conversations: int
    tool_builds: int
    warmup: int


FULL = Sizes(
    sequential=200,
    parallel=30,
    concurrent_rounds=6,
    streamed=50,
    children=5,
    child_conversations=100,
    tool_builds=10,
    warmup=5,
)
QUICK = Sizes(
    sequential=3,
    parallel=2,
    concurrent_rounds=1,
    streamed=2,
    children=1,
    child_conversations=3,
    tool_builds=1,
    warmup=1,
)
CONCURRENCY = 50
PARALLEL_CALLS = 4
TOOL_DELAY = 0.05  # seconds each call of workload (b) sleeps in the tool
STREAM_CHUNKS = 200
TOOL_COUNT = 1000


@dataclass(frozen=True)
class Row:
    workload: str
    argo: str
    raw: str
    target: str
    met: bool | None  # None: no target


# -- the stub ---------------------------------------------------------------------------------


@contextmanager
def stub_server() -> Iterator[str]:
    """Start the stub in its own process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.stub"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


def stub_stats(base_url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base_url}/stats", timeout=10) as response:
        stats: dict[str, int] = json.loads(response.read())
        return stats


@contextmanager
def expect_stub(base_url: str, *, requests: int, tool_results: int, what: str) -> Iterator[None]:
    """Fail unless the block made exactly this many model requests and sent back this many tool results."""
    before = stub_stats(base_url)
    yield
    after = stub_stats(base_url)
    seen = {k: after[k] - before[k] for k in after}
    if seen != {"requests": requests, "tool_results": tool_results}:
        raise BenchFailure(
            f"{what}: the stub saw {seen}, expected requests={requests}, tool_results={tool_results}"
        )


# -- the two implementations ------------------------------------------------------------------

Runner = Callable[[str], Awaitable[str]]


def prompt(nonce: str, *, calls: int = 1, chunks: int = 1, delay: float = 0.0) -> str:
    return f"bench calls={calls} chunks={chunks} delay={delay} nonce={nonce}"


def expected_answer(nonce: str, calls: int) -> str:
    return "done " + "|".join(f"echo:{nonce}-{i}" for i in range(calls))


def check(output: str, nonce: str, calls: int) -> None:
    if calls == 0:
        ok = output.startswith(f"answer {nonce} ") and len(output) >= 4 * STREAM_CHUNKS
    else:
        ok = output == expected_answer(nonce, calls)
    if not ok:
        raise BenchFailure(f"conversation {nonce}: unexpected answer {output[:200]!r}")


def argo_runner(client: ArgoMCPClient) -> Runner:
    async def run(text: str) -> str:
        result = await client.run(text)
        if any(call.is_error for call in result.tool_calls):
            raise BenchFailure(f"a tool call failed: {result.tool_calls}")
        return result.output

    return run


def raw_runner(loop: RawLoop) -> Runner:
    async def run(text: str) -> str:
        output, _ = await loop.run(text)
        return output

    return run


async def timed(run: Runner, nonce: str, *, calls: int = 1, chunks: int = 1, delay: float = 0.0) -> float:
    start = time.perf_counter()
    output = await run(prompt(nonce, calls=calls, chunks=chunks, delay=delay))
    elapsed = time.perf_counter() - start
    check(output, nonce, calls)
    return elapsed


async def alternate(
    runners: dict[str, Runner], n: int, warmup: int, tag: str, **script: Any
) -> dict[str, list[float]]:
    """``n`` conversations on each runner, alternating, after ``warmup`` untimed ones each."""
    times: dict[str, list[float]] = {name: [] for name in runners}
    for i in range(warmup + n):
        for name, run in runners.items():
            elapsed = await timed(run, f"{tag}{name}{i}", **script)
            if i >= warmup:
                times[name].append(elapsed)
    return times


# -- helpers ----------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def ratio_row(workload: str, argo: float, raw: float, limit: float, unit: Callable[[float], str]) -> Row:
    ratio = argo / raw
    return Row(workload, unit(argo), unit(raw), f"≤ {limit:.2f}× raw (is {ratio:.2f}×)", ratio <= limit)


# -- workloads in this process ----------------------------------------------------------------


async def in_process(base_url: str, sizes: Sizes) -> list[Row]:
    server = StdioServer(name="bench", command=sys.executable, args=(ECHO_SERVER,))
    params = mcp.StdioServerParameters(command=sys.executable, args=[ECHO_SERVER])
    rows: list[Row] = []
    async with (
        ArgoMCPClient(servers=[server], base_url=base_url, model=MODEL, max_turns=4) as client,
        RawLoop(base_url=base_url, model=MODEL, server=params, stream=True) as loop,
    ):
        runners = {"argo": argo_runner(client), "raw": raw_runner(loop)}

        # (a) one conversation, repeated sequentially
        n = (sizes.warmup + sizes.sequential) * 2
        with expect_stub(base_url, requests=2 * n, tool_results=n, what="(a)"):
            seq = await alternate(runners, sizes.sequential, sizes.warmup, "a")
        a_argo, a_raw = statistics.median(seq["argo"]), statistics.median(seq["raw"])
        rows.append(ratio_row("(a) sequential conversation, median", a_argo, a_raw, 1.10, ms))
        rows.append(
            Row("(a) sequential conversation, p95", ms(p95(seq["argo"])), ms(p95(seq["raw"])), "", None)
        )

        # (b) 4 parallel calls in one turn against 1 call, each call sleeping TOOL_DELAY in the tool
        n = (sizes.warmup + sizes.parallel) * 2
        with expect_stub(base_url, requests=2 * n * 2, tool_results=n * (1 + PARALLEL_CALLS), what="(b)"):
            one = await alternate(runners, sizes.parallel, sizes.warmup, "b1", delay=TOOL_DELAY)
            four = await alternate(
                runners, sizes.parallel, sizes.warmup, "b4", calls=PARALLEL_CALLS, delay=TOOL_DELAY
            )
        b = {name: statistics.median(four[name]) / statistics.median(one[name]) for name in runners}
        rows.append(
            Row(
                f"(b) {PARALLEL_CALLS} parallel calls / 1 call",
                f"{b['argo']:.2f}× ({ms(statistics.median(four['argo']))} / "
                f"{ms(statistics.median(one['argo']))})",
                f"{b['raw']:.2f}× ({ms(statistics.median(four['raw']))} / "
                f"{ms(statistics.median(one['raw']))})",
                "≤ 1.30×",
                b["argo"] <= 1.30,
            )
        )

        # (c) CONCURRENCY concurrent conversations
        elapsed = dict.fromkeys(runners, 0.0)
        n = (1 + sizes.concurrent_rounds) * CONCURRENCY * 2
        with expect_stub(base_url, requests=2 * n, tool_results=n, what="(c)"):
            for round_ in range(1 + sizes.concurrent_rounds):  # the first round warms up
                for name, run in runners.items():
                    nonces = [f"c{name}{round_}x{i}" for i in range(CONCURRENCY)]
                    start = time.perf_counter()
                    outputs = await asyncio.gather(*(run(prompt(nonce)) for nonce in nonces))
                    if round_:
                        elapsed[name] += time.perf_counter() - start
                    for nonce, output in zip(nonces, outputs, strict=True):
                        check(output, nonce, 1)
        rate = {name: CONCURRENCY * sizes.concurrent_rounds / elapsed[name] for name in runners}
        ratio = rate["argo"] / rate["raw"]
        rows.append(
            Row(
                f"(c) {CONCURRENCY} concurrent conversations",
                f"{rate['argo']:.1f} conv/s",
                f"{rate['raw']:.1f} conv/s",
                f"≥ 0.90× raw (is {ratio:.2f}×)",
                ratio >= 0.90,
            )
        )

        # (d) one streamed answer of STREAM_CHUNKS chunks (one model request, no tool call)
        n = (sizes.warmup + sizes.streamed) * 2
        with expect_stub(base_url, requests=n, tool_results=0, what="(d)"):
            streamed = await alternate(
                runners, sizes.streamed, sizes.warmup, "d", calls=0, chunks=STREAM_CHUNKS
            )
        d_argo, d_raw = statistics.median(streamed["argo"]), statistics.median(streamed["raw"])
        rows.append(
            Row(f"(d) streamed turn, {STREAM_CHUNKS} chunks, median", ms(d_argo), ms(d_raw), "", None)
        )
    return rows


# -- workloads in fresh processes -------------------------------------------------------------


def children(base_url: str, sizes: Sizes) -> list[Row]:
    results: dict[str, list[dict[str, float]]] = {"argo": [], "raw": []}
    n = sizes.children * 2 * sizes.child_conversations
    with expect_stub(base_url, requests=2 * n, tool_results=n, what="(e)/(g)"):
        for _ in range(sizes.children):
            for impl in results:
                done = subprocess.run(
                    [sys.executable, "-m", "bench.child", impl, base_url, str(sizes.child_conversations)],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=300,
                    check=False,
                    env=os.environ | {"PYTHONDONTWRITEBYTECODE": ""},
                )
                if done.returncode != 0:
                    raise BenchFailure(f"bench.child {impl} failed:\n{done.stderr[-2000:]}")
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                if figures["ok"] != sizes.child_conversations:
                    raise BenchFailure(f"bench.child {impl}: {figures['ok']} conversations checked out")
                results[impl].append(figures)
    cold = {impl: statistics.median(r["cold_ms"] for r in runs) for impl, runs in results.items()}
    mem = {impl: statistics.median(r["maxrss_mb"] for r in runs) for impl, runs in results.items()}
    return [
        Row(
            "(e) cold start: import + connect + tools listed",
            f"{cold['argo']:.0f} ms",
            f"{cold['raw']:.0f} ms",
            f"≤ raw + 150 ms (is +{cold['argo'] - cold['raw']:.0f} ms)",
            cold["argo"] <= cold["raw"] + 150,
        ),
        Row(
            f"(g) peak RSS, {sizes.child_conversations} conversations",
            f"{mem['argo']:.1f} MB",
            f"{mem['raw']:.1f} MB",
            f"≤ raw + 20 MB (is +{mem['argo'] - mem['raw']:.1f} MB)",
            mem["argo"] <= mem["raw"] + 20,
        ),
    ]


# -- (f) tool conversion ----------------------------------------------------------------------


def synthetic_tools(count: int) -> list[mcp_types.Tool]:
    """Tools with schemas like real servers': nested objects, enums, arrays, defaults, refs, long names.

    Every schema differs from the others (descriptions, enum values, bounds), so no cache keyed on
    a schema's content can make the conversion look faster than it is.
    """
    tools = []
    for i in range(count):
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {
                "model_id": {"type": "string", "description": f"The model tool {i} works on."},
                "media": {
                    "type": "string",
                    "enum": ["glucose", "acetate", f"medium{i}"],
                    "default": "glucose",
                },
                "limit": {"type": "integer", "minimum": 0, "maximum": 1000 + i},
                "reactions": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
                "options": {"$ref": "#/$defs/Options"},
                "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            },
            "required": ["model_id"],
            "$defs": {
                "Options": {
                    "type": "object",
                    "description": f"Options of tool {i}.",
                    "properties": {"tolerance": {"type": "number"}, "verbose": {"type": "boolean"}},
                }
            },
        }
        name = (
            f"tool_{i}"
            if i % 10
            else f"a.very.long.tool.name.from.some.server.that.goes.on.{i}.and.on.and.on"
        )
        tools.append(mcp_types.Tool(name=name, description=f"Tool number {i}.", input_schema=schema))
    return tools


def tool_conversion(sizes: Sizes) -> Row:
    tools = synthetic_tools(TOOL_COUNT)
    times = []
    for _ in range(sizes.tool_builds):
        start = time.perf_counter()
        registry = ToolRegistry.build({"bench": tools})
        times.append(time.perf_counter() - start)
        names = registry.names()
        if len(names) != TOOL_COUNT or not all(NAME_PATTERN.match(name) for name in names):
            raise BenchFailure("(f) the registry lost or misnamed tools")
        if len(registry.openai_tools()) != TOOL_COUNT:
            raise BenchFailure("(f) the registry lost tools")
    median = statistics.median(times)
    return Row(f"(f) {TOOL_COUNT:,} tools converted, median", ms(median), "n/a", "< 100 ms", median < 0.100)


# -- the table --------------------------------------------------------------------------------

ORDER = ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)"]


def table(rows: list[Row]) -> str:
    rows = sorted(rows, key=lambda row: ORDER.index(row.workload[:3]))
    header = ("workload", "argo-mcp-client", "raw loop", "target", "met")
    cells = [header] + [
        (
            row.workload,
            row.argo,
            row.raw,
            row.target or "—",
            {True: "met", False: "NOT MET", None: "—"}[row.met],
        )
        for row in rows
    ]
    widths = [max(len(cell[i]) for cell in cells) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) + " |" for cell in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny iteration counts (a smoke run)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()
    try:
        with stub_server() as base_url:
            rows = asyncio.run(in_process(base_url, sizes))
            rows += children(base_url, sizes)
        rows.append(tool_conversion(sizes))
    except BenchFailure as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    print(table(rows))
    print(
        f"\n{'quick' if args.quick else 'full'} run in {time.perf_counter() - started:.0f} s; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; every answer and the stub's counts checked"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Run every workload against argo-mcp-client, the raw loop and the peers, in one run; print one table.

``python -m bench`` (or ``python bench/run.py``); ``--quick`` for tiny iteration counts and no
peers (``--peers`` / ``--no-peers`` decide either way). Each workload checks that the work was
done: every answer must quote the ``echo`` tool's result, and the stub's own request and
tool-result counts must match, else the run fails. The peers (openai-agents, pydantic-ai) run
in their own venvs and processes (``bench/peers.py``); one whose venv cannot be made is left out,
and its column says why.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if __package__ in (None, ""):  # run as ``python bench/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mcp.types as mcp_types

from argo_mcp_client._mcp.registry import ToolRegistry
from bench import peers, strict
from bench.child import argo, raw
from bench.script import (
    CONCURRENCY,
    ECHO_SERVER,
    FULL,
    PARALLEL_CALLS,
    QUICK,
    STREAM_CHUNKS,
    BenchFailure,
    ChildFigures,
    Sizes,
    Timings,
    alternate,
    expect_stub,
    sizes_arg,
    workloads,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
SERVER = [sys.executable, ECHO_SERVER]  # every side runs the echo server with this .venv's python
NAME_PATTERN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$")
TOOL_COUNT = 1000
PEER_TIMEOUT = 1800  # seconds for one peer's workloads (a) to (d)


@dataclass(frozen=True)
class Row:
    workload: str
    cells: dict[str, str]  # implementation -> figure
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


# -- workloads (a) to (d) ---------------------------------------------------------------------


async def in_process(
    base_url: str, sizes: Sizes
) -> tuple[dict[str, Timings], dict[str, list[float]], list[float]]:
    """argo-mcp-client and the raw loop, alternating, in this process: (a) to (d), then (a) not
    streamed; then argo-mcp-client's (d) through ``stream()``, every event read."""
    async with (
        argo(base_url, SERVER) as (argo_run, argo_tools),
        raw(base_url, SERVER) as (raw_run, raw_tools),
    ):
        if argo_tools != ["echo"] or raw_tools != ["echo"]:
            raise BenchFailure(f"tools listed: {argo_tools}, {raw_tools}")
        timings = await workloads({"argo": argo_run, "raw": raw_run}, sizes, base_url)
    async with (
        argo(base_url, SERVER, stream=False) as (argo_run, _),
        raw(base_url, SERVER, stream=False) as (raw_run, _),
    ):
        n = (sizes.warmup + sizes.sequential) * 2
        with expect_stub(base_url, requests=2 * n, tool_results=n, what="(a) not streamed"):
            whole = await alternate({"argo": argo_run, "raw": raw_run}, sizes.sequential, sizes.warmup, "w")
    async with argo(base_url, SERVER, events=True) as (argo_run, _):
        n = sizes.warmup + sizes.streamed
        with expect_stub(base_url, requests=n, tool_results=0, what="(d) through stream()"):
            events = await alternate(
                {"argo": argo_run}, sizes.streamed, sizes.warmup, "s", calls=0, chunks=STREAM_CHUNKS
            )
    return timings, whole, events["argo"]


def peer_timings(peer: peers.Peer, python: Path, base_url: str, sizes: Sizes) -> Timings:
    """One peer's workloads (a) to (d), in its driver process (which checks the stub's counts too)."""
    command = [str(python), "-m", peer.module, "run", base_url, "--sizes", sizes_arg(sizes)]
    timings: Timings = peers.run_json([*command, "--server", *SERVER], what=peer.name, timeout=PEER_TIMEOUT)
    return timings


# -- workloads (e) and (g): fresh processes ---------------------------------------------------


def children(base_url: str, sizes: Sizes, commands: dict[str, list[str]]) -> dict[str, list[ChildFigures]]:
    """``sizes.children`` fresh processes per side, the sides taking turns."""
    results: dict[str, list[ChildFigures]] = {impl: [] for impl in commands}
    n = sizes.children * len(commands) * sizes.child_conversations
    with expect_stub(base_url, requests=2 * n, tool_results=n, what="(e)/(g)"):
        for _ in range(sizes.children):
            for impl, command in commands.items():
                args = ["child", base_url, "--conversations", str(sizes.child_conversations), "--server"]
                figures: ChildFigures = peers.run_json(
                    [*command, *args, *SERVER], what=f"{impl} (child)", timeout=300
                )
                if figures["ok"] != sizes.child_conversations:
                    raise BenchFailure(f"{impl} (child): {figures['ok']} conversations checked out")
                results[impl].append(figures)
    return results


# -- the rows ---------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def each(values: dict[str, float], unit: Callable[[float], str]) -> dict[str, str]:
    return {impl: unit(value) for impl, value in values.items()}


def figure_rows(
    timings: dict[str, Timings],
    whole: dict[str, list[float]],
    events: list[float],
    kids: dict[str, list[ChildFigures]],
    sizes: Sizes,
    missing: list[str],
) -> list[Row]:
    """The rows of (a) to (e) and (g); ``missing``: the peers asked for whose venv could not be made."""
    peer_names = [impl for impl in timings if impl not in ("argo", "raw")]
    med = statistics.median
    rows = []

    a = {impl: med(t["a"]) for impl, t in timings.items()}
    ratio = a["argo"] / a["raw"]
    met = ratio <= 1.10 and all(a["argo"] < a[peer] for peer in peer_names)
    target = f"≤ 1.10× raw (is {ratio:.2f}×)"
    if missing:  # the target cannot be checked against these
        target += f", < every peer run ({', '.join(missing)} not installed)"
    else:
        target += ", < every peer" if peer_names else "; no peer run"
    rows.append(Row("(a) sequential conversation, median", each(a, ms), target, met))
    a95 = {impl: p95(t["a"]) for impl, t in timings.items()}
    rows.append(Row("(a) sequential conversation, p95", each(a95, ms), "", None))
    w = {impl: med(times) for impl, times in whole.items()}
    rows.append(
        Row(
            "(a) the same, replies not streamed, median",
            each(w, ms),
            f"(none; is {w['argo'] / w['raw']:.2f}× raw)",
            None,
        )
    )

    b = {
        impl: f"{med(t['b4']) / med(t['b1']):.2f}× ({ms(med(t['b4']))} / {ms(med(t['b1']))})"
        for impl, t in timings.items()
    }
    b_argo = med(timings["argo"]["b4"]) / med(timings["argo"]["b1"])
    rows.append(Row(f"(b) {PARALLEL_CALLS} parallel calls / 1 call", b, "≤ 1.30×", b_argo <= 1.30))

    rate = {impl: CONCURRENCY * sizes.concurrent_rounds / t["c"] for impl, t in timings.items()}
    ratio = rate["argo"] / rate["raw"]
    rows.append(
        Row(
            f"(c) {CONCURRENCY} concurrent conversations",
            each(rate, lambda r: f"{r:.1f} conv/s"),
            f"≥ 0.90× raw (is {ratio:.2f}×)",
            ratio >= 0.90,
        )
    )

    d = {impl: med(t["d"]) for impl, t in timings.items()}
    rows.append(Row(f"(d) streamed turn, {STREAM_CHUNKS} chunks, median", each(d, ms), "", None))
    rows.append(Row("(d) the same through stream(), every event read", {"argo": ms(med(events))}, "", None))

    cold = {impl: med(r["cold_ms"] for r in runs) for impl, runs in kids.items()}
    mem = {impl: med(r["maxrss_mb"] for r in runs) for impl, runs in kids.items()}
    rows.append(
        Row(
            "(e) cold start: import + connect + tools listed",
            each(cold, lambda v: f"{v:.0f} ms"),
            f"≤ raw + 150 ms (is {cold['argo'] - cold['raw']:+.0f} ms)",
            cold["argo"] <= cold["raw"] + 150,
        )
    )
    rows.append(
        Row(
            f"(g) peak RSS, {sizes.child_conversations} conversations",
            each(mem, lambda v: f"{v:.1f} MB"),
            f"≤ raw + 20 MB (is {mem['argo'] - mem['raw']:+.1f} MB)",
            mem["argo"] <= mem["raw"] + 20,
        )
    )
    return rows


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


def tool_conversion(sizes: Sizes, impls: list[str]) -> Row:
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
    cells = dict.fromkeys(impls, "n/a") | {"argo": ms(median)}
    return Row(f"(f) {TOOL_COUNT:,} tools converted, median", cells, "< 100 ms", median < 0.100)


# -- the table --------------------------------------------------------------------------------

ORDER = ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)", "(h)"]


def table(rows: list[Row], columns: dict[str, str], missing: dict[str, str]) -> str:
    """``columns``: implementation -> header; ``missing``: peer -> why it has no figures."""
    rows = sorted(rows, key=lambda row: ORDER.index(row.workload[:3]))
    header = ("workload", *columns.values(), "target", "met")
    cells = [header]
    for i, row in enumerate(rows):
        figures = [
            row.cells.get(impl) or (f"not installed: {missing[impl]}" if i == 0 and impl in missing else "—")
            for impl in columns
        ]
        met = {True: "met", False: "NOT MET", None: "—"}[row.met]
        cells.append((row.workload, *figures, row.target or "—", met))
    widths = [max(len(cell[i]) for cell in cells) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) + " |" for cell in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny iteration counts (a smoke run), no peers")
    parser.add_argument(
        "--peers",
        action=argparse.BooleanOptionalAction,
        help="run the peers (installing them on first use); default: yes, except with --quick",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    with_peers = args.peers if args.peers is not None else not args.quick
    started = time.perf_counter()

    ready: dict[peers.Peer, Path] = {}
    missing: dict[str, str] = {}
    for peer in peers.PEERS if with_peers else ():
        python = peers.ensure(peer)
        if isinstance(python, Path):
            ready[peer] = python
        else:
            missing[peer.name] = python
    installed = time.perf_counter()

    commands = {impl: [sys.executable, "-m", "bench.child", impl] for impl in ("argo", "raw")}
    commands |= {peer.name: [str(python), "-m", peer.module] for peer, python in ready.items()}
    try:
        with stub_server() as base_url:
            timings, whole, events = asyncio.run(in_process(base_url, sizes))
            for peer, python in ready.items():
                timings[peer.name] = peer_timings(peer, python, base_url, sizes)
            kids = children(base_url, sizes, commands)
        rows = figure_rows(timings, whole, events, kids, sizes, list(missing))
        rows.append(tool_conversion(sizes, list(commands)))
        rows += [
            Row(workload, dict.fromkeys(commands, "n/a") | {"argo": figure}, "", None)
            for workload, figure in strict.rows()
        ]
    except BenchFailure as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1

    columns = {"argo": "argo-mcp-client", "raw": "raw loop"}
    columns |= {peer.name: f"{peer.name} {peer.version}" for peer in peers.PEERS if with_peers}
    print(table(rows, columns, missing))
    run = "quick" if args.quick else "full"
    if not with_peers:
        note = "peers not run: --peers runs them"
    else:
        note = f"peers' venvs ready in {installed - started:.0f} s"
    print(
        f"\n{run} run in {time.perf_counter() - started:.0f} s ({note}); Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs; every answer and the stub's counts checked"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

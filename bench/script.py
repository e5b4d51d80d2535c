"""What every side of the benchmark shares: the stub's script, the answer check, the workloads.

Standard library only. ``bench.run`` imports it in the project's .venv; the peer drivers
(``bench/peer_*.py``) import it in their own venvs, where argo-mcp-client is not installed.
Each side supplies one :data:`Connect` (connect to the stub and the echo server, list the
tools, yield a :data:`Runner`); the rest is here, so every side is driven and checked alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypedDict

MODEL = "bench-model"
ECHO_SERVER = str(Path(__file__).with_name("echo_server.py"))
CONCURRENCY = 50
PARALLEL_CALLS = 4
TOOL_DELAY = 0.05  # seconds each call of workload (b) sleeps in the tool
STREAM_CHUNKS = 200


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


class Timings(TypedDict):
    """One side's raw figures of workloads (a) to (d), in seconds."""

    a: list[float]  # one conversation each
    b1: list[float]  # one call, sleeping TOOL_DELAY
    b4: list[float]  # PARALLEL_CALLS calls in one turn, each sleeping TOOL_DELAY
    c: float  # all timed rounds of CONCURRENCY concurrent conversations
    d: list[float]  # one streamed answer of STREAM_CHUNKS chunks each


class ChildFigures(TypedDict):
    """What a fresh process reports: cold start, its peak RSS, conversations that checked out."""

    cold_ms: float
    maxrss_mb: float
    ok: int


Runner = Callable[[str], Awaitable[str]]
"""One conversation: the prompt in, the final answer out."""

Connect = Callable[[str, Sequence[str]], AbstractAsyncContextManager[tuple[Runner, list[str]]]]
"""``connect(base_url, server_command)``: connected, tools listed; yields the runner and the tool names."""


# -- the script and the check -----------------------------------------------------------------


def prompt(nonce: str, *, calls: int = 1, chunks: int = 1, delay: float = 0.0) -> str:
    """The last user message, which tells the stub what to answer (see ``bench/stub.py``)."""
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


# -- workloads (a) to (d) ---------------------------------------------------------------------


async def timed(run: Runner, nonce: str, *, calls: int = 1, chunks: int = 1, delay: float = 0.0) -> float:
    start = time.perf_counter()
    output = await run(prompt(nonce, calls=calls, chunks=chunks, delay=delay))
    elapsed = time.perf_counter() - start
    check(output, nonce, calls)
    return elapsed


async def alternate(
    runners: dict[str, Runner],
    n: int,
    warmup: int,
    tag: str,
    *,
    calls: int = 1,
    chunks: int = 1,
    delay: float = 0.0,
) -> dict[str, list[float]]:
    """``n`` conversations on each runner, alternating, after ``warmup`` untimed ones each."""
    times: dict[str, list[float]] = {name: [] for name in runners}
    for i in range(warmup + n):
        for name, run in runners.items():
            elapsed = await timed(run, f"{tag}{name}{i}", calls=calls, chunks=chunks, delay=delay)
            if i >= warmup:
                times[name].append(elapsed)
    return times


async def concurrent(runners: dict[str, Runner], rounds: int, tag: str) -> dict[str, float]:
    """Seconds per runner of ``rounds`` rounds of CONCURRENCY conversations at once (after one untimed)."""
    elapsed = dict.fromkeys(runners, 0.0)
    for round_ in range(1 + rounds):
        for name, run in runners.items():
            nonces = [f"{tag}{name}{round_}x{i}" for i in range(CONCURRENCY)]
            start = time.perf_counter()
            outputs = await asyncio.gather(*(run(prompt(nonce)) for nonce in nonces))
            if round_:
                elapsed[name] += time.perf_counter() - start
            for nonce, output in zip(nonces, outputs, strict=True):
                check(output, nonce, 1)
    return elapsed


async def workloads(runners: dict[str, Runner], sizes: Sizes, base_url: str) -> dict[str, Timings]:
    """Workloads (a) to (d) on every runner, each checked against the stub's counts."""
    k = len(runners)

    n = (sizes.warmup + sizes.sequential) * k
    with expect_stub(base_url, requests=2 * n, tool_results=n, what="(a)"):
        a = await alternate(runners, sizes.sequential, sizes.warmup, "a")

    n = (sizes.warmup + sizes.parallel) * k
    with expect_stub(base_url, requests=2 * n * 2, tool_results=n * (1 + PARALLEL_CALLS), what="(b)"):
        b1 = await alternate(runners, sizes.parallel, sizes.warmup, "b1", delay=TOOL_DELAY)
        b4 = await alternate(
            runners, sizes.parallel, sizes.warmup, "b4", calls=PARALLEL_CALLS, delay=TOOL_DELAY
        )

    n = (1 + sizes.concurrent_rounds) * CONCURRENCY * k
    with expect_stub(base_url, requests=2 * n, tool_results=n, what="(c)"):
        c = await concurrent(runners, sizes.concurrent_rounds, "c")

    n = (sizes.warmup + sizes.streamed) * k
    with expect_stub(base_url, requests=n, tool_results=0, what="(d)"):
        d = await alternate(runners, sizes.streamed, sizes.warmup, "d", calls=0, chunks=STREAM_CHUNKS)

    return {name: Timings(a=a[name], b1=b1[name], b4=b4[name], c=c[name], d=d[name]) for name in runners}


# -- workloads (e) and (g): a fresh process ---------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set (``VmHWM``).

    ``ru_maxrss`` would report the parent's peak, which Linux carries over ``exec``.
    """
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


async def child(connect: Connect, start: float, base_url: str, server: Sequence[str], n: int) -> ChildFigures:
    """From ``start`` (the process's first line) to tools listed, then ``n`` checked conversations."""
    async with connect(base_url, server) as (run, tools):
        if tools != ["echo"]:
            raise BenchFailure(f"tools listed: {tools}")
        cold = time.perf_counter() - start
        ok = 0
        for i in range(n):
            await timed(run, f"m{i}")
            ok += 1
    return ChildFigures(cold_ms=cold * 1000, maxrss_mb=peak_rss_mb(), ok=ok)


async def _run(connect: Connect, base_url: str, server: Sequence[str], sizes: Sizes) -> dict[str, Timings]:
    async with connect(base_url, server) as (run, tools):
        if tools != ["echo"]:
            raise BenchFailure(f"tools listed: {tools}")
        return await workloads({"p": run}, sizes, base_url)


def sizes_arg(sizes: Sizes) -> str:
    return json.dumps(asdict(sizes))


def drive(connect: Connect, start: float, argv: Sequence[str] | None = None) -> int:
    """A driver's command line; prints one JSON line of figures.

    ``run BASE_URL --sizes JSON --server CMD...``: workloads (a) to (d), as :class:`Timings`;
    ``child BASE_URL --conversations N --server CMD...``: (e) and (g), as :class:`ChildFigures`.
    """
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["run", "child"])
    parser.add_argument("base_url")
    parser.add_argument("--sizes", type=lambda text: Sizes(**json.loads(text)))
    parser.add_argument("--conversations", type=int, default=0)
    parser.add_argument("--server", nargs="+", required=True, help="the echo server's command line")
    args = parser.parse_args(argv)
    try:
        if args.mode == "child":
            figures = asyncio.run(child(connect, start, args.base_url, args.server, args.conversations))
            print(json.dumps(figures))
        else:
            timings = asyncio.run(_run(connect, args.base_url, args.server, args.sizes))
            print(json.dumps(timings["p"]))
    except BenchFailure as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    return 0

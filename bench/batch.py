"""Batches and fleets: ``python -m bench.batch`` (``--quick`` for a smoke run).

Three figures, against the scripted stub (``bench/stub.py``) and the echo server, as ``python -m bench``:

1. Throughput of N conversations (1,000; one ``echo`` call each) through ``ArgoMCPClient.map()``
   against a plain ``asyncio.gather`` of the raw loop (``bench/raw_loop.py``) under a semaphore,
   at the same concurrency; alternating, the median of the rounds. Target: map() >= 0.9x raw.
2. Memory per conversation in flight: Python heap (tracemalloc) with C conversations held open
   (their tool sleeps), over the heap before, divided by C; for map() and for the raw loop.
3. Redis-backed breakers and rate limits, per model request: conversations one at a time with the
   in-process state and with a RedisState on a redis-server started here on 127.0.0.1 (skipped,
   saying so, where redis-server is not installed); and one breaker round trip on its own.

Every conversation's answer is checked, and the stub's request counts must match, else it fails.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as ``python bench/batch.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mcp

from argo_mcp_client import ArgoMCPClient, BreakerSettings, RateLimit, RedisState, StdioServer
from bench.raw_loop import RawLoop
from bench.run import stub_server
from bench.script import ECHO_SERVER, MODEL, BenchFailure, check, expect_stub, prompt, stub_stats

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

SERVER = [sys.executable, ECHO_SERVER]
CONCURRENCY = 50


def argo_client(base_url: str, shared_state: str | None = None) -> ArgoMCPClient:
    spec = StdioServer(name="bench", command=SERVER[0], args=tuple(SERVER[1:]))
    return ArgoMCPClient(
        servers=[spec], base_url=base_url, model=MODEL, max_turns=4, shared_state=shared_state
    )


def raw_loop(base_url: str) -> RawLoop:
    params = mcp.StdioServerParameters(command=SERVER[0], args=SERVER[1:])
    loop = RawLoop(base_url=base_url, model=MODEL, server=params, stream=True)
    # The SDK's default connect timeout (5 s) is shorter than a loaded machine takes to accept 100
    # new connections; give the raw loop the client's request timeout (120 s), as argo-mcp-client has.
    loop._openai = loop._openai.with_options(timeout=120.0)
    return loop


# -- 1. throughput ----------------------------------------------------------------------------


async def through_map(client: ArgoMCPClient, n: int, tag: str) -> float:
    items = [{"id": f"{tag}{i}", "prompt": prompt(f"{tag}{i}")} for i in range(n)]
    start = time.perf_counter()
    async with client.map(items, concurrency=CONCURRENCY) as results:
        async for result in results:
            if not result.ok:
                raise BenchFailure(f"map(): {result.id} failed: {result.error}")
            check(result.output or "", result.id, 1)
    return time.perf_counter() - start


async def through_gather(loop: RawLoop, n: int, tag: str) -> float:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(nonce: str) -> None:
        async with gate:
            output, _ = await loop.run(prompt(nonce))
        check(output, nonce, 1)

    start = time.perf_counter()
    await asyncio.gather(*(one(f"{tag}{i}") for i in range(n)))
    return time.perf_counter() - start


async def throughput(base_url: str, n: int, rounds: int) -> dict[str, float]:
    """Conversations per second for map() and the raw gather, alternating; medians of ``rounds``."""
    times: dict[str, list[float]] = {"map": [], "raw": []}
    async with argo_client(base_url) as client, raw_loop(base_url) as loop:
        await through_map(client, CONCURRENCY, "wm")  # warm-up, untimed
        await through_gather(loop, CONCURRENCY, "wr")
        for round_ in range(rounds):
            with expect_stub(base_url, requests=4 * n, tool_results=2 * n, what=f"throughput round {round_}"):
                times["map"].append(await through_map(client, n, f"m{round_}x"))
                times["raw"].append(await through_gather(loop, n, f"r{round_}x"))
    return {side: n / statistics.median(values) for side, values in times.items()}


# -- 2. memory per conversation in flight -----------------------------------------------------


async def held_open(
    base_url: str, count: int, start_all: Callable[[list[str]], Awaitable[None]], baseline: int
) -> float:
    """Bytes of Python heap per conversation while ``count`` conversations wait in their tool."""
    before = stub_stats(base_url)["requests"]
    nonces = [f"mem{time.monotonic_ns()}x{i}" for i in range(count)]
    task = asyncio.ensure_future(start_all(nonces))
    while stub_stats(base_url)["requests"] - before < count:  # every first request seen: all in flight
        await asyncio.sleep(0.05)
        if task.done():
            raise BenchFailure(f"conversations ended before all {count} were in flight")
    await asyncio.sleep(0.3)  # the tool calls go out after the first replies
    in_flight = tracemalloc.get_traced_memory()[0]
    await task
    return (in_flight - baseline) / count


async def memory(base_url: str, count: int, delay: float) -> dict[str, float]:
    figures: dict[str, float] = {}
    tracemalloc.start()
    try:
        async with argo_client(base_url) as client:
            await through_map(client, 10, "wmem")

            async def via_map(nonces: list[str]) -> None:
                items = [{"id": n, "prompt": prompt(n, delay=delay)} for n in nonces]
                async with client.map(items, concurrency=count) as results:
                    async for result in results:
                        if not result.ok:
                            raise BenchFailure(f"memory: {result.id} failed: {result.error}")

            figures["map"] = await held_open(base_url, count, via_map, tracemalloc.get_traced_memory()[0])
        async with raw_loop(base_url) as loop:
            await through_gather(loop, 10, "wrmem")

            async def via_gather(nonces: list[str]) -> None:
                await asyncio.gather(*(loop.run(prompt(n, delay=delay)) for n in nonces))

            figures["raw"] = await held_open(base_url, count, via_gather, tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    return figures


# -- 3. Redis-backed breakers -----------------------------------------------------------------


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A redis-server on a free loopback port, or ``None`` where it is not installed."""
    if shutil.which("redis-server") is None:
        yield None
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    workdir = tempfile.mkdtemp(prefix="bench-redis-")
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchFailure("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def sequential(client: ArgoMCPClient, n: int, tag: str) -> list[float]:
    times = []
    for i in range(n):
        start = time.perf_counter()
        result = await client.run(prompt(f"{tag}{i}"))
        times.append(time.perf_counter() - start)
        check(result.output, f"{tag}{i}", 1)
    return times


async def redis_overhead(base_url: str, redis_url: str, n: int) -> dict[str, float]:
    """Per model request: in-process vs Redis state (conversations of two requests), and one admit."""
    async with argo_client(base_url) as local, argo_client(base_url, shared_state=redis_url) as shared:
        await sequential(local, 20, "wl")
        await sequential(shared, 20, "ws")
        local_times: list[float] = []
        shared_times: list[float] = []
        for round_ in range(4):  # alternating blocks, so drift hits both
            local_times += await sequential(local, n // 4, f"l{round_}x")
            shared_times += await sequential(shared, n // 4, f"s{round_}x")
    state = RedisState.from_url(redis_url, namespace="bench")
    settings = BreakerSettings()
    limit = RateLimit(requests=10**9, per=60)
    try:
        admits, reserves = [], []
        for _ in range(n):
            start = time.perf_counter()
            await state.breaker_acquire("gpt4o", settings)
            await state.breaker_success("gpt4o")
            admits.append(time.perf_counter() - start)
            start = time.perf_counter()
            await state.reserve("gpt4o", limit, 0)
            reserves.append(time.perf_counter() - start)
    finally:
        await state.aclose()
    return {
        "local_ms": statistics.median(local_times) * 1000 / 2,
        "redis_ms": statistics.median(shared_times) * 1000 / 2,
        "breaker_round_trip_ms": statistics.median(admits) * 1000,
        "rate_limit_round_trip_ms": statistics.median(reserves) * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts: checks the benchmark works")
    parser.add_argument(
        "--only", choices=["throughput", "memory", "redis"], action="append", help="these figures only"
    )
    args = parser.parse_args(argv)
    only = set(args.only or ["throughput", "memory", "redis"])
    # Held open: at most the stub's accept backlog (100) at once, so no side waits on connecting.
    n, rounds, held, sequential_n = (100, 1, 50, 40) if args.quick else (1000, 3, 100, 400)
    print("| workload | map() | raw gather | target | met |\n|---|---|---|---|---|", flush=True)
    try:
        with stub_server() as base_url, redis_server() as redis_url:
            if "throughput" in only:
                show_throughput(n, asyncio.run(throughput(base_url, n, rounds)))
            if "memory" in only:
                show_memory(held, asyncio.run(memory(base_url, held, delay=2.0)))
            if "redis" in only:
                overhead = (
                    asyncio.run(redis_overhead(base_url, redis_url, sequential_n)) if redis_url else None
                )
                show_overhead(overhead)
    except BenchFailure as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    return 0


def show_throughput(n: int, rates: dict[str, float]) -> None:
    ratio = rates["map"] / rates["raw"]
    met = "met" if ratio >= 0.9 else "NOT met"
    print(
        f"| {n} conversations at concurrency {CONCURRENCY} | {rates['map']:.1f} conv/s "
        f"| {rates['raw']:.1f} conv/s | >= 0.90x raw (is {ratio:.2f}x) | {met} |",
        flush=True,
    )


def show_memory(held: int, per_conversation: dict[str, float]) -> None:
    print(
        f"| Python heap per conversation in flight ({held} held open) "
        f"| {per_conversation['map'] / 1024:.1f} KiB | {per_conversation['raw'] / 1024:.1f} KiB | — | — |",
        flush=True,
    )


def show_overhead(overhead: dict[str, float] | None) -> None:
    if overhead is None:
        print("| Redis-backed breakers per model request | skipped: redis-server is not installed | | | |")
    else:
        extra = overhead["redis_ms"] - overhead["local_ms"]
        print(
            f"| per model request, sequential: Redis state vs in-process | {overhead['redis_ms']:.2f} ms "
            f"vs {overhead['local_ms']:.2f} ms (+{extra:.2f} ms) | — | — | — |"
        )
        print(
            f"| one Redis round trip: breaker admit + success / rate-limit reserve "
            f"| {overhead['breaker_round_trip_ms']:.3f} ms / {overhead['rate_limit_round_trip_ms']:.3f} ms "
            f"| — | — | — |"
        )


if __name__ == "__main__":
    raise SystemExit(main())

"""One worker of a simulated fleet, for the shared-breaker tests.

    python fleet_worker.py BASE_URL (REDIS_URL | none) CLOCK_FILE

Its clock is the number in CLOCK_FILE (the test moves the fleet's time). For each
``round`` line on stdin it makes five runs against the model at BASE_URL (each
fails: the model is down, or its breaker is open) and prints ``done``; it stops
at end of input. Breakers are shared through Redis unless the URL is ``none``.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import anyio

from argo_mcp_client import ArgoMCPClient, ArgoMCPError, BreakerSettings, RetryPolicy

RUNS_PER_ROUND = 5


async def main(base_url: str, redis_url: str, clock_file: Path) -> None:
    def clock() -> float:
        return float(clock_file.read_text())

    client = ArgoMCPClient(
        base_url=base_url,
        model="flaky",
        retry=RetryPolicy(attempts=1),
        breaker=BreakerSettings(failure_threshold=2, cooldown=30),
        clock=clock,
        shared_state=None if redis_url == "none" else redis_url,
        streaming=False,
    )
    async with client:
        print("ready", flush=True)
        while line := await anyio.to_thread.run_sync(sys.stdin.readline):
            if line.strip() != "round":
                continue
            for _ in range(RUNS_PER_ROUND):
                with contextlib.suppress(ArgoMCPError):  # the model is down, or skipped
                    await client.run("hello")
            print("done", flush=True)


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], sys.argv[2], Path(sys.argv[3]))

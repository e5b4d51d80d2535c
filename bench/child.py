"""Cold start and peak memory, in a fresh process: ``python -m bench.child argo|raw BASE_URL N``.

Times import + connect + tools listed from the first line of the process, then runs N
conversations of workload (a), checks each answer, and prints one JSON line: ``cold_ms``,
``maxrss_mb`` (this process's peak resident set, ``VmHWM``: ``ru_maxrss`` would report the parent's
peak, which Linux carries over ``exec``; the MCP server subprocess is not counted),
``ok`` (conversations whose answer proved the tool ran).
"""

from __future__ import annotations

import time

START = time.perf_counter()

import asyncio  # noqa: E402 - the clock starts before any import
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ECHO_SERVER = str(Path(__file__).with_name("echo_server.py"))
MODEL = "bench-model"


async def _argo(base_url: str, n: int) -> tuple[float, int]:
    from argo_mcp_client import ArgoMCPClient, StdioServer

    server = StdioServer(name="bench", command=sys.executable, args=(ECHO_SERVER,))
    async with ArgoMCPClient(servers=[server], base_url=base_url, model=MODEL) as client:
        assert [t.name for t in client.tools] == ["echo"]
        cold = time.perf_counter() - START
        ok = 0
        for i in range(n):
            result = await client.run(f"bench calls=1 nonce=m{i}")
            ok += result.output == f"done echo:m{i}-0" and len(result.tool_calls) == 1
    return cold, ok


async def _raw(base_url: str, n: int) -> tuple[float, int]:
    import mcp

    from bench.raw_loop import RawLoop

    params = mcp.StdioServerParameters(command=sys.executable, args=[ECHO_SERVER])
    async with RawLoop(base_url=base_url, model=MODEL, server=params, stream=True) as loop:
        assert [t["function"]["name"] for t in loop.tools] == ["echo"]
        cold = time.perf_counter() - START
        ok = 0
        for i in range(n):
            output, _ = await loop.run(f"bench calls=1 nonce=m{i}")
            ok += output == f"done echo:m{i}-0"
    return cold, ok


def main() -> None:
    impl, base_url, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cold, ok = asyncio.run((_argo if impl == "argo" else _raw)(base_url, n))
    status = Path("/proc/self/status").read_text()
    maxrss_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    print(json.dumps({"cold_ms": cold * 1000, "maxrss_mb": maxrss_kb / 1024, "ok": ok}))


if __name__ == "__main__":
    main()

"""argo-mcp-client and the raw loop as benchmark sides; run as a fresh process for (e) and (g).

``python -m bench.child argo|raw child BASE_URL --conversations N --server CMD...`` times
import + connect + tools listed from the first line of the process, then runs N conversations
of workload (a), checks each answer, and prints one JSON line: ``cold_ms``, ``maxrss_mb`` (this
process's peak resident set; the MCP server subprocess is not counted), ``ok`` (conversations
whose answer proved the tool ran). The same command line as the peer drivers (``bench.script.drive``).

``bench.run`` uses :func:`argo` and :func:`raw` in its own process for (a) to (d). Their
imports stay inside them, so the clock of a fresh process sees them.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import sys  # noqa: E402 - the clock starts before any import
from contextlib import asynccontextmanager  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

from bench.script import MODEL, BenchFailure, drive  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from bench.script import Runner


@asynccontextmanager
async def argo(
    base_url: str, server: Sequence[str], *, stream: bool = True, events: bool = False
) -> AsyncIterator[tuple[Runner, list[str]]]:
    """``events``: each conversation through ``client.stream()``, reading every event, not ``run()``."""
    from argo_mcp_client import ArgoMCPClient, RunFinished, RunResult, StdioServer

    spec = StdioServer(name="bench", command=server[0], args=tuple(server[1:]))
    async with ArgoMCPClient(
        servers=[spec], base_url=base_url, model=MODEL, max_turns=4, streaming=stream
    ) as client:

        async def streamed(text: str) -> RunResult:
            async with client.stream(text) as seen:
                finished = [event async for event in seen if isinstance(event, RunFinished)]
            return finished[0].result

        async def run(text: str) -> str:
            result = await (streamed(text) if events else client.run(text))
            if any(call.is_error for call in result.tool_calls):
                raise BenchFailure(f"a tool call failed: {result.tool_calls}")
            return result.output

        yield run, [tool.name for tool in client.tools]


@asynccontextmanager
async def raw(
    base_url: str, server: Sequence[str], *, stream: bool = True
) -> AsyncIterator[tuple[Runner, list[str]]]:
    import mcp

    from bench.raw_loop import RawLoop

    params = mcp.StdioServerParameters(command=server[0], args=list(server[1:]))
    async with RawLoop(base_url=base_url, model=MODEL, server=params, stream=stream) as loop:

        async def run(text: str) -> str:
            output, _ = await loop.run(text)
            return output

        yield run, [tool["function"]["name"] for tool in loop.tools]


if __name__ == "__main__":
    raise SystemExit(drive({"argo": argo, "raw": raw}[sys.argv[1]], START, sys.argv[2:]))

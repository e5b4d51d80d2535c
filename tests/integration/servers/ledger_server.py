"""A FastMCP server that counts its own side effects in a ledger file (for the long-run tests).

``python ledger_server.py LEDGER http PORT`` serves streamable HTTP on 127.0.0.1:PORT;
``python ledger_server.py LEDGER stdio`` speaks over stdio. Each line of the ledger is an
event: ``ran <token>`` when ``record`` ran, ``cancelled <token>`` when a call was cancelled.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from fastmcp import Context, FastMCP

LEDGER = Path(sys.argv[1])
mcp = FastMCP("ledger")


def _note(line: str) -> None:
    with LEDGER.open("a") as ledger:
        ledger.write(line + "\n")
        ledger.flush()


@mcp.tool()
async def record(token: str, delay: float = 0.0) -> str:
    """Write ``token`` to the ledger (a side effect: not read-only, not idempotent)."""
    if delay:
        await asyncio.sleep(delay)
    _note(f"ran {token}")
    return f"recorded {token}"


@mcp.tool(annotations={"readOnlyHint": True})
def peek(token: str) -> int:
    """How many times ``token`` was recorded."""
    if not LEDGER.exists():
        return 0
    return LEDGER.read_text().splitlines().count(f"ran {token}")


@mcp.tool(annotations={"readOnlyHint": True})
async def silent(seconds: float, token: str) -> str:
    """Wait ``seconds`` without a word; note a cancellation in the ledger."""
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        _note(f"cancelled {token}")
        raise
    return "woke"


@mcp.tool(annotations={"readOnlyHint": True})
def big(size: int) -> str:
    """A text of ``size`` characters."""
    return "x" * size


@mcp.tool(annotations={"readOnlyHint": True})
async def ticking(seconds: float, token: str, ctx: Context) -> str:
    """Report progress every 0.2 s for ``seconds``; note a cancellation in the ledger."""
    steps = max(1, int(seconds / 0.2))
    try:
        for step in range(steps):
            await asyncio.sleep(0.2)
            await ctx.report_progress(step + 1, steps)
    except asyncio.CancelledError:
        _note(f"cancelled {token}")
        raise
    return f"ticked {steps}"


if __name__ == "__main__":
    if sys.argv[2] == "http":
        mcp.run(
            transport="http", host="127.0.0.1", port=int(sys.argv[3]), show_banner=False, log_level="warning"
        )
    else:
        mcp.run(show_banner=False)

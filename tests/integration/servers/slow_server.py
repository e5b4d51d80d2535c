"""A stdio MCP server with a slow tool that reports progress, for the terminal tests.

``slow_steps`` reports step 1, then waits until the file given as ``--release PATH``
exists (the test creates it once it has seen the progress on the screen), then
reports the other steps and answers. Without ``--release`` it does not wait.
"""

from __future__ import annotations

import sys

import anyio
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("slow")
RELEASE = sys.argv[sys.argv.index("--release") + 1] if "--release" in sys.argv else None


@server.tool()
async def slow_steps(steps: int, ctx: Context) -> str:
    """Work through ``steps`` steps, reporting progress after each."""
    for step in range(1, steps + 1):
        await ctx.report_progress(step, steps, f"step {step} of {steps}")
        # Slow on purpose, until the test (another process) creates the file: nothing to wait on but it.
        while step == 1 and RELEASE and not await anyio.Path(RELEASE).exists():  # noqa: ASYNC110
            await anyio.sleep(0.05)
    return f"done after {steps} steps"


@server.tool()
async def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


if __name__ == "__main__":
    server.run()

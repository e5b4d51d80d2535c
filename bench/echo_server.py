"""A stdio MCP server with one trivial tool, for the benchmarks.

``echo`` returns ``echo:`` and the text, so a result that reached the model proves the tool ran;
``delay`` (seconds) makes the call take that long, so parallel calls can be told from serial ones.
"""

from __future__ import annotations

import anyio
from mcp.server.mcpserver import MCPServer

server = MCPServer("bench-echo", log_level="WARNING")


@server.tool()
async def echo(text: str, delay: float = 0.0) -> str:
    """Return the text, prefixed with ``echo:``, after ``delay`` seconds."""
    if delay > 0:
        await anyio.sleep(delay)
    return f"echo:{text}"


if __name__ == "__main__":
    server.run()

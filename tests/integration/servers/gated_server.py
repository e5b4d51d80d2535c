"""A stdio MCP server whose ``work`` tool, started with ``--hold``, never ends a call naming "hold".

    python gated_server.py [--hold]

Used to stop a batch mid-way with conversations in flight: the quick ones finish,
the held ones wait until the process running them is killed.
"""

from __future__ import annotations

import sys

import anyio
from mcp.server.mcpserver import MCPServer

HOLD = "--hold" in sys.argv
server = MCPServer("gated")


@server.tool()
async def work(text: str) -> str:
    """Do the work for ``text`` (forever, for a held one)."""
    if HOLD and "hold" in text:
        await anyio.sleep_forever()
    return f"worked on {text}"


if __name__ == "__main__":
    server.run()

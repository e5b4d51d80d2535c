"""A stdio MCP server that misbehaves on request, for lifecycle tests.

``--exit-at-start`` exits before the handshake, ``--hang-at-start`` never
answers it, ``--http PORT`` serves streamable HTTP on 127.0.0.1 instead of
stdio; the ``crash`` tool kills the process mid-call and ``hang`` reports
progress 0, then never returns.
"""

from __future__ import annotations

import os
import sys
import time

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations

if "--exit-at-start" in sys.argv:
    print("faulty_server: exiting on request", file=sys.stderr)
    sys.exit(3)
if "--hang-at-start" in sys.argv:
    time.sleep(3600)

server = MCPServer("faulty")
# With FAULTY_MARKER set, `crash_once` kills the server only while that file is
# missing (it creates it first), and a restarted server offers one more tool.
MARKER = os.environ.get("FAULTY_MARKER")


@server.tool()
async def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


@server.tool()
async def crash() -> str:
    """Kill this server in the middle of the call."""
    os._exit(1)


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def crash_once() -> str:
    """Read-only: kill the server mid-call the first time, answer after that."""
    if MARKER and not os.path.exists(MARKER):
        with open(MARKER, "w") as marker:
            marker.write("crashed")
        os._exit(1)
    return "survived"


if MARKER and os.path.exists(MARKER):

    @server.tool()
    async def after_restart() -> str:
        """Only offered by a server started after crash_once crashed one."""
        return "new tool"


@server.tool()
async def hang(ctx: Context) -> str:
    """Report progress 0 (so a test knows the call is in flight here), then never return."""
    await ctx.report_progress(0, message="hanging")
    await anyio.sleep_forever()
    return "unreachable"


@server.tool()
async def authorization(ctx: Context) -> str:
    """The Authorization header of this HTTP request, or "" over stdio."""
    request = ctx.request_context.request
    headers = getattr(request, "headers", None)
    return str(headers.get("authorization", "")) if headers is not None else ""


@server.tool()
async def pid() -> int:
    """This server's process id."""
    return os.getpid()


if __name__ == "__main__":
    if "--http" in sys.argv:
        port = int(sys.argv[sys.argv.index("--http") + 1])
        server.run("streamable-http", host="127.0.0.1", port=port)
    else:
        server.run()

"""A 2026-07-28 MCP server (mcp 2.x ``MCPServer``) with a task-only tool, run over stdio.

``python tests/support/task_server.py`` serves:

* ``long_job(steps, delay)``: runs only as a task (``io.modelcontextprotocol/tasks``),
  reporting progress ``step i of n`` after each step, and answers ``done after n steps``.
  A ``delay`` of 0 waits for ``release`` instead, so a test decides when it ends.
* ``release()``: lets waiting ``long_job`` tasks finish.
* ``task_states()``: the server's own record of its tasks, ``{task_id: status}``, so a test
  can check on the server side that a task was cancelled.
* ``add_tool(name)``: registers a new tool ``name`` and publishes the tools-list change.
* ``echo(text)``: a plain tool. ``app_dashboard()``: a tool for apps only
  (``_meta.ui.visibility == ["app"]``), which must never reach a model.

The tasks themselves are run by the same small server half of the extension that the
Gem-Flux reference server uses (``examples/argo_llm/gem_flux_reference/tasks.py``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import mcp.types as types
from mcp.server.mcpserver import Context, MCPServer

if TYPE_CHECKING:
    from examples.argo_llm.gem_flux_reference.tasks import Report, TaskServer
else:
    sys.path.append(str(Path(__file__).resolve().parents[2] / "examples" / "argo_llm"))
    from gem_flux_reference.tasks import Report, TaskServer

SCRIPT = Path(__file__).resolve()


def build() -> tuple[MCPServer, TaskServer]:
    server = MCPServer("suite-tasks", version="1.0.0")
    released = anyio.Event()

    @server.tool()
    async def long_job(steps: int = 3, delay: float = 0.05) -> str:
        """A long computation that runs as a task and reports each step."""
        raise AssertionError("runs only as a task")  # pragma: no cover

    @server.tool()
    def release() -> str:
        """Let waiting long jobs finish."""
        released.set()
        return "released"

    @server.tool()
    def echo(text: str) -> str:
        """Say it back."""
        return text

    @server.tool(meta={"ui": {"visibility": ["app"]}})
    def app_dashboard() -> str:
        """Refresh the app's dashboard (called by the app's UI, not by a model)."""
        return "refreshed"

    @server.tool()
    async def add_tool(name: str, ctx: Context) -> str:
        """Register a new tool and tell subscribed clients that the tools changed."""

        def added(x: int) -> int:
            return x * 2

        server.add_tool(added, name=name, description=f"Doubles x ({name}).")
        await ctx.notify_tools_changed()
        return f"added {name}"

    async def run(name: str, arguments: dict[str, Any], report: Report) -> types.CallToolResult:
        steps = int(arguments.get("steps", 3))
        delay = float(arguments.get("delay", 0.05))
        for step in range(1, steps + 1):
            if delay > 0:
                await anyio.sleep(delay)
            else:
                await released.wait()
            await report(step, steps, f"step {step} of {steps}")
        text = f"done after {steps} steps"
        # The result fits the tool's output schema ({"result": str}), as the client checks.
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], structured_content={"result": text}
        )

    tasks = TaskServer(server._lowlevel_server, {"long_job": "required"}, run=run, poll_interval_ms=50)

    @server.tool()
    def task_states() -> str:
        """The server's record of its tasks: {task_id: status}."""
        return json.dumps({task_id: task.status for task_id, task in tasks.tasks.items()})

    tasks.install()
    return server, tasks


if __name__ == "__main__":
    build()[0].run()

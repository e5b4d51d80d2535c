"""A FastMCP 4 server with fastmcp-tasks, over streamable HTTP: ``python fastmcp_task_server.py PORT``.

* ``long_job(steps, delay)``: a task-only tool (``TaskConfig(mode="required")``) reporting
  ``step i of n`` through ``ctx.report_progress``; a ``delay`` of 0 waits (up to a minute)
  for ``release``.
* ``release()``, ``echo(text)``, ``add_tool(name)`` (adds a tool and publishes the change),
  and ``app_dashboard()`` (for apps only: ``_meta.ui.visibility == ["app"]``).

Tasks run on fastmcp-tasks' in-memory Docket backend (``memory://``), in this process.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import anyio
import mcp_types
from fastmcp import Context, FastMCP
from fastmcp.utilities.tasks import TaskConfig
from fastmcp_tasks import TasksExtension

server = FastMCP("fastmcp-tasks-suite")
server.add_extension(TasksExtension(url="memory://"))
_released = anyio.Event()


@server.tool(task=TaskConfig(mode="required", poll_interval=timedelta(milliseconds=50)))
async def long_job(ctx: Context, steps: int = 3, delay: float = 0.05) -> str:
    """A long computation that runs as a task and reports each step."""
    for step in range(1, steps + 1):
        if delay > 0:
            await anyio.sleep(delay)
        else:
            with anyio.move_on_after(60):
                await _released.wait()
        await ctx.report_progress(step, steps, f"step {step} of {steps}")
    return f"done after {steps} steps"


@server.tool
def release() -> str:
    """Let waiting long jobs finish."""
    _released.set()
    return "released"


@server.tool
def echo(text: str) -> str:
    """Say it back."""
    return text


@server.tool(meta={"ui": {"visibility": ["app"]}})
def app_dashboard() -> str:
    """Refresh the app's dashboard (called by the app's UI, not by a model)."""
    return "refreshed"


@server.tool
async def add_tool(name: str, ctx: Context) -> str:
    """Register a new tool and tell subscribed clients that the tools changed."""

    def added(x: int) -> int:
        return x * 2

    server.tool(added, name=name, description=f"Doubles x ({name}).")
    await ctx.send_notification(mcp_types.ToolListChangedNotification())
    return f"added {name}"


if __name__ == "__main__":
    server.run("http", host="127.0.0.1", port=int(sys.argv[1]), show_banner=False)

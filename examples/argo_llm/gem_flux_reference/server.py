"""The MCP server: a low-level ``mcp.server.Server`` with explicit tool definitions.

``MCPServer`` derives input schemas from function signatures and adds ``title`` keys, so its
tools list could not equal Gem-Flux's. The low-level server publishes ``schemas.INPUT_SCHEMAS``
verbatim; arguments are validated against them here with ``jsonschema``.

``gapfill_model`` reports each COBRApy step as progress, and can run as an MCP task
(``io.modelcontextprotocol/tasks``, see ``tasks.py``): a 2026-07-28 client that declares the
extension gets a task it follows with ``tasks/get``; other clients get a plain call whose
progress arrives as progress notifications.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import mcp.types as types
from jsonschema import Draft202012Validator
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

from .errors import GemFluxError, ToolValidationError
from .schemas import INPUT_SCHEMAS, tool_definitions
from .session import GemFluxSession
from .tasks import Report, TaskMode, TaskServer

TASK_TOOLS: dict[str, TaskMode] = {"gapfill_model": "optional"}
"""Tools that run as MCP tasks for clients that declare the extension."""

SERVER_NAME = "gem-flux-mcp"
SERVER_VERSION = "0.1.0"
INSTRUCTIONS = (
    "Reference stand-in for the Gem-Flux metabolic modeling server, computing with COBRApy on the "
    "bundled E. coli core model. Workflow: build_media (or a predefined medium from list_media) -> "
    "build_model -> gapfill_model -> run_fba."
)

logger = logging.getLogger(__name__)

# COBRApy models are not thread-safe, and tool calls run in worker threads: one at a time.
_compute_lock = threading.Lock()
_validators = {name: Draft202012Validator(schema) for name, schema in INPUT_SCHEMAS.items()}


def create_server(session: GemFluxSession | None = None) -> Server[Any]:
    """Build the server; each server has its own models and media unless a session is shared."""
    state = session or GemFluxSession()
    tools = tool_definitions()

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        async def report(progress: float, total: float | None, message: str | None) -> None:
            # Sent only when the request carries a progress token.
            await ctx.session.report_progress(progress, total, message)

        return await call_tool_on(state, params.name, dict(params.arguments or {}), report)

    async def run_task(name: str, arguments: dict[str, Any], report: Report) -> types.CallToolResult:
        return await call_tool_on(state, name, arguments, report)

    server: Server[Any] = Server(
        SERVER_NAME,
        version=SERVER_VERSION,
        title="Gem-Flux (reference stand-in)",
        instructions=INSTRUCTIONS,
        get_tool_input_schema=INPUT_SCHEMAS.get,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
    TaskServer(server, TASK_TOOLS, run=run_task, poll_interval_ms=500).install()
    return server


async def call_tool_on(
    session: GemFluxSession, name: str, arguments: dict[str, Any], report: Report | None = None
) -> types.CallToolResult:
    """Validate, run in a worker thread, and wrap the result like FastMCP does.

    A raised error becomes an ``isError`` result reading ``Error calling tool '<name>': <message>``.
    ``report`` hears of the steps of the tools that report them (``gapfill_model``).
    """
    if name not in INPUT_SCHEMAS:
        return _error_result(f"Unknown tool: {name}")
    try:
        kwargs = _with_defaults(name, arguments)
        if name == "gapfill_model" and report is not None:
            kwargs["progress"] = _from_worker(report)
        method: Callable[..., dict[str, Any]] = getattr(session, name)
        result = await anyio.to_thread.run_sync(partial(_run_locked, method, kwargs))
        text = json.dumps(result, separators=(",", ":"), allow_nan=False)
    except GemFluxError as error:
        return _error_result(f"Error calling tool '{name}': {error}")
    except Exception as error:
        logger.exception("tool %s failed", name)
        return _error_result(f"Error calling tool '{name}': {error}")
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=result
    )


def _with_defaults(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    errors = sorted(_validators[name].iter_errors(arguments), key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(
            f"{'.'.join(map(str, e.absolute_path)) or 'arguments'}: {e.message}" for e in errors
        )
        raise ToolValidationError(f"Invalid arguments: {details}", error_code="INVALID_ARGUMENTS")
    properties: dict[str, Any] = INPUT_SCHEMAS[name]["properties"]
    return {key: arguments.get(key, spec.get("default")) for key, spec in properties.items()}


def _from_worker(report: Report) -> Callable[[int, int, str], None]:
    """``report`` callable from the worker thread a tool runs in."""

    def step(done: int, steps: int, what: str) -> None:
        async def send() -> None:
            await report(done, steps, what)

        try:
            anyio.from_thread.run(send)
        except Exception:  # progress must never fail the computation
            logger.debug("could not report progress", exc_info=True)

    return step


def _run_locked(method: Callable[..., dict[str, Any]], kwargs: dict[str, Any]) -> dict[str, Any]:
    with _compute_lock:
        return method(**kwargs)


def _error_result(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


async def serve_stdio(server: Server[Any] | None = None) -> None:
    """Serve one client over stdin/stdout until it disconnects."""
    server = server or create_server()
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def main() -> None:
    """Entry point: log to stderr only (stdout carries the protocol) and serve stdio."""
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("GEM_FLUX_LOG_LEVEL", "WARNING").upper())
    anyio.run(serve_stdio)
    # The interpreter's last garbage collection walks COBRApy's whole object graph (about half a
    # second, which the client spends waiting for us to exit); the OS reclaims the memory anyway.
    gc.freeze()

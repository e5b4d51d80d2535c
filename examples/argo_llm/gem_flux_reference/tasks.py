"""A small server half of the MCP tasks extension (``io.modelcontextprotocol/tasks``) for a low-level server.

A tool marked here may run as a *task* on 2026-07-28 connections whose client declares the
extension: ``tools/call`` answers at once with ``resultType: "task"`` and a task id, the work
goes on in the background, and the client follows it with ``tasks/get`` (status, the latest
progress message as ``statusMessage``, then the inlined result) and may stop it with
``tasks/cancel``. A tool marked ``"required"`` refuses clients that did not declare the
extension (error -32021); an ``"optional"`` one runs as a plain call for them, reporting
progress through the request's progress token.

The mcp SDK consumes claimed results but ships no way for a server to produce one, so
:meth:`TaskServer.install` lets a ``resultType: "task"`` result of ``tools/call`` through the
SDK's result serializer (process-wide, and only for that shape on the 2026-07-28 wire).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import anyio
import mcp.types as types
import mcp_types.methods as wire_methods
from anyio.abc import TaskGroup
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ConfigDict, Field

TASKS_EXTENSION = "io.modelcontextprotocol/tasks"
TaskMode = Literal["optional", "required"]
Report = Callable[[float, float | None, str | None], Awaitable[None]]
"""Progress of a call: ``(progress, total, message)``."""
RunTool = Callable[[str, dict[str, Any], Report], Awaitable[types.CallToolResult]]
"""Runs a tool by name with its arguments, reporting progress through the given function."""


class TaskIdParams(types.RequestParams):
    """``tasks/get`` and ``tasks/cancel`` parameters."""

    model_config = ConfigDict(populate_by_name=True)
    task_id: str = Field(alias="taskId")


@dataclass
class ServerTask:
    """One task as the server holds it."""

    task_id: str
    tool: str
    status: Literal["working", "completed", "failed", "cancelled"] = "working"
    status_message: str | None = None
    created_at: str = field(default_factory=lambda: _now())
    updated_at: str = field(default_factory=lambda: _now())
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)

    def wire(self, *, ttl_ms: int, poll_interval_ms: int) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "taskId": self.task_id,
            "status": self.status,
            "createdAt": self.created_at,
            "lastUpdatedAt": self.updated_at,
            "ttlMs": ttl_ms,
            "pollIntervalMs": poll_interval_ms,
        }
        if self.status_message is not None:
            fields["statusMessage"] = self.status_message
        return fields


class TaskServer:
    """Runs the marked tools of ``server`` as tasks for clients that declare the extension.

    Example:
        ```python
        tasks = TaskServer(server, {"gapfill_model": "optional"}, run=run_tool)
        tasks.install()  # before the server runs
        ```
    """

    def __init__(
        self,
        server: Server[Any],
        modes: dict[str, TaskMode],
        *,
        run: RunTool,
        poll_interval_ms: int = 250,
        ttl_ms: int = 3_600_000,
    ) -> None:
        self.server = server
        self.modes = dict(modes)
        self.run = run
        self.poll_interval_ms = poll_interval_ms
        self.ttl_ms = ttl_ms
        self.tasks: dict[str, ServerTask] = {}
        """Every task this server created, by id (kept for the server's life)."""
        self._group: TaskGroup | None = None

    def install(self) -> None:
        """Advertise the extension, wrap ``tools/call``, serve ``tasks/get`` and ``tasks/cancel``.

        The tasks run within the server's lifespan (which this wraps): on stdio and in-process
        connections that is the server's whole life.
        """
        _let_task_results_through()
        inner: Callable[[Server[Any]], AbstractAsyncContextManager[Any]] = self.server.lifespan

        @asynccontextmanager
        async def lifespan(server: Server[Any]) -> AsyncIterator[Any]:
            async with self.running(), inner(server) as state:
                yield state

        self.server.lifespan = lifespan
        self.server.extensions[TASKS_EXTENSION] = {}
        entry = self.server.get_request_handler("tools/call")
        assert entry is not None, "register the server's tools/call handler first"
        plain = entry.handler

        async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> Any:
            mode = self.modes.get(params.name)
            if mode is None:
                return await plain(ctx, params)
            if _declared(ctx):
                return self._start(params.name, dict(params.arguments or {}))
            if mode == "required":
                raise MCPError(
                    code=types.MISSING_REQUIRED_CLIENT_CAPABILITY,
                    message=f"tool {params.name!r} runs only as a task; declare {TASKS_EXTENSION}",
                    data={"requiredCapabilities": {"extensions": {TASKS_EXTENSION: {}}}},
                )
            return await plain(ctx, params)

        self.server.add_request_handler("tools/call", types.CallToolRequestParams, call_tool)
        self.server.add_request_handler("tasks/get", TaskIdParams, self._get)
        self.server.add_request_handler("tasks/cancel", TaskIdParams, self._cancel)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[TaskServer]:
        """Own the tasks' background work; leaving cancels the tasks still running."""
        async with anyio.create_task_group() as group:
            self._group = group
            try:
                yield self
            finally:
                self._group = None
                group.cancel_scope.cancel()

    def _start(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        if self._group is None:
            raise MCPError(code=types.INTERNAL_ERROR, message="the task runner is not running")
        task = ServerTask(task_id=uuid.uuid4().hex, tool=tool)
        self.tasks[task.task_id] = task
        self._group.start_soon(self._work, task, arguments)
        return {"resultType": "task", **task.wire(ttl_ms=self.ttl_ms, poll_interval_ms=self.poll_interval_ms)}

    async def _work(self, task: ServerTask, arguments: dict[str, Any]) -> None:
        async def report(progress: float, total: float | None, message: str | None) -> None:
            of = f"/{total:g}" if total is not None else ""
            task.status_message = message or f"{progress:g}{of}"
            task.updated_at = _now()

        with task.scope:
            try:
                result = await self.run(task.tool, arguments, report)
            except Exception as exc:
                task.status, task.error = "failed", {"code": types.INTERNAL_ERROR, "message": str(exc)}
            else:
                task.status = "completed"
                task.result = result.model_dump(by_alias=True, mode="json", exclude_none=True)
            task.updated_at = _now()

    def _find(self, task_id: str) -> ServerTask:
        task = self.tasks.get(task_id)
        if task is None:
            raise MCPError(code=types.INVALID_PARAMS, message=f"no task {task_id!r}")
        return task

    async def _get(self, ctx: ServerRequestContext[Any], params: TaskIdParams) -> dict[str, Any]:
        task = self._find(params.task_id)
        body = task.wire(ttl_ms=self.ttl_ms, poll_interval_ms=self.poll_interval_ms)
        if task.result is not None:
            body["result"] = task.result
        if task.error is not None:
            body["error"] = task.error
        return {"resultType": "complete", **body}

    async def _cancel(self, ctx: ServerRequestContext[Any], params: TaskIdParams) -> dict[str, Any]:
        task = self._find(params.task_id)
        if task.status == "working":
            task.scope.cancel()
            task.status, task.updated_at = "cancelled", _now()
        return {
            "resultType": "complete",
            **task.wire(ttl_ms=self.ttl_ms, poll_interval_ms=self.poll_interval_ms),
        }


def _declared(ctx: ServerRequestContext[Any]) -> bool:
    if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
        return False
    capabilities = ctx.session.client_capabilities
    return bool(capabilities and capabilities.extensions and TASKS_EXTENSION in capabilities.extensions)


def _now() -> str:
    return datetime.now(UTC).isoformat()


_stock_serializer: Any = None


def _let_task_results_through() -> None:
    """Let a ``resultType: "task"`` answer to ``tools/call`` pass the SDK's result serializer as is."""
    global _stock_serializer
    if _stock_serializer is not None:
        return
    stock = _stock_serializer = wire_methods.serialize_server_result

    def serialize(method: str, version: str, data: Any, **kwargs: Any) -> Any:
        if (
            not kwargs
            and method == "tools/call"
            and version in MODERN_PROTOCOL_VERSIONS
            and isinstance(data, dict)
            and data.get("resultType") == "task"
        ):
            return dict(data)
        return stock(method, version, data, **kwargs)

    wire_methods.serialize_server_result = serialize

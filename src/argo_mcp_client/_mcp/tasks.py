"""Tools run as MCP tasks: created, followed to the end, and cancelled when the run stops.

A long tool can run as a *task*: the server answers ``tools/call`` at once with a task id,
the client polls ``tasks/get`` (at the server's suggested interval) for its status and
progress message, and fetches the result when it is done. Two protocol eras speak it:

* **2026-07-28**, through the ``io.modelcontextprotocol/tasks`` extension. The client
  declares it (:class:`TasksExtension`); the server decides which calls become tasks and
  answers those with ``resultType: "task"``. ``tasks/get`` carries the result inline.
* **2025-11-25** (such as server-everything), where the client asks for a task with the
  ``task`` field of ``tools/call`` for tools listed with ``execution.taskSupport``, and
  fetches the result with ``tasks/result``.

Whatever ends the wait early (the run cancelled, ``stream()`` left, a deadline) sends
``tasks/cancel``, so no task is left running on the server for a call nobody awaits.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anyio
import mcp
import mcp.types as mcp_types
from mcp.client.extension import ClaimContext, ClientExtension, ResultClaim
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ConfigDict, Field

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from mcp.client.session import ClientSession
    from mcp.shared.dispatcher import ProgressFnT

logger = logging.getLogger("argo_mcp_client")

TASKS_EXTENSION = "io.modelcontextprotocol/tasks"
TERMINAL = frozenset({"completed", "failed", "cancelled"})
_STOP_POLLING = TERMINAL | {"input_required"}
_DEFAULT_POLL = 1.0
_MIN_POLL = 0.05
_MAX_POLL = 10.0
_CANCEL_WAIT = 5.0
"""Seconds to wait for ``tasks/cancel`` to be answered when the caller has stopped."""

TaskStatus = Literal["working", "input_required", "completed", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class TaskUpdate:
    """A task's state as last seen: created, a new status message, or its end."""

    task_id: str
    status: str
    message: str | None


TaskWatcher = Callable[[TaskUpdate], None]
"""Hears of each change of a task's state; must not block."""


class TaskTimeout(TimeoutError):
    """A task was still running at its deadline (it has been cancelled on the server)."""

    def __init__(self, task_id: str, seconds: float) -> None:
        super().__init__(f"task {task_id} was still running after {seconds:g} s and was cancelled")
        self.task_id = task_id
        self.seconds = seconds


@dataclass(slots=True)
class TaskCall:
    """How one tool call follows a task, if the server makes it one."""

    watch: TaskWatcher | None = None
    timeout: float | None = None
    """Seconds the task may run; ``None`` waits as long as the caller does."""
    task_id: str | None = None
    """Set once the server has created the task."""


_current: ContextVar[TaskCall | None] = ContextVar("argo_mcp_task_call", default=None)


@contextmanager
def following(call: TaskCall) -> Iterator[TaskCall]:
    """Within this block, a task the server makes of a call is followed as ``call`` says."""
    token = _current.set(call)
    try:
        yield call
    finally:
        _current.reset(token)


# -- wire models (2026-07-28 extension) ------------------------------------------------------


class _TaskFields(mcp_types.Result):
    model_config = ConfigDict(populate_by_name=True)

    task_id: str = Field(alias="taskId")
    status: TaskStatus
    status_message: str | None = Field(default=None, alias="statusMessage")
    poll_interval_ms: int | None = Field(default=None, alias="pollIntervalMs")


class CreatedTask(_TaskFields):
    """The answer to ``tools/call`` when the server runs the call as a task."""

    result_type: Literal["task"] = Field(alias="resultType")


class TaskState(_TaskFields):
    """The answer to ``tasks/get`` and ``tasks/cancel``: the task, with its outcome once done."""

    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


class _TaskIdParams(mcp_types.RequestParams):
    model_config = ConfigDict(populate_by_name=True)

    task_id: str = Field(serialization_alias="taskId")


class _GetTask(mcp_types.Request[_TaskIdParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    params: _TaskIdParams


class _CancelTask(mcp_types.Request[_TaskIdParams, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    params: _TaskIdParams


class TasksExtension(ClientExtension):
    """Declares the tasks extension to 2026-07-28 servers and follows the tasks they create."""

    identifier = TASKS_EXTENSION

    def claims(self) -> Sequence[ResultClaim[Any]]:
        return (
            ResultClaim(
                result_type="task",
                model=CreatedTask,
                resolve=_resolve_modern,
                protocol_versions=frozenset(MODERN_PROTOCOL_VERSIONS),
            ),
        )


async def _resolve_modern(created: CreatedTask, context: ClaimContext) -> mcp_types.CallToolResult:
    call = _current.get() or TaskCall()
    wire = _ModernWire(context.session, context.read_timeout_seconds)
    first = _Seen(
        created.task_id, created.status, created.status_message, _interval(created.poll_interval_ms)
    )
    return await follow(wire, call, first)


# -- the follow loop, shared by both eras -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Seen:
    task_id: str
    status: str
    message: str | None
    poll: float
    """Seconds until the next poll, as the server suggests."""


class _Wire(Protocol):
    async def get(self, task_id: str) -> _Seen: ...
    async def outcome(self, seen: _Seen) -> mcp_types.CallToolResult:
        """The result of a task that has ended or asks for input."""
        ...

    async def cancel(self, task_id: str) -> None: ...


async def follow(wire: _Wire, call: TaskCall, seen: _Seen) -> mcp_types.CallToolResult:
    """Poll the task until it ends and return its result; cancel it if the wait is cut short."""
    call.task_id = seen.task_id
    _tell(call, seen)
    try:
        with anyio.fail_after(call.timeout if call.timeout is not None else math.inf):
            while seen.status not in _STOP_POLLING:
                await anyio.sleep(seen.poll)
                now = await wire.get(seen.task_id)
                if (now.status, now.message) != (seen.status, seen.message):
                    _tell(call, now)
                seen = now
            result = await wire.outcome(seen)
            if seen.status not in TERMINAL:  # it asked for input, and the outcome settled that
                _tell(call, _Seen(seen.task_id, "failed" if result.is_error else "completed", None, 0.0))
            return result
    except TimeoutError:
        await _cancel_quietly(wire, call, seen.task_id)
        assert call.timeout is not None
        raise TaskTimeout(seen.task_id, call.timeout) from None
    except anyio.get_cancelled_exc_class():
        await _cancel_quietly(wire, call, seen.task_id)
        raise


async def _cancel_quietly(wire: _Wire, call: TaskCall, task_id: str) -> None:
    with anyio.CancelScope(shield=True), anyio.move_on_after(_CANCEL_WAIT):
        try:
            await wire.cancel(task_id)
        except Exception as exc:
            logger.warning("could not cancel task %s: %s", task_id, exc)
            return
        _tell(call, _Seen(task_id, "cancelled", "cancelled by the client", 0.0))


def _tell(call: TaskCall, seen: _Seen) -> None:
    if call.watch is not None:
        call.watch(TaskUpdate(seen.task_id, seen.status, seen.message))


def _interval(milliseconds: float | None) -> float:
    if milliseconds is None or milliseconds <= 0:
        return _DEFAULT_POLL
    return min(max(milliseconds / 1000, _MIN_POLL), _MAX_POLL)


def _failed(text: str) -> mcp_types.CallToolResult:
    return mcp_types.CallToolResult(content=[mcp_types.TextContent(type="text", text=text)], is_error=True)


class _ModernWire:
    """Tasks on 2026-07-28 servers: ``tasks/get`` (with the result inline) and ``tasks/cancel``."""

    def __init__(self, session: ClientSession, timeout: float | None = None) -> None:
        self._session = session
        self._timeout = timeout
        """Seconds for each request (the call's own timeout), not for the task."""
        self._last: TaskState | None = None

    async def _state(self, request: _GetTask | _CancelTask) -> TaskState:
        return await self._session.send_request(request, TaskState, self._timeout)

    async def get(self, task_id: str) -> _Seen:
        state = self._last = await self._state(_GetTask(params=_TaskIdParams(task_id=task_id)))
        return _Seen(task_id, state.status, state.status_message, _interval(state.poll_interval_ms))

    async def outcome(self, seen: _Seen) -> mcp_types.CallToolResult:
        state = self._last
        if state is None:  # the task had ended when it was created
            state = await self._state(_GetTask(params=_TaskIdParams(task_id=seen.task_id)))
        if state.status == "input_required":
            # Answering a task's questions (tasks/update) is not supported: stop it rather than
            # leave it waiting on the server.
            await self.cancel(seen.task_id)
        return _modern_outcome(state)

    async def cancel(self, task_id: str) -> None:
        await self._state(_CancelTask(params=_TaskIdParams(task_id=task_id)))


def _modern_outcome(state: TaskState) -> mcp_types.CallToolResult:
    if state.status == "completed":
        return mcp_types.CallToolResult.model_validate(state.result or {"content": []})
    if state.status == "failed":
        message = (state.error or {}).get("message") or state.status_message or "no reason given"
        return _failed(f"task {state.task_id} failed: {message}")
    if state.status == "cancelled":
        return _failed(f"task {state.task_id} was cancelled on the server")
    return _failed(f"task {state.task_id} asked for input, which this client cannot give to a task")


class _LegacyWire:
    """Tasks on 2025-11-25 servers: ``tasks/get``, ``tasks/result`` and ``tasks/cancel``."""

    def __init__(self, session: ClientSession, timeout: float | None) -> None:
        self._session = session
        self._timeout = timeout

    async def get(self, task_id: str) -> _Seen:
        request = mcp_types.GetTaskRequest(params=mcp_types.GetTaskRequestParams(task_id=task_id))
        task = await self._session.send_request(request, mcp_types.GetTaskResult, self._timeout)
        return _Seen(task_id, task.status, task.status_message, _interval(task.poll_interval))

    async def outcome(self, seen: _Seen) -> mcp_types.CallToolResult:
        if seen.status == "failed":
            return _failed(f"task {seen.task_id} failed: {seen.message or 'no reason given'}")
        if seen.status == "cancelled":
            return _failed(f"task {seen.task_id} was cancelled on the server")
        request = mcp_types.GetTaskPayloadRequest(
            params=mcp_types.GetTaskPayloadRequestParams(task_id=seen.task_id)
        )
        # tasks/result waits for the task to end, so it gets no timeout of its own. A task that
        # asks for input sends its questions on it, answered by the usual callbacks (elicitation).
        return await self._session.send_request(request, mcp_types.CallToolResult)

    async def cancel(self, task_id: str) -> None:
        request = mcp_types.CancelTaskRequest(params=mcp_types.CancelTaskRequestParams(task_id=task_id))
        await self._session.send_request(request, mcp_types.CancelTaskResult, _CANCEL_WAIT)


async def call_legacy_task(
    session: ClientSession,
    tool: str,
    arguments: dict[str, Any],
    call: TaskCall,
    *,
    read_timeout: float | None,
    on_progress: ProgressFnT | None = None,
) -> mcp_types.CallToolResult:
    """Call ``tool`` as a task on a 2025-11-25 server, and follow it to its result.

    The SDK checks a ``tools/call`` answer against the plain result, which a
    created task is not, so this one request goes to the session's dispatcher directly.
    """
    params: dict[str, Any] = {"name": tool, "arguments": arguments, "task": {}}
    options: dict[str, Any] = {}
    if read_timeout is not None:
        options["timeout"] = read_timeout
    if on_progress is not None:
        options["on_progress"] = on_progress
    raw = await session._dispatcher.send_raw_request("tools/call", params, options)  # type: ignore[arg-type]
    if "task" not in raw:
        return mcp_types.CallToolResult.model_validate(raw)
    task = mcp_types.CreateTaskResult.model_validate(raw).task
    first = _Seen(task.task_id, task.status, task.status_message, _interval(task.poll_interval))
    return await follow(_LegacyWire(session, read_timeout), call, first)


async def call_tool(
    client: mcp.Client,
    tool: str,
    arguments: dict[str, Any],
    *,
    read_timeout: float | None,
    on_progress: ProgressFnT | None,
    task: TaskCall | None,
    as_task: bool,
) -> mcp_types.CallToolResult:
    """Call ``tool``; a task the server makes of it is followed as ``task`` says.

    ``as_task`` asks a 2025-11-25 server for a task; 2026-07-28 servers decide themselves.
    """
    with following(task or TaskCall()) as follow:
        if as_task and client.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            return await call_legacy_task(
                client.session, tool, arguments, follow, read_timeout=read_timeout, on_progress=on_progress
            )
        return await client.call_tool(
            tool, arguments, read_timeout_seconds=read_timeout, progress_callback=on_progress
        )


async def fetch_result(client: mcp.Client, task_id: str) -> tuple[str, mcp_types.CallToolResult]:
    """A task's status and, once it has ended, its result (an error result before then).

    Raises:
        mcp.MCPError: the server does not know the task (it never did, or no longer holds it).
    """
    session = client.session
    if client.protocol_version in MODERN_PROTOCOL_VERSIONS:
        state = await session.send_request(_GetTask(params=_TaskIdParams(task_id=task_id)), TaskState)
        if state.status not in TERMINAL:
            return state.status, _failed(f"task {task_id} is still {state.status}")
        return state.status, _modern_outcome(state)
    wire = _LegacyWire(session, None)
    seen = await wire.get(task_id)
    if seen.status not in TERMINAL:
        return seen.status, _failed(f"task {task_id} is still {seen.status}")
    return seen.status, await wire.outcome(seen)

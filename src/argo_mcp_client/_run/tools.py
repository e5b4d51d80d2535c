"""Running the tool calls of one turn.

Every call ends in a :class:`ToolCallRecord`, whatever happens: an unknown
name, arguments that are not a JSON object or do not fit the schema, a server
that fails or times out. The record's output is what the model is told. A tool
is never run on arguments that did not parse and validate.

The calls of one turn run concurrently; their records come back in call order.
"""

from __future__ import annotations

import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from argo_mcp_client._mcp.connection import CallFailed, ConnectionLost
from argo_mcp_client._mcp.render import attachments, error_text, render_result
from argo_mcp_client._mcp.tasks import TaskCall, TaskTimeout, TaskUpdate
from argo_mcp_client._telemetry import log, span
from argo_mcp_client.errors import ServerError
from argo_mcp_client.events import ToolCallFinished, ToolCallStarted, ToolProgress
from argo_mcp_client.result import Attachment, CallOutcome, ToolCallRecord

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import mcp.types as mcp_types

    from argo_mcp_client._mcp.connection import ServerConnection
    from argo_mcp_client._mcp.registry import ToolInfo
    from argo_mcp_client._mcp.toolset import Toolset
    from argo_mcp_client._models.reply import ToolCallRequest
    from argo_mcp_client._run.artifacts import Artifacts
    from argo_mcp_client._run.planner import LocalTool
    from argo_mcp_client.events import Emit, Notify

logger = logging.getLogger("argo_mcp_client")

_MAX_SCHEMA_ERRORS = 5
_NOT_REPLAYED = (
    "The call reached the server and was not repeated: {name!r} may have changed something before "
    "the server stopped, so check its effect before calling it again. The server is started again "
    "on the next call"
)
_MAX_LISTED_TOOLS = 40


ApproveTool = Callable[[ToolCallStarted], "bool | Awaitable[bool]"]
"""Decides whether a tool call may run; given the call as its ``ToolCallStarted`` event."""


@dataclass(frozen=True, slots=True)
class Dispatcher:
    """Routes tool calls to their servers."""

    toolset: Toolset
    """The current tools; read at each call, so a call finds the tools its request offered."""
    servers: Mapping[str, ServerConnection]
    tool_timeout: float | None = None
    max_output: int = 100_000
    approve: ApproveTool | None = None
    notify: Notify | None = None
    """Passes on events that must not wait (progress reported by a server)."""
    artifacts: Artifacts | None = None
    """Where results over its threshold are kept whole; the model gets a preview. ``None``: cut them."""
    local: Mapping[str, LocalTool] = field(default_factory=dict)
    """The client's own tools for the run (``read_artifact``, ...); a server's tool of the same name wins."""
    images_to_model: bool = False
    """Send the images tools return to the model as image parts (after the tool messages)."""

    async def run_turn(
        self, calls: Sequence[ToolCallRequest], *, turn: int, emit: Emit, into: list[ToolCallRecord | None]
    ) -> None:
        """Run ``calls`` concurrently, filling ``into[i]`` as call ``i`` finishes.

        Slots left ``None`` (after a cancellation) are the caller's to answer.
        """

        async def one(index: int, call: ToolCallRequest) -> None:
            task = TaskCall()
            try:
                into[index] = await self.run_call(call, turn=turn, emit=emit, task=task)
            except anyio.get_cancelled_exc_class():
                if task.task_id is not None:
                    # Cancelled on the server already (see tasks.follow); keep its id on the record.
                    into[index] = cancelled_record(call).model_copy(update={"task_id": task.task_id})
                raise

        if len(calls) == 1:
            await one(0, calls[0])
            return
        async with anyio.create_task_group() as group:
            for index, call in enumerate(calls):
                group.start_soon(one, index, call)

    async def run_call(
        self, call: ToolCallRequest, *, turn: int, emit: Emit, task: TaskCall | None = None
    ) -> ToolCallRecord:
        """Run one call; never raises except on cancellation.

        ``task`` is told of the task the server runs the call as, if it does.
        """
        attributes = {"gen_ai.tool.name": call.name, "gen_ai.tool.call.id": call.id, "argo_mcp.turn": turn}
        with span("argo_mcp.tool_call", **attributes) as current:
            record = await self._run_call(call, turn=turn, emit=emit, task=task or TaskCall())
            current.set_attribute("argo_mcp.server", record.server or "")
            current.set_attribute("argo_mcp.tool.error", record.is_error)
        log(
            logging.INFO,
            "tool call finished",
            tool=record.name,
            server=record.server,
            turn=turn,
            duration=round(record.duration, 3),
            error=record.is_error or None,
        )
        return record

    async def _run_call(
        self, call: ToolCallRequest, *, turn: int, emit: Emit, task: TaskCall
    ) -> ToolCallRecord:
        started = time.perf_counter()
        tool = self.toolset.registry.get(call.name)
        if tool is None and call.name in self.local:
            return await self._run_local(self.local[call.name], call, turn=turn, emit=emit)
        arguments, problem = _parse_arguments(call.arguments, tool)
        if tool is None:
            problem = self._unknown_tool(call.name)
        elif problem is None and arguments is not None:
            # A null the strict form added for an optional argument means "omitted".
            arguments = self.toolset.registry.server_arguments(tool, arguments)
            problem = self._schema_problem(tool, arguments)
        started_event = ToolCallStarted(
            turn=turn,
            call_id=call.id,
            name=call.name,
            server=tool.server if tool else None,
            tool=tool.tool if tool else None,
            arguments=arguments,
        )
        await emit(started_event)
        if problem is None and tool is not None and not await self._approved(started_event):
            problem = f"the call to {call.name!r} was refused by the user; do not try it again unchanged"
        structured: Any = None
        binary: tuple[Attachment, ...] = ()
        outcome: CallOutcome = "not_run"
        if problem is not None or tool is None or arguments is None:
            output, is_error = error_text(problem or "the call could not be made"), True
        else:
            output, is_error, structured, outcome, binary = await self._call_server(
                tool, arguments, turn, call.id, task
            )
        artifact = None
        if self.artifacts is not None and not is_error and len(output) > self.artifacts.threshold:
            artifact = await self.artifacts.keep(output, call_id=call.id, tool=call.name)
            output = self.artifacts.preview(artifact, output)
        output = _capped(output, self.max_output)
        record = ToolCallRecord(
            call_id=call.id,
            name=call.name,
            server=tool.server if tool else None,
            tool=tool.tool if tool else None,
            raw_arguments=call.arguments,
            arguments=arguments,
            output=output,
            structured_content=structured,
            is_error=is_error,
            duration=time.perf_counter() - started,
            artifact=artifact,
            task_id=task.task_id,
            outcome=outcome,
            attachments=binary,
        )
        await emit(ToolCallFinished(turn=turn, call=record))
        return record

    async def _run_local(
        self, local: LocalTool, call: ToolCallRequest, *, turn: int, emit: Emit
    ) -> ToolCallRecord:
        """One of the client's own tools: no server, no approval (they only read what the run holds)."""
        started = time.perf_counter()
        arguments, problem = _parse_arguments(call.arguments, None)
        await emit(
            ToolCallStarted(
                turn=turn, call_id=call.id, name=call.name, server=None, tool=call.name, arguments=arguments
            )
        )
        if problem is None and arguments is not None and local.checked:
            problem = _local_problem(local, arguments)
        if problem is not None or arguments is None:
            output, is_error = error_text(problem or "the call could not be made"), True
        else:
            try:
                output, is_error = await local.run(arguments)
            except Exception as exc:
                logger.exception("the client's own tool %r failed", call.name)
                output, is_error = f"{type(exc).__name__}: {exc}", True
            if is_error:
                output = error_text(output)
        record = ToolCallRecord(
            call_id=call.id,
            name=call.name,
            server=None,
            tool=call.name,
            raw_arguments=call.arguments,
            arguments=arguments,
            output=_capped(output, self.max_output),
            is_error=is_error,
            duration=time.perf_counter() - started,
        )
        await emit(ToolCallFinished(turn=turn, call=record))
        return record

    async def _approved(self, event: ToolCallStarted) -> bool:
        if self.approve is None:
            return True
        try:
            verdict = self.approve(event)
            return bool(await verdict if inspect.isawaitable(verdict) else verdict)
        except Exception:
            logger.exception("the tool approval hook failed; refusing %r", event.name)
            return False

    async def _call_server(
        self, tool: ToolInfo, arguments: dict[str, Any], turn: int, call_id: str, task: TaskCall
    ) -> tuple[str, bool, Any, CallOutcome, tuple[Attachment, ...]]:
        connection = self.servers[tool.server]
        notify = self.notify

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            if notify is not None:
                notify(ToolProgress(turn, call_id, progress, total, message, task_id=task.task_id))

        updates = 0

        def on_task(update: TaskUpdate) -> None:
            # A task's progress is its status message; each change counts one step.
            nonlocal updates
            updates += 1
            if notify is not None:
                notify(
                    ToolProgress(
                        turn,
                        call_id,
                        updates,
                        None,
                        update.message,
                        task_id=update.task_id,
                        status=update.status,
                    )
                )

        task.watch = on_task
        task.timeout = connection.spec.task_timeout
        as_task = connection.spec.runs_as_task(tool.tool, tool.task_support)

        def call() -> Awaitable[mcp_types.CallToolResult]:
            return connection.call_tool(
                tool.tool,
                arguments,
                read_timeout=self.tool_timeout,
                on_progress=on_progress,
                task=task,
                as_task=as_task,
            )

        outcome: CallOutcome = "ran"
        try:
            try:
                result = await call()
            except ConnectionLost as lost:
                if lost.reached and not (tool.read_only or tool.idempotent):
                    message = f"{lost}. {_NOT_REPLAYED.format(name=tool.name)}"
                    return error_text(message), True, None, "maybe_ran", ()
                # It never reached the server, or repeating it is safe by the
                # server's own word: start the server again and call once more.
                logger.info("replaying %r after a lost connection (reached: %s)", tool.name, lost.reached)
                outcome = "replayed"
                try:
                    result = await call()
                except ConnectionLost as again:
                    if again.reached and not (tool.read_only or tool.idempotent):
                        message = f"{again}. {_NOT_REPLAYED.format(name=tool.name)}"
                        return error_text(message), True, None, "maybe_ran", ()
                    raise ServerError(str(again), server=again.server) from again
        except TaskTimeout as exc:
            return error_text(f"tool {tool.name!r}: {exc}"), True, None, "maybe_ran", ()
        except TimeoutError:
            message = f"tool {tool.name!r} gave no result within {self.tool_timeout:g} s"
            return error_text(message), True, None, "maybe_ran", ()
        except CallFailed as exc:
            return error_text(f"tool {tool.name!r} failed: {exc}"), True, None, "ran", ()
        except ServerError as exc:
            # Raised before the call was sent (the server is down and could not
            # be started), or for a call that certainly never reached it.
            return error_text(f"tool {tool.name!r} could not run: {exc}"), True, None, "not_run", ()
        except Exception as exc:
            # A fault in the SDK or the server's reply must not end the run:
            # the model hears of it like any other failed call.
            logger.exception("tool %r failed unexpectedly", tool.name)
            message = f"tool {tool.name!r} failed: {type(exc).__name__}: {exc}"
            return error_text(message), True, None, "maybe_ran", ()
        rendered = render_result(result)
        return rendered, result.is_error, result.structured_content, outcome, attachments(result.content)

    def _unknown_tool(self, name: str) -> str:
        names = self.toolset.registry.names()
        listed = ", ".join(names[:_MAX_LISTED_TOOLS]) + (" ..." if len(names) > _MAX_LISTED_TOOLS else "")
        return f"there is no tool named {name!r}; the tools are: {listed or '(none)'}"

    def _schema_problem(self, tool: ToolInfo, arguments: dict[str, Any]) -> str | None:
        validator = self.toolset.registry.validator(tool)
        if validator is None:
            return None
        errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.absolute_path))
        if not errors:
            return None
        lines = [_describe_error(e.json_path, e.message) for e in errors[:_MAX_SCHEMA_ERRORS]]
        more = f" (and {len(errors) - _MAX_SCHEMA_ERRORS} more)" if len(errors) > _MAX_SCHEMA_ERRORS else ""
        problems = "; ".join(lines) + more
        return f"arguments for {tool.name!r} do not match its schema: {problems}. {_expected(tool)}"


def _local_problem(local: LocalTool, arguments: dict[str, Any]) -> str | None:
    from jsonschema import Draft202012Validator

    parameters = local.spec["function"]["parameters"]
    errors = sorted(
        Draft202012Validator(parameters).iter_errors(arguments), key=lambda e: list(e.absolute_path)
    )
    if not errors:
        return None
    problems = "; ".join(_describe_error(e.json_path, e.message) for e in errors[:_MAX_SCHEMA_ERRORS])
    return f"arguments for {local.name!r} do not match its schema: {problems}"


def _capped(output: str, limit: int) -> str:
    if len(output) <= limit:
        return output
    hidden = len(output) - limit
    return f"{output[:limit]}\n[output truncated: {hidden} of {len(output)} characters not shown]"


def _parse_arguments(raw: str, tool: ToolInfo | None) -> tuple[dict[str, Any] | None, str | None]:
    """Parse the model's argument string strictly: a JSON object, or an explanation of why not."""
    if not raw.strip():
        # An empty string is how some models call a tool that takes nothing.
        if tool is None or not tool.input_schema.get("required"):
            return {}, None
        return None, f"arguments for {tool.name!r} are empty. {_expected(tool)}"
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        where = f"{tool.name!r}" if tool else "the call"
        expected = f" {_expected(tool)}" if tool else ""
        return None, f"arguments for {where} are not valid JSON ({exc.msg} at position {exc.pos}).{expected}"
    if not isinstance(value, dict):
        expected = f" {_expected(tool)}" if tool else ""
        return None, f"arguments must be a JSON object, not {type(value).__name__}.{expected}"
    if _gateway_wrapped(value, tool):
        # argo-proxy passes arguments it could not parse on as {"raw_arguments": "<text>"}.
        where = f"{tool.name!r}" if tool else "the call"
        expected = f" {_expected(tool)}" if tool else ""
        text = str(value["raw_arguments"])[:200]
        return (
            None,
            f"arguments for {where} are not valid JSON (the gateway passed on the text {text!r}).{expected}",
        )
    return value, None


def _gateway_wrapped(value: dict[str, Any], tool: ToolInfo | None) -> bool:
    if set(value) != {"raw_arguments"} or not isinstance(value["raw_arguments"], str):
        return False
    return tool is None or "raw_arguments" not in tool.input_schema.get("properties", {})


def _expected(tool: ToolInfo) -> str:
    properties = list(tool.parameters.get("properties", {}))
    required = list(tool.parameters.get("required", []))
    return (
        f"Send a JSON object with keys from {properties}"
        + (f", including {required}" if required else "")
        + "."
    )


def _describe_error(path: str, message: str) -> str:
    return message if path == "$" else f"at {path}: {message}"


def cancelled_record(call: ToolCallRequest) -> ToolCallRecord:
    """The record for a call the run stopped before it finished."""
    return ToolCallRecord(
        call_id=call.id,
        name=call.name,
        server=None,
        tool=None,
        raw_arguments=call.arguments,
        arguments=None,
        output=error_text("the run stopped before this tool call finished; its outcome is unknown"),
        is_error=True,
        duration=0.0,
        outcome="maybe_ran",
    )

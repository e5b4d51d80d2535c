"""Events a run emits as it goes, from :meth:`ArgoMCPClient.stream`.

Each event is a frozen dataclass with a ``kind`` tag, so consumers can match on
the class or on ``event.kind``:

```python
async with client.stream("Build a model of E. coli") as events:
    async for event in events:
        match event:
            case TextDelta(text=text):
                print(text, end="")
            case ToolCallStarted(name=name):
                print(f"\\n-> {name}")
            case RunFinished(result=result):
                print(f"\\n{result.turns} turns")
```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from argo_mcp_client.result import RunResult, ToolCallRecord, Usage

__all__ = [
    "Event",
    "HistoryCompacted",
    "ModelRequestStarted",
    "ModelRetrying",
    "ModelSwitched",
    "RateLimited",
    "RunFinished",
    "RunStarted",
    "ServerLog",
    "TextDelta",
    "ToolCallFinished",
    "ToolCallStarted",
    "ToolProgress",
    "TurnFinished",
    "TurnRestarted",
]


@dataclass(frozen=True, slots=True)
class RunStarted:
    """The run began."""

    run_id: str
    model: str
    kind: Literal["run_started"] = field(default="run_started", init=False)


@dataclass(frozen=True, slots=True)
class ModelRequestStarted:
    """A request went to the model."""

    turn: int
    model: str
    attempt: int = 1
    kind: Literal["model_request_started"] = field(default="model_request_started", init=False)


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the model's text, as soon as it arrived."""

    turn: int
    text: str
    kind: Literal["text_delta"] = field(default="text_delta", init=False)


@dataclass(frozen=True, slots=True)
class TurnRestarted:
    """The turn's model request is being made again: drop its text deltas seen so far.

    Sent when a streamed reply could not be assembled (a malformed chunk, a
    stream cut short), which is then asked for again without streaming, and when
    a request that had already sent text fails and is retried or falls back to
    another model. Text deltas of this turn are never sent twice otherwise.
    """

    turn: int
    reason: str
    kind: Literal["turn_restarted"] = field(default="turn_restarted", init=False)


@dataclass(frozen=True, slots=True)
class ModelRetrying:
    """A model request failed in a way worth another try; it is retried after ``delay`` seconds."""

    turn: int
    model: str
    attempt: int
    """The number of the attempt about to be made (2 for the first retry)."""
    delay: float
    reason: str
    kind: Literal["model_retrying"] = field(default="model_retrying", init=False)


@dataclass(frozen=True, slots=True)
class ModelSwitched:
    """The turn goes to the next model of the chain; the history is unchanged."""

    turn: int
    from_model: str
    to_model: str
    reason: str
    kind: Literal["model_switched"] = field(default="model_switched", init=False)


@dataclass(frozen=True, slots=True)
class RateLimited:
    """The model request waits ``delay`` seconds for the model's rate limit (or a 429's pause)."""

    turn: int
    model: str
    delay: float
    reason: str
    kind: Literal["rate_limited"] = field(default="rate_limited", init=False)


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    """A tool call was dispatched to its server (or failed before it could be)."""

    turn: int
    call_id: str
    name: str
    """The name the model used."""
    server: str | None
    tool: str | None
    """The tool's name on its server."""
    arguments: dict[str, Any] | None
    """Parsed arguments, or ``None`` when they were not a JSON object."""
    kind: Literal["tool_call_started"] = field(default="tool_call_started", init=False)


@dataclass(frozen=True, slots=True)
class ToolCallFinished:
    """A tool call finished, successfully or not."""

    turn: int
    call: ToolCallRecord
    kind: Literal["tool_call_finished"] = field(default="tool_call_finished", init=False)


@dataclass(frozen=True, slots=True)
class ToolProgress:
    """A server reported progress on a tool call, or on the task running it."""

    turn: int
    call_id: str
    progress: float
    total: float | None
    message: str | None
    task_id: str | None = None
    """The server's task running the call, when it runs as an MCP task."""
    status: str | None = None
    """The task's status: ``working``, ``input_required``, ``completed``, ``failed`` or ``cancelled``."""
    kind: Literal["tool_progress"] = field(default="tool_progress", init=False)


@dataclass(frozen=True, slots=True)
class ServerLog:
    """A server sent a log message while the run was going (also sent to Python logging)."""

    server: str
    level: str
    logger: str | None
    data: Any
    kind: Literal["server_log"] = field(default="server_log", init=False)


@dataclass(frozen=True, slots=True)
class TurnFinished:
    """A model request and the tool calls it asked for are done."""

    turn: int
    model: str
    usage: Usage
    served_by: str | None = None
    """The model the gateway says answered; argo-proxy answers a name it does not
    know with its default model, so this can differ from ``model``."""
    kind: Literal["turn_finished"] = field(default="turn_finished", init=False)


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The model gave its final answer; ``result`` is what :meth:`ArgoMCPClient.run` returns."""

    result: RunResult
    kind: Literal["run_finished"] = field(default="run_finished", init=False)


@dataclass(frozen=True, slots=True)
class HistoryCompacted:
    """The history was shortened for this turn's request, to fit the model's context.

    Only the request is shortened: the run's messages (and the conversation) keep everything.
    """

    turn: int
    tokens_before: int
    """Estimated tokens of the whole history (and tools)."""
    tokens_after: int
    """Estimated tokens of what was sent."""
    limit: int
    """Tokens the request could hold."""
    shortened: tuple[str, ...]
    """Call ids of the tool results replaced by a one-line summary and their artifact's handle."""
    left_out: int
    """Older messages left out of the request altogether."""
    kind: Literal["history_compacted"] = field(default="history_compacted", init=False)


Event = (
    RunStarted
    | ModelRequestStarted
    | TextDelta
    | TurnRestarted
    | ModelRetrying
    | ModelSwitched
    | RateLimited
    | ToolCallStarted
    | ToolCallFinished
    | ToolProgress
    | ServerLog
    | TurnFinished
    | RunFinished
    | HistoryCompacted
)
"""Any event of a run."""

Emit = Callable[[Event], Awaitable[None]]
"""Hands an event on, waiting if the consumer is behind (the run's own events)."""

Notify = Callable[[Event], None]
"""Hands an event on without waiting, or drops it (events from an MCP reader task)."""

"""The tool-calling loop: ask the model, run the tools it calls, repeat until it answers.

Each turn is one model request plus the tool calls it asked for. The history
(``RunState.messages``) is valid at every await point: an assistant message
with tool calls is only ever appended together with one tool message per
call, so a run stopped anywhere (an error, a cancellation, a consumer that
stopped listening) leaves a conversation that can be sent to a model again.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argo_mcp_client._run.tools import cancelled_record
from argo_mcp_client._telemetry import span
from argo_mcp_client.errors import ArgoMCPError, MaxTurnsExceeded
from argo_mcp_client.events import RunFinished, RunStarted, TurnFinished
from argo_mcp_client.result import RunResult, ToolCallRecord, Usage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from argo_mcp_client._models.chain import ModelChain
    from argo_mcp_client._models.reply import ModelReply, ToolCallRequest
    from argo_mcp_client._run.tools import Dispatcher
    from argo_mcp_client.events import Emit


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What a run needs to know, resolved from the client's defaults and the call's arguments."""

    models: tuple[str, ...]
    """The model, then its fallbacks in order."""
    max_turns: int
    streaming: bool
    deadline: float | None = None
    """Seconds the whole run may take; ``None`` for no limit."""


@dataclass(slots=True)
class RunState:
    """Everything a run has produced so far; valid to read at any await point."""

    messages: list[dict[str, Any]]
    start_index: int
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    usage: dict[str, Usage] = field(default_factory=dict)
    turns: int = 0

    def add_usage(self, model: str, usage: Usage) -> None:
        self.usage[model] = self.usage.get(model, Usage()) + usage

    def result(self, output: str, model: str) -> RunResult:
        return RunResult(
            output=output,
            messages=list(self.messages),
            new_message_index=self.start_index,
            tool_calls=list(self.tool_calls),
            usage=dict(self.usage),
            turns=self.turns,
            model=model,
        )


async def run_loop(
    state: RunState, options: RunOptions, *, chain: ModelChain, dispatcher: Dispatcher, emit: Emit
) -> RunResult:
    """Drive the run to the model's final answer, emitting events on the way."""
    await emit(RunStarted(run_id=state.run_id, model=options.models[0]))
    while True:
        if state.turns >= options.max_turns:
            raise MaxTurnsExceeded(options.max_turns, history=state.messages)
        state.turns += 1
        turn = state.turns
        with span("argo_mcp.turn", **{"argo_mcp.turn": turn}):
            try:
                # Tools a server added or removed since the last turn are offered from this one on.
                tools = (await dispatcher.toolset.refresh()).openai_tools()
                reply, model = await chain.request(
                    turn=turn,
                    models=options.models,
                    messages=state.messages,
                    tools=tools,
                    streaming=options.streaming,
                    emit=emit,
                )
            except ArgoMCPError as exc:
                exc.history = list(state.messages)
                raise
            state.add_usage(model, reply.usage)
            if reply.tool_calls:
                await _answer_tool_calls(state, reply, turn=turn, dispatcher=dispatcher, emit=emit)
            else:
                state.messages.append(reply.assistant_message())
        await emit(TurnFinished(turn=turn, model=model, usage=reply.usage, served_by=reply.model))
        if not reply.tool_calls:
            result = state.result(reply.content or "", model)
            await emit(RunFinished(result=result))
            return result


async def _answer_tool_calls(
    state: RunState, reply: ModelReply, *, turn: int, dispatcher: Dispatcher, emit: Emit
) -> None:
    calls = reply.tool_calls
    records: list[ToolCallRecord | None] = [None] * len(calls)
    try:
        await dispatcher.run_turn(calls, turn=turn, emit=emit, into=records)
    finally:
        # Reached on success, error and cancellation alike, and without an
        # await in between: the assistant message and its answers go in together.
        _append_turn(state, reply, calls, records, images=dispatcher.images_to_model)


def _append_turn(
    state: RunState,
    reply: ModelReply,
    calls: Sequence[ToolCallRequest],
    records: Sequence[ToolCallRecord | None],
    *,
    images: bool = False,
) -> None:
    state.messages.append(reply.assistant_message())
    answers: list[ToolCallRecord] = []
    for call, record in zip(calls, records, strict=True):
        answered = record if record is not None else cancelled_record(call)
        answers.append(answered)
        state.tool_calls.append(answered)
        state.messages.append({"role": "tool", "tool_call_id": call.id, "content": answered.output})
    if images and (parts := image_parts(answers)):
        # Tool messages carry text only; images go to the model in a user message after them.
        state.messages.append({"role": "user", "content": parts})


def image_parts(records: Sequence[ToolCallRecord]) -> list[dict[str, Any]]:
    """The images the tools returned, as OpenAI content parts (empty when there are none)."""
    parts: list[dict[str, Any]] = []
    for record in records:
        for attachment in record.attachments:
            if attachment.kind == "image" and attachment.data is not None:
                if not parts:
                    parts.append({"type": "text", "text": "The images the tools above returned:"})
                encoded = base64.b64encode(attachment.data).decode()
                url = f"data:{attachment.mime_type or 'image/png'};base64,{encoded}"
                parts.append({"type": "text", "text": f"From {record.name} (call {record.call_id}):"})
                parts.append({"type": "image_url", "image_url": {"url": url}})
    return parts

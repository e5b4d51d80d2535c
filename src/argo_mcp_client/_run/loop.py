"""The tool-calling loop: ask the model, run the tools it calls, repeat until it answers.

Each turn is one model request plus the tool calls it asked for. The history
(``RunState.messages``) is valid at every await point: an assistant message
with tool calls is only ever appended together with one tool message per
call, so a run stopped anywhere (an error, a cancellation, a consumer that
stopped listening) leaves a conversation that can be sent to a model again.

What each request sends is decided by the run's ``RequestPlanner`` (the tools
that fit the gateway, the history shortened to the model's budget); the history
itself keeps everything.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argo_mcp_client._run.planner import RequestPlanner
from argo_mcp_client._run.targets import schema_target
from argo_mcp_client._run.tools import cancelled_record
from argo_mcp_client._run.usage import cost_of, limit_reached
from argo_mcp_client._telemetry import span
from argo_mcp_client.errors import ArgoMCPError, MaxTurnsExceeded, OutputValidationError, UsageLimitExceeded
from argo_mcp_client.events import HistoryCompacted, RunFinished, RunStarted, TurnFinished
from argo_mcp_client.result import RunResult, ToolCallRecord, Usage

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from argo_mcp_client._mcp.registry import ToolRegistry
    from argo_mcp_client._models.chain import ModelChain
    from argo_mcp_client._models.reply import ModelReply, ToolCallRequest
    from argo_mcp_client._run.budget import ContextBudget
    from argo_mcp_client._run.output import OutputSpec
    from argo_mcp_client._run.tools import Dispatcher
    from argo_mcp_client._run.usage import Price, UsageLimits
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
    budget: ContextBudget | None = None
    """The tokens a request may hold; ``None`` sends the whole history."""
    tools_payload_limit: int | None = None
    """Bytes of ``tools`` the gateway takes; over it the catalogue chooses."""
    tools_token_limit: int | None = None
    """Tokens the tools may take; over it the catalogue chooses."""
    output: OutputSpec | None = None
    limits: UsageLimits | None = None
    prices: Mapping[str, Price | None] = field(default_factory=dict)
    """Each model's price, for ``RunResult.cost``."""


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

    def result(self, output: Any, model: str, prices: Mapping[str, Price | None]) -> RunResult[Any]:
        return RunResult[Any](
            output=output,
            messages=list(self.messages),
            new_message_index=self.start_index,
            tool_calls=list(self.tool_calls),
            usage=dict(self.usage),
            turns=self.turns,
            model=model,
            cost=cost_of(self.usage, prices),
        )


async def run_loop(
    state: RunState,
    options: RunOptions,
    *,
    chain: ModelChain,
    dispatcher: Dispatcher,
    emit: Emit,
    planner: RequestPlanner | None = None,
) -> RunResult[Any]:
    """Drive the run to the model's final answer, emitting events on the way."""
    planner = planner or RequestPlanner()
    overrides = (
        {"response_format": options.output.response_format()}
        if options.output is not None and options.output.route == "response_format"
        else None
    )
    await emit(RunStarted(run_id=state.run_id, model=options.models[0]))
    while True:
        if state.turns >= options.max_turns:
            raise MaxTurnsExceeded(
                options.max_turns, history=state.messages, tool_calls=state.tool_calls, usage=state.usage
            )
        try:
            # Tools a server added or removed since the last turn are offered from this one on.
            registry = await dispatcher.toolset.refresh()
            first = schema_target(chain.chat.quirks.profiles.profile(options.models[0]))
            prepared = await planner.prepare(state.messages, registry, first)
        except ArgoMCPError as exc:
            exc.history = list(state.messages)
            raise
        _check_limits(state, options, prepared.tokens)
        state.turns += 1
        turn = state.turns
        if prepared.compaction is not None:
            shown = prepared.compaction
            await emit(
                HistoryCompacted(
                    turn=turn,
                    tokens_before=shown.tokens_before + prepared.tokens - shown.tokens_after,
                    tokens_after=prepared.tokens,
                    limit=options.budget.limit if options.budget is not None else 0,
                    shortened=shown.shortened,
                    left_out=shown.left_out,
                )
            )
        with span("argo_mcp.turn", **{"argo_mcp.turn": turn}):
            try:
                reply, model = await chain.request(
                    turn=turn,
                    models=options.models,
                    messages=prepared.messages,
                    tools=_tools_for(prepared.tools, registry, chain),
                    streaming=options.streaming,
                    emit=emit,
                    overrides=overrides,
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
        done, output = _outcome(state, options.output, planner, reply)
        if done:
            result = state.result(output, model, options.prices)
            await emit(RunFinished(result=result))
            return result


def _tools_for(
    planned: list[dict[str, Any]], registry: ToolRegistry, chain: ModelChain
) -> Callable[[str], list[dict[str, Any]]]:
    """The planned tools in the schema form each model's profile says it takes.

    The planner chooses which tools go (and may shorten their descriptions); the
    model that receives them decides the form of their parameters, so a fallback
    to another family mid-turn gets its own form.
    """
    profiles = chain.chat.quirks.profiles

    def tools(model: str) -> list[dict[str, Any]]:
        by_name = registry.openai_tools_by_name(schema_target(profiles.profile(model)))
        return [_in_form(spec, by_name) for spec in planned]

    return tools


def _in_form(spec: dict[str, Any], by_name: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    function = spec.get("function") or {}
    target = by_name.get(str(function.get("name")))
    if target is None or target is spec:
        return spec  # the client's own tools, or already in this form
    return {**target, "function": {**target["function"], "description": function.get("description", "")}}


def _check_limits(state: RunState, options: RunOptions, next_tokens: int) -> None:
    if options.limits is None:
        return
    total = Usage()
    for usage in state.usage.values():
        total = total + usage
    reason = limit_reached(
        options.limits,
        requests=total.requests,
        tokens=total.total_tokens,
        cost=cost_of(state.usage, options.prices),
        next_tokens=next_tokens,
    )
    if reason is not None:
        raise UsageLimitExceeded(reason, history=state.messages)


def _outcome(
    state: RunState, output: OutputSpec | None, planner: RequestPlanner, reply: ModelReply
) -> tuple[bool, Any]:
    """Whether the run is over after this turn, and its output."""
    if output is None:
        return not reply.tool_calls, reply.content or ""
    if planner.final:
        return True, planner.final[0]
    if output.route == "response_format" and not reply.tool_calls:
        value, problem = output.from_text(reply.content)
        if problem is None:
            return True, value
        planner.output_failures += 1
        planner.last_output_error = problem
    elif output.route == "tool" and not reply.tool_calls:
        planner.output_failures += 1
        planner.last_output_error = "the model answered in text instead of calling final_answer"
        problem = planner.last_output_error
    elif reply.tool_calls:
        if planner.output_failures > output.retries:
            raise OutputValidationError(planner.last_output_error, history=state.messages)
        return False, None
    else:  # pragma: no cover - the routes above are all there are
        return False, None
    if planner.output_failures > output.retries:
        raise OutputValidationError(planner.last_output_error, history=state.messages)
    state.messages.append({"role": "user", "content": f"{problem}. {output.instruction()}"})
    return False, None


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

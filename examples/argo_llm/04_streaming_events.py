"""Tutorial 04: the event stream, every kind of event, as a timeline.

``client.stream(...)`` yields a typed event for everything a run does: each
model request, each piece of text, retries and model switches, each tool call
as it starts, reports progress and finishes, server log messages, the end of
each turn and of the run. This tutorial runs the Gem-Flux workflow (build,
gapfill, FBA) and prints each event with its time since the start, using one
``match`` over every event class: copy it as the skeleton of your own
progress display, logger or notebook widget.

    python examples/argo_llm/04_streaming_events.py            # argo-proxy if it answers
    python examples/argo_llm/04_streaming_events.py --offline  # the simulated model
    python examples/argo_llm/04_streaming_events.py --offline --rough-gateway

With no endpoint reachable it runs the built-in simulated model, which is a
simulation: the tool calls and their results are real, the "model" is not.
``--rough-gateway`` makes the simulated gateway fail the first request (503)
and cut the next streamed reply short, so the timeline also shows a retry and
a restarted turn.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import TYPE_CHECKING, assert_never

from argo_mcp_client import (
    ArgoMCPClient,
    Event,
    HistoryCompacted,
    ModelRequestStarted,
    ModelRetrying,
    ModelSwitched,
    RateLimited,
    RunFinished,
    RunStarted,
    ServerLog,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolProgress,
    TurnFinished,
    TurnRestarted,
)
from argo_mcp_client.simulation import respond
from argo_mcp_client.testing import (
    ScriptedFailure,
    ScriptedRawStream,
    ScriptedReply,
    ScriptedRequest,
    failure,
    raw_stream,
)

# Run as a script, this folder is on sys.path; the type checker reads it from the repository root.
if TYPE_CHECKING:
    from examples.argo_llm._common import (
        MEDIUM,
        SEQUENCES,
        Responder,
        choose_backend,
        make_parser,
        run_tutorial,
        servers_from,
    )
else:
    from _common import (
        MEDIUM,
        SEQUENCES,
        Responder,
        choose_backend,
        make_parser,
        run_tutorial,
        servers_from,
    )

PROMPT = (
    f"Build a draft model named E_coli_K12 from these protein sequences: {json.dumps(SEQUENCES)}. "
    f"Then gapfill it on {MEDIUM}, run FBA on the gapfilled model, and tell me the growth rate."
)


def describe(event: Event) -> str:
    """One line about an event: a ``match`` with a case for every event class."""
    match event:
        case RunStarted(run_id=run_id, model=model):
            return f"run {run_id} with {model}"
        case ModelRequestStarted(turn=turn, model=model, attempt=attempt):
            return f"turn {turn}: asking {model} (attempt {attempt})"
        case TextDelta(turn=turn, text=text):
            return f"turn {turn}: {text!r}"
        case TurnRestarted(turn=turn, reason=reason):
            return f"turn {turn}: drop this turn's text so far; asking again ({reason})"
        case ModelRetrying(turn=turn, model=model, attempt=attempt, delay=delay, reason=reason):
            return f"turn {turn}: {model} failed ({reason}); attempt {attempt} in {delay:.2f} s"
        case ModelSwitched(turn=turn, from_model=old, to_model=new, reason=reason):
            return f"turn {turn}: {old} -> {new} ({reason})"
        case RateLimited(turn=turn, model=model, delay=delay, reason=reason):
            return f"turn {turn}: waiting {delay:.2f} s for {model} ({reason})"
        case ToolCallStarted(turn=turn, server=server, tool=tool, arguments=arguments):
            return f"turn {turn}: {server}.{tool}({json.dumps(arguments)[:80]})"
        case ToolProgress(call_id=call_id, progress=progress, total=total, message=message):
            return f"call {call_id}: {progress}/{total if total is not None else '?'} {message or ''}"
        case ToolCallFinished(turn=turn, call=call):
            return f"turn {turn}: {call.tool} {'failed' if call.failed else 'ok'} in {call.duration:.2f} s"
        case ServerLog(server=server, level=level, data=data):
            return f"{server} [{level}] {data}"
        case TurnFinished(turn=turn, model=model, usage=usage, served_by=served_by):
            served = f", served by {served_by}" if served_by and served_by != model else ""
            return f"turn {turn}: done, {usage.total_tokens} tokens{served}"
        case RunFinished(result=result):
            return f"{result.turns} turns, {len(result.tool_calls)} tool calls: {result.output}"
        case HistoryCompacted(turn=turn, tokens_before=before, tokens_after=after):
            return f"turn {turn}: history shortened for the request, {before} -> {after} tokens"
        case _:
            assert_never(event)  # a type checker flags any event class left out above


def rough(responder: Responder) -> Responder:
    """The simulated gateway, made unreliable: a 503, then a streamed reply cut short."""
    seen = 0

    def respond(request: ScriptedRequest) -> ScriptedReply | ScriptedFailure | ScriptedRawStream | str:
        nonlocal seen
        seen += 1
        if seen == 1:
            return failure(503, "upstream busy (injected)")
        if seen == 2 and request.stream:
            chunk = {
                "id": "chatcmpl-cut",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": request.model,
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Let me "}}],
            }
            return raw_stream(f"data: {json.dumps(chunk)}\n\n")  # no finish reason: the stream was cut
        return responder(request)

    return respond


async def main() -> int:
    parser = make_parser(__doc__ or "")
    parser.add_argument(
        "--rough-gateway", action="store_true", help="with the simulated model: inject a 503 and a cut stream"
    )
    args = parser.parse_args()
    backend = await choose_backend(args, responder=rough(respond) if args.rough_gateway else None)
    print(f"Model: {backend.description}.")
    if args.rough_gateway and not backend.scripted:
        print("(--rough-gateway only applies to the simulated model; ignored.)")
    servers = servers_from(args)
    seen: Counter[str] = Counter()
    async with ArgoMCPClient(servers=servers, **backend.client_options) as client:
        print(f"Servers: {', '.join(s.name for s in servers)} ({len(client.tools)} tools)")
        print(f"\nYou: {PROMPT}\n")
        start = time.perf_counter()
        async with client.stream(PROMPT) as events:
            async for event in events:
                seen[event.kind] += 1
                print(f"{time.perf_counter() - start:+8.3f} s  {event.kind:<22} {describe(event)}")
    print("\nEvents seen: " + ", ".join(f"{kind} x{count}" for kind, count in seen.items()))
    return 0


if __name__ == "__main__":
    run_tutorial(main)

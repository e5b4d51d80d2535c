"""Tutorial 05: when the gateway has a bad day: retries, fallback models, circuit breakers.

The client is given a primary model and a fallback. Here the primary is down:
every request to it fails with HTTP 503. The tutorial shows what the client
does about it, step by step:

1. the failing request is retried, with a short backoff (``ModelRetrying`` events);
2. after repeated failures the turn goes to the fallback model with the same
   history (``ModelSwitched``), and the run succeeds;
3. the primary's circuit breaker is now open (``client.breakers[...]``), so
4. a second run skips the primary at once instead of waiting on it;
5. once the cooldown has passed, one probe request decides: the primary is
   back, so its breaker closes again.

This is always a SIMULATION, never a real endpoint, whatever options are given:
the "gateway" is the library's scripted model, plugged into the client's HTTP
transport, with the failures injected on purpose. The tool calls are real (the
Gem-Flux reference server's ``list_media``, or the first tool needing no
arguments of a server given with ``--server``).

    python examples/argo_llm/05_resilience.py
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argo_mcp_client import (
    ArgoMCPClient,
    BreakerSettings,
    ModelRequestStarted,
    ModelRetrying,
    ModelSwitched,
    RetryPolicy,
    RunFinished,
    ToolCallFinished,
)
from argo_mcp_client.simulation import respond
from argo_mcp_client.testing import ScriptedFailure, ScriptedModel, ScriptedReply, ScriptedRequest, failure

# Run as a script, this folder is on sys.path; the type checker reads it from the repository root.
if TYPE_CHECKING:
    from examples.argo_llm._common import make_parser, run_tutorial, servers_from
else:
    from _common import make_parser, run_tutorial, servers_from

PRIMARY = "argo:claude-4.5-sonnet"
FALLBACK = "argo:gpt-4o"
PROMPT = "Which growth media are available?"


class SimulatedGateway:
    """A scripted model whose primary is down until ``recover()``; the fallback always answers."""

    def __init__(self) -> None:
        self.primary_down = True
        self.model = ScriptedModel(self.respond)

    def respond(self, request: ScriptedRequest) -> ScriptedReply | ScriptedFailure | str:
        if request.model == PRIMARY and self.primary_down:
            return failure(503, "Service Unavailable (injected)")
        result: ScriptedReply = respond(request)  # the simulated model: list_media, then a summary
        return result

    def recover(self) -> None:
        self.primary_down = False

    def requests_to(self, model: str) -> int:
        return sum(1 for r in self.model.requests if r.model == model)


class SimulatedClock:
    """A clock the breakers read, moved by hand, so the cooldown passes without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def run_once(client: ArgoMCPClient, title: str) -> None:
    """One run, printing the events about models and tools as they happen."""
    print(f"\n== {title}\nYou: {PROMPT}")
    async with client.stream(PROMPT) as events:
        async for event in events:
            match event:
                case ModelRequestStarted(turn=turn, model=model, attempt=attempt):
                    print(f"  turn {turn}: request to {model} (attempt {attempt})")
                case ModelRetrying(turn=turn, model=model, attempt=attempt, delay=delay, reason=reason):
                    print(
                        f"  turn {turn}: retrying {model}, attempt {attempt} in {delay:.2f} s after: {reason}"
                    )
                case ModelSwitched(turn=turn, from_model=old, to_model=new, reason=reason):
                    print(f"  turn {turn}: switched {old} -> {new}, because: {reason}")
                case ToolCallFinished(turn=turn, call=call):
                    status = "failed" if call.failed else "ok"
                    print(f"  turn {turn}: tool call {call.server}.{call.tool} -> {status}")
                case RunFinished(result=result):
                    print(f"Assistant: {result.output[:160]}")
                    print(f"  answered by: {', '.join(sorted(result.usage))}")


def show_breakers(client: ArgoMCPClient) -> None:
    for name in (PRIMARY, FALLBACK):
        breaker = client.breakers[name]
        wait = f", probe allowed in {breaker.retry_in():.0f} s" if breaker.state == "open" else ""
        print(f"  breaker of {name}: {breaker.state} ({breaker.failures} consecutive failures{wait})")


async def main() -> int:
    parser = make_parser(__doc__ or "")
    args = parser.parse_args()  # --model, --base-url and --offline change nothing: this is always simulated
    gateway = SimulatedGateway()
    clock = SimulatedClock()
    print(
        "Model: a SIMULATED gateway (the library's scripted model, no LLM and no network), "
        f"with {PRIMARY} failing on purpose and {FALLBACK} as its fallback."
    )
    servers = servers_from(args)
    async with ArgoMCPClient(
        servers=servers,
        model=PRIMARY,
        fallback_models=[FALLBACK],
        http_client=gateway.model.http_client(),
        # Small delays so the tutorial is quick; the defaults (0.5 s doubling, up to 8 s) suit a real gateway.
        retry=RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2),
        # Three failures in a row open a breaker; after 60 s one probe request may test the model again.
        breaker=BreakerSettings(failure_threshold=3, cooldown=60),
        clock=clock,
    ) as client:
        print(f"Servers: {', '.join(s.name for s in servers)} ({len(client.tools)} tools)")

        await run_once(client, f"Run 1: {PRIMARY} is down")
        show_breakers(client)

        before = gateway.requests_to(PRIMARY)
        await run_once(client, f"Run 2: {PRIMARY}'s breaker is open")
        print(f"  requests sent to {PRIMARY} in run 2: {gateway.requests_to(PRIMARY) - before}")

        gateway.recover()
        clock.now += 61  # the cooldown passes (simulated time: no waiting)
        print(
            f"\n{PRIMARY} is back, and the cooldown is over: its breaker is {client.breakers[PRIMARY].state}"
        )
        await run_once(client, "Run 3: one probe request decides")
        show_breakers(client)
    return 0


if __name__ == "__main__":
    run_tutorial(main)

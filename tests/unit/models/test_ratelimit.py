"""Rate limits: a sliding window per model that holds under any concurrency, and 429s that slow everyone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from argo_mcp_client import ArgoMCPClient, Event, RateLimit, RateLimited, RetryPolicy
from argo_mcp_client._models.ratelimit import limit_for
from argo_mcp_client._models.shared_state import InProcessState, next_start
from argo_mcp_client.testing import ScriptedModel, ScriptedRequest, Step, failure, reply
from support.virtual_time import VirtualTime


def test_requests_wait_for_the_oldest_in_the_window_to_leave_it() -> None:
    limit = RateLimit(requests=2, per=10)
    assert next_start([], 0, limit, 0) == 0
    assert next_start([(0, 0)], 1, limit, 0) == 1
    assert next_start([(0, 0), (1, 0)], 2, limit, 0) == 10
    assert next_start([(0, 0), (1, 0), (10, 0)], 10, limit, 0) == 11


def test_tokens_wait_until_the_window_has_room_for_the_estimate() -> None:
    limit = RateLimit(tokens=100, per=60)
    assert next_start([(0, 60)], 5, limit, 30) == 5
    assert next_start([(0, 60), (5, 30)], 6, limit, 20) == 60
    assert next_start([], 0, limit, 500) == 0  # a request bigger than the limit still goes, alone


def test_a_pause_holds_back_even_an_unlimited_model() -> None:
    assert next_start([], 1, RateLimit(requests=5), 0, not_before=7) == 7


def test_a_model_gets_the_users_limit_by_alias_or_glob_else_its_profiles() -> None:
    mine = RateLimit(requests=10)
    assert limit_for("argo:gpt-4o", {"gpt4o": mine}) is mine
    assert limit_for("claudesonnet45", {"claude*": mine}) is mine
    assert limit_for("gpt41") == RateLimit()  # no profile limit known: unlimited


async def test_the_in_process_state_hands_out_start_times_in_order() -> None:
    clock = VirtualTime()
    state = InProcessState(clock)
    limit = RateLimit(requests=3, per=60)
    delays = [await state.reserve("gpt4o", limit, 0) for _ in range(7)]
    assert delays == [0, 0, 0, 60, 60, 60, 120]


async def run_concurrently(
    client: ArgoMCPClient, clock: VirtualTime, prompts: list[str], on_event: Callable[[Event], None]
) -> None:
    async def one(prompt: str) -> None:
        async with client.stream(prompt) as events:
            async for event in events:
                on_event(event)

    with anyio.fail_after(10):
        async with anyio.create_task_group() as driver:
            driver.start_soon(clock.drive)
            async with anyio.create_task_group() as runs:
                for prompt in prompts:
                    runs.start_soon(one, prompt)
            driver.cancel_scope.cancel()


def paced_client(
    responder: Callable[[ScriptedRequest], Step | Awaitable[Step]], clock: VirtualTime, **options: Any
) -> ArgoMCPClient:
    model = ScriptedModel(responder)
    client = ArgoMCPClient(http_client=model.http_client(), model="scripted", clock=clock, **options)
    client._chain.gate.sleep = clock.sleep  # type: ignore[union-attr]  # waits in simulated time
    return client


@pytest.mark.parametrize("concurrency", [1, 5, 20])
async def test_a_request_limit_holds_under_any_concurrency(concurrency: int) -> None:
    clock = VirtualTime()
    arrivals: list[float] = []

    def respond(request: ScriptedRequest) -> Step:
        arrivals.append(clock())  # counted by the model's side, at arrival
        return reply("ok")

    limit = RateLimit(requests=3, per=10)
    client = paced_client(respond, clock, rate_limits={"scripted": limit})
    waits: list[RateLimited] = []
    async with client:
        for start in range(0, 12, concurrency):
            prompts = [f"q{i}" for i in range(start, min(12, start + concurrency))]
            await run_concurrently(
                client, clock, prompts, lambda e: waits.append(e) if isinstance(e, RateLimited) else None
            )

    assert len(arrivals) == 12
    for first in arrivals:
        in_window = [t for t in arrivals if first <= t < first + limit.per]
        assert len(in_window) <= 3, (first, arrivals)
    assert arrivals[-1] == 30  # and no slower than the limit: 3 at 0, 10, 20 and 30
    assert len(waits) == {1: 3, 5: 6, 20: 9}[concurrency]  # each request that could not start at once
    assert all(w.model == "scripted" and w.delay > 0 for w in waits)


async def test_a_429_slows_every_request_to_the_model_not_only_its_own() -> None:
    clock = VirtualTime()
    arrivals: list[tuple[float, str]] = []
    throttled = False

    def respond(request: ScriptedRequest) -> Step:
        nonlocal throttled
        prompt = str(request.messages[-1]["content"])
        arrivals.append((clock(), prompt))
        if not throttled:
            throttled = True
            return failure(429, "slow down", {"retry-after": "5"})
        return reply("ok")

    client = paced_client(respond, clock, retry=RetryPolicy(attempts=2, base_delay=0, max_delay=0))
    client._chain.sleep = clock.sleep  # the retry's own wait, in simulated time too
    async with client:
        seen: list[Event] = []

        async def first_then_others() -> None:
            async with anyio.create_task_group() as driver:
                driver.start_soon(clock.drive)
                async with client.stream("first") as events:
                    async for event in events:
                        seen.append(event)
                        if event.kind == "model_retrying":
                            await run_concurrently(client, clock, ["second", "third"], seen.append)
                driver.cancel_scope.cancel()

        with anyio.fail_after(10):
            await first_then_others()

    assert arrivals[0] == (0.0, "first")
    later = sorted(arrivals[1:])
    assert sorted(prompt for _, prompt in later) == ["first", "second", "third"]
    assert all(time >= 5 for time, _ in later), arrivals
    assert any(
        isinstance(e, RateLimited) and e.reason.startswith("the gateway said to slow down") for e in seen
    )

"""The shared-state seam: the client asks its SharedState about every request, whatever implements it."""

from __future__ import annotations

from argo_mcp_client import ArgoMCPClient, BreakerSettings, InProcessState, RateLimit, SharedState
from argo_mcp_client._models.shared_state import Admission
from argo_mcp_client.testing import ScriptedModel, failure, reply


class RecordingState(InProcessState):
    """The in-process state, noting each call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    async def breaker_acquire(self, model: str, settings: BreakerSettings) -> Admission:
        self.calls.append(f"acquire {model}")
        return await super().breaker_acquire(model, settings)

    async def breaker_failure(self, model: str, settings: BreakerSettings, *, probe: bool) -> bool:
        self.calls.append(f"failure {model}")
        return await super().breaker_failure(model, settings, probe=probe)

    async def breaker_success(self, model: str) -> None:
        self.calls.append(f"success {model}")
        await super().breaker_success(model)

    async def reserve(self, model: str, limit: RateLimit, cost: int) -> float:
        self.calls.append(f"reserve {model}")
        return await super().reserve(model, limit, cost)

    async def slow_down(self, model: str, seconds: float) -> None:
        self.calls.append(f"slow_down {model} {seconds:g}")
        await super().slow_down(model, seconds)


def test_the_in_process_state_is_a_shared_state() -> None:
    assert isinstance(InProcessState(), SharedState)


async def test_every_request_goes_through_the_given_state() -> None:
    state = RecordingState()
    model = ScriptedModel([failure(503), reply("fine")])
    client = ArgoMCPClient(http_client=model.http_client(), model="gpt4o", shared_state=state)
    client._chain.sleep = _no_wait  # the retry's backoff
    async with client:
        result = await client.run("hi")
    assert result.output == "fine"
    # No limit for gpt4o: its admission answers for a 429's pause too, so no reservation is asked for.
    assert state.calls == ["acquire gpt4o", "failure gpt4o", "success gpt4o"]


async def test_a_limited_model_reserves_its_start_before_each_attempt() -> None:
    state = RecordingState()
    model = ScriptedModel([failure(503), reply("fine")])
    client = ArgoMCPClient(
        http_client=model.http_client(), model="gpt4o", shared_state=state,
        rate_limits={"gpt4o": RateLimit(requests=100)},
    )  # fmt: skip
    client._chain.sleep = _no_wait
    async with client:
        await client.run("hi")
    assert state.calls == [
        "acquire gpt4o", "reserve gpt4o", "failure gpt4o", "reserve gpt4o", "success gpt4o"
    ]  # fmt: skip


async def test_a_breaker_opened_in_the_shared_state_is_seen_as_open_by_the_client() -> None:
    state = InProcessState()  # as another client of this process left it: gpt4o's breaker open
    for _ in range(BreakerSettings().failure_threshold):
        await state.breaker_failure("gpt4o", BreakerSettings(), probe=False)
    model = ScriptedModel([reply("from the fallback")])
    client = ArgoMCPClient(
        http_client=model.http_client(), model="gpt4o", fallback_models=["gpt41"], shared_state=state
    )
    async with client:
        result = await client.run("hi")
    assert result.model == "gpt41"
    assert [r.model for r in model.requests] == ["gpt41"]


async def _no_wait(seconds: float) -> None:
    pass

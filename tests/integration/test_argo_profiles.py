"""Requests shaped per model profile, against the simulated Argo upstream's refusals and faults.

Each behaviour the real gateway shows (quoted in the simulator with its real wording)
gets a test named for it. Through the real argo-proxy 3.3.3 where the proxy passes the
behaviour on; straight against the simulated upstream where the proxy would repair it
itself (it unwinds Gemini's parallel calls and renames ``max_tokens``), since its
``--dev`` passthrough, older proxies and other gateways do not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import pytest

from argo_mcp_client import (
    ArgoMCPClient,
    EmptyCompletion,
    InProcessServer,
    ModelProfile,
    ModelRetrying,
    ModelSwitched,
    RetryPolicy,
)
from argo_mcp_client._history import check_history
from integration import conftest_argo
from integration.argo_upstream_sim import (
    GEM_FLUX_MEDIUM,
    SIMULATED_MODELS,
    ArgoUpstreamSimulator,
    EmptyAnswer,
    LeakedToolCall,
    ModelTurn,
    RateLimitWindow,
    ReceivedRequest,
    SimulatedModel,
    SimulatedToolCall,
    argo_upstream_simulator,
    tool_results,
)
from integration.conftest_argo import ArgoProxy
from integration.test_argo_proxy import (
    CLAUDE,
    FAST_RETRY,
    GEMINI,
    GPT,
    Connect,
    assert_workflow_done,
    gem_flux_module,
    observe,
)

__all__ = ["gem_flux_module"]  # a fixture of this module too

REASONING = SimulatedModel("GPT-5 Mini", "gpt5mini", "openai", "gpt-5-mini-2025-08-07")

argo_proxy = conftest_argo.argo_proxy

pytestmark = pytest.mark.compat("argo-proxy")

STREAMING = pytest.mark.parametrize("streaming", [True, False], ids=["stream", "no-stream"])


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def argo_upstream() -> Iterator[ArgoUpstreamSimulator]:
    """The simulated upstream with a reasoning model besides the usual four."""
    with argo_upstream_simulator((*SIMULATED_MODELS, REASONING)) as simulator:
        yield simulator


@pytest.fixture(autouse=True)
def fresh_upstream(argo_upstream: ArgoUpstreamSimulator) -> Iterator[None]:
    argo_upstream.reset()
    yield
    argo_upstream.reset()


def _connect(base_url: str, gem_flux_module: ModuleType) -> Connect:
    @asynccontextmanager
    async def connect(**options: Any) -> AsyncIterator[ArgoMCPClient]:
        server = InProcessServer(name="gemflux", server=gem_flux_module.create_server())
        options = {"model": GPT, "retry": FAST_RETRY, "request_timeout": 30, **options}
        async with ArgoMCPClient(servers=[server], base_url=base_url, **options) as client:
            yield client

    return connect


@pytest.fixture
def via_proxy(argo_proxy: ArgoProxy, gem_flux_module: ModuleType) -> Connect:
    """A client of the test's own, through the real argo-proxy."""
    return _connect(argo_proxy.base_url, gem_flux_module)


@pytest.fixture
def direct(argo_upstream: ArgoUpstreamSimulator, gem_flux_module: ModuleType) -> Connect:
    """A client of the test's own, straight against the simulated upstream (nothing repairs requests)."""
    return _connect(f"{argo_upstream.base_url}/v1", gem_flux_module)


def parallel_brain(request: ReceivedRequest) -> ModelTurn:
    """Gem-Flux with two drafts built in one turn (parallel calls), then gapfill and FBA on the first."""
    results = tool_results(request)
    if not results:
        return ModelTurn(
            None,
            tuple(
                SimulatedToolCall(
                    "build_model", {"protein_sequences": {"p1": "MKLVINLVGNSGLGKSTF"}, "model_name": n}
                )
                for n in ("ecoli", "ecoli_b")
            ),
        )
    import json

    last = json.loads(results[-1])
    if len(results) == 2:
        first = json.loads(results[0])
        return ModelTurn(
            None,
            (
                SimulatedToolCall(
                    "gapfill_model", {"model_id": first["model_id"], "media_id": GEM_FLUX_MEDIUM}
                ),
            ),
        )
    if len(results) == 3:
        return ModelTurn(
            None, (SimulatedToolCall("run_fba", {"model_id": last["model_id"], "media_id": GEM_FLUX_MEDIUM}),)
        )
    return ModelTurn(f"Growth rate: {last['objective_value']:.3f} per hour.")


# -- 1. Gemini refuses parallel calls in the history -----------------------------------------------


@pytest.mark.not_compat("straight against the simulated upstream: no argo-proxy in between")
@STREAMING
async def test_gemini_parallel_calls_are_sent_as_single_call_steps(
    direct: Connect, argo_upstream: ArgoUpstreamSimulator, streaming: bool
) -> None:
    argo_upstream.brain = parallel_brain
    argo_upstream.refusals.parallel_calls_in_history = True

    async with direct(model="gemini25flash") as client:
        observed = await observe(client, streaming=streaming)
        assert client.profiles.profile("gemini25flash").native_tools  # not switched to prompt tools

    assert observed.error is None, observed.error
    result = observed.result
    assert result is not None
    assert [c.tool for c in result.tool_calls] == ["build_model", "build_model", "gapfill_model", "run_fba"]
    assert result.output.startswith("Growth rate:")
    check_history(result.messages)
    # The conversation keeps the parallel turn; the upstream only ever saw single-call steps,
    # streamed when asked, with native tools.
    assert any(len(m.get("tool_calls") or ()) == 2 for m in result.messages)
    requests = argo_upstream.chat_requests()
    assert all(len(m.get("tool_calls") or ()) <= 1 for r in requests for m in r.messages)
    assert all(r.body.get("tools") for r in requests)
    assert [r.stream for r in requests] == [streaming] * len(requests)
    assert not observed.of(ModelRetrying)


# -- 2. parameter rules ----------------------------------------------------------------------------


@STREAMING
async def test_reasoning_model_temperature_is_dropped_through_the_proxy(
    via_proxy: Connect, argo_upstream: ArgoUpstreamSimulator, streaming: bool
) -> None:
    argo_upstream.refusals.reasoning_parameters = True

    async with via_proxy(model="gpt5mini", temperature=0.2, max_tokens=800) as client:
        observed = await observe(client, streaming=streaming)

    assert_workflow_done(observed.result)
    requests = argo_upstream.chat_requests()
    assert all("temperature" not in r.body for r in requests)
    assert all(r.body.get("max_completion_tokens") == 800 for r in requests)
    assert not observed.of(ModelRetrying)


@pytest.mark.not_compat("straight against the simulated upstream: no argo-proxy in between")
async def test_reasoning_model_max_tokens_is_sent_as_max_completion_tokens_where_nothing_renames_it(
    direct: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    argo_upstream.refusals.reasoning_parameters = True

    async with direct(model="gpt5mini", temperature=0.2, max_tokens=800) as client:
        observed = await observe(client, streaming=True)

    assert_workflow_done(observed.result)
    requests = argo_upstream.chat_requests()
    assert all("max_tokens" not in r.body and "temperature" not in r.body for r in requests)
    assert all(r.body["max_completion_tokens"] == 800 for r in requests)


@STREAMING
async def test_claude_temperature_with_top_p_keeps_only_temperature(
    via_proxy: Connect, argo_upstream: ArgoUpstreamSimulator, streaming: bool
) -> None:
    argo_upstream.refusals.temperature_with_top_p = True

    async with via_proxy(model=CLAUDE, temperature=0.2, request_settings={"top_p": 0.9}) as client:
        observed = await observe(client, streaming=streaming)

    assert_workflow_done(observed.result)
    requests = argo_upstream.chat_requests()
    assert all(r.body.get("temperature") == 0.2 and "top_p" not in r.body for r in requests)
    assert not observed.of(ModelRetrying)


async def test_claude_refusal_of_top_p_is_learned_when_the_profile_does_not_know_it(
    via_proxy: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    argo_upstream.refusals.temperature_with_top_p = True
    unknowing = {CLAUDE: ModelProfile(family="anthropic", exclusive_temperature_top_p=False)}

    async with via_proxy(
        model=CLAUDE, temperature=0.2, request_settings={"top_p": 0.9}, model_profiles=unknowing
    ) as client:
        observed = await observe(client, streaming=True)
        assert client.profiles.profile(CLAUDE).exclusive_temperature_top_p
        assert client.profiles.profile(CLAUDE).learned

    assert_workflow_done(observed.result)
    # Refused once, then every request without top_p.
    requests = argo_upstream.chat_requests()
    assert "top_p" in requests[0].body
    assert all("top_p" not in r.body for r in requests[1:])


# -- 3. empty completions --------------------------------------------------------------------------


@STREAMING
async def test_empty_completion_is_retried_then_falls_back(
    via_proxy: Connect, argo_upstream: ArgoUpstreamSimulator, streaming: bool
) -> None:
    argo_upstream.inject(EmptyAnswer(), model="gpt4o", times=None)

    async with via_proxy(model=GPT, fallback_models=[CLAUDE]) as client:
        observed = await observe(client, streaming=streaming)

    result = assert_workflow_done(observed.result)
    assert result.model == CLAUDE
    assert observed.of(ModelSwitched)
    assert [r.fault for r in argo_upstream.chat_requests("gpt4o")][:3] == ["empty-answer"] * 3


@STREAMING
async def test_empty_completion_without_fallback_is_a_model_error_after_bounded_retries(
    via_proxy: Connect, argo_upstream: ArgoUpstreamSimulator, streaming: bool
) -> None:
    argo_upstream.inject(EmptyAnswer(), model="gpt4o", times=None)

    async with via_proxy(model=GPT) as client:
        observed = await observe(client, streaming=streaming)

    assert isinstance(observed.error, EmptyCompletion)
    assert observed.result is None
    assert len(argo_upstream.chat_requests("gpt4o")) == FAST_RETRY.attempts
    assert observed.error.history is not None
    check_history(observed.error.history)


# -- 4. Claude's tool call leaked into its text ----------------------------------------------------


@STREAMING
async def test_claude_leaked_tool_call_repr_is_run(
    via_proxy: Connect, argo_upstream: ArgoUpstreamSimulator, streaming: bool
) -> None:
    argo_upstream.inject(LeakedToolCall(), model="claudesonnet45", times=None)

    async with via_proxy(model=CLAUDE) as client:
        observed = await observe(client, streaming=streaming)

    result = assert_workflow_done(observed.result)
    assert all(r.fault == "leaked-tool-call" for r in argo_upstream.chat_requests())
    assert all("'type': 'tool_use'" not in (m.get("content") or "") for m in result.messages)


# -- 5. a 429 that lasts 2 s -----------------------------------------------------------------------


async def test_rate_limit_lasting_two_seconds_is_outlasted_by_the_429_backoff(
    via_proxy: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    argo_upstream.inject(RateLimitWindow(seconds=2.0), model="gpt4o", times=None)

    async with via_proxy(model=GPT, retry=RetryPolicy()) as client:
        observed = await observe(client, streaming=True)

    assert_workflow_done(observed.result)
    retries = observed.of(ModelRetrying)
    assert retries
    assert all("429" in r.reason for r in retries)
    assert sum(r.delay for r in retries) >= 2.0
    assert argo_upstream.chat_requests()[0].fault == "rate-limit-window"


# -- 6. strict schemas -----------------------------------------------------------------------------
@pytest.mark.not_compat("straight against the simulated upstream: no argo-proxy in between")
async def test_gpt_receives_strict_tools_and_the_server_sees_its_own_arguments(
    direct: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    async with direct(model="gpt4o") as client:
        observed = await observe(client, streaming=True)

    # assert_workflow_done checks the arguments each server call received: exactly the model's.
    assert_workflow_done(observed.result)
    sent = {t["function"]["name"]: t["function"] for t in argo_upstream.chat_requests()[0].body["tools"]}
    assert sent["gapfill_model"]["strict"] is True
    assert sent["gapfill_model"]["parameters"]["additionalProperties"] is False
    assert "strict" not in sent["build_model"]  # a map of sequences: not expressible strictly


async def test_claude_and_gemini_receive_plain_tools(
    via_proxy: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    for model in (CLAUDE, GEMINI):
        async with via_proxy(model=model) as client:
            observed = await observe(client, streaming=False)
        assert_workflow_done(observed.result)
    for request in argo_upstream.chat_requests():
        tools = request.body.get("tools") or []
        assert all("strict" not in (t.get("function") or t) for t in tools)

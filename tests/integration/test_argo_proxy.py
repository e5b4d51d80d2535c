"""The client through the real argo-proxy (PyPI ``argo-proxy`` 3.3.x), against a simulated Argo upstream.

argo-proxy runs as a subprocess on 127.0.0.1, converting the client's OpenAI
requests into what Argo's native API takes (OpenAI Chat Completions for GPT and
Gemini, Anthropic Messages for Claude) and the answers back. The upstream is
:mod:`integration.argo_upstream_sim`, a simulation whose model drives the
Gem-Flux workflow (build, gapfill, FBA) and whose faults are injected per test;
the Gem-Flux reference server computes for real.

The workflow matrix shares one client over stdio (starting the server and
loading its reference model costs seconds); the fault tests each have a client
of their own, configured for the fault, with the Gem-Flux server in process.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx2
import pytest

from argo_mcp_client import (
    AllModelsFailed,
    ArgoMCPClient,
    ArgoMCPError,
    BreakerSettings,
    Event,
    GatewayError,
    InProcessServer,
    ModelRetrying,
    ModelSwitched,
    RetryPolicy,
    RunFinished,
    RunResult,
    StdioServer,
    TextDelta,
    TurnRestarted,
)
from argo_mcp_client._history import check_history
from integration import conftest_argo
from integration.argo_upstream_sim import (
    GEM_FLUX_MEDIUM,
    ArgoUpstreamSimulator,
    AuthNotice,
    DropConnection,
    HttpError,
    ReceivedRequest,
    Stall,
    StreamErrorEvent,
    tool_results,
)
from integration.conftest_argo import PROXY_USER, ArgoProxy
from support.processes import descendants

ROOT = Path(__file__).resolve().parents[2]
GEM_FLUX = ROOT / "examples" / "argo_llm" / "gem_flux_server.py"

GPT, CLAUDE, GEMINI = "argo:gpt-4o", "argo:claude-4.5-sonnet", "argo:gemini-2.5-flash"
ARGO_ID = {GPT: "gpt4o", CLAUDE: "claudesonnet45", GEMINI: "gemini25flash"}

PROMPT = "Build a draft model of E. coli, gapfill it on glucose and run FBA."
SYSTEM = "You are a metabolic modelling assistant."
WORKFLOW = ["build_model", "gapfill_model", "run_fba"]

RUN_TIMEOUT = 60  # a bound for a hung run, far above what a run takes
FAST_RETRY = RetryPolicy(base_delay=0.01, rate_limit_base_delay=0.01, rate_limit_jitter=0)

# The simulated upstream and the proxy in front of it, for this module's tests.
argo_upstream = conftest_argo.argo_upstream
argo_proxy = conftest_argo.argo_proxy

Connect = Callable[..., AbstractAsyncContextManager[ArgoMCPClient]]
"""Makes a client of a test's own; its keyword arguments go to ``ArgoMCPClient``."""

pytestmark = pytest.mark.compat("argo-proxy")

STREAMING = pytest.mark.parametrize("streaming", [True, False], ids=["stream", "no-stream"])


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    # Module scope, so the Gem-Flux client below can be shared by the module's tests.
    return "asyncio"


@pytest.fixture(autouse=True)
def fresh_upstream(argo_upstream: ArgoUpstreamSimulator) -> Iterator[None]:
    """Each test starts with no faults queued and an empty request log."""
    argo_upstream.reset()
    yield
    argo_upstream.reset()


@pytest.fixture(scope="module")
async def gem_flux_client(argo_proxy: ArgoProxy) -> AsyncIterator[ArgoMCPClient]:
    """One client for the workflow matrix: the Gem-Flux server over stdio, through the proxy."""
    before = descendants()
    server = StdioServer(name="gemflux", command=sys.executable, args=(str(GEM_FLUX),))
    async with ArgoMCPClient(
        servers=[server], base_url=argo_proxy.base_url, model=GPT, retry=FAST_RETRY, request_timeout=30
    ) as client:
        yield client
    assert descendants() - before == set(), "the Gem-Flux server outlived its client"


@pytest.fixture(scope="module")
def gem_flux_module() -> ModuleType:
    """The Gem-Flux reference server's module, loaded in this process for in-process servers."""
    saved = list(sys.path)  # loading the entry script appends its directory to sys.path
    spec = importlib.util.spec_from_file_location("gem_flux_server", GEM_FLUX)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    # Parsing the reference model takes seconds: done here once, not in whichever test builds first.
    sys.modules["gem_flux_reference.modeling"].reference_model()
    return module


@pytest.fixture
def fault_client(argo_proxy: ArgoProxy, gem_flux_module: ModuleType) -> Connect:
    """Makes a client of the test's own, through the proxy, with a fresh in-process Gem-Flux server."""

    @asynccontextmanager
    async def connect(**options: Any) -> AsyncIterator[ArgoMCPClient]:
        server = InProcessServer(name="gemflux", server=gem_flux_module.create_server())
        options = {"model": GPT, "retry": FAST_RETRY, "request_timeout": 30, **options}
        async with ArgoMCPClient(servers=[server], base_url=argo_proxy.base_url, **options) as client:
            yield client

    return connect


@dataclass
class Observed:
    """What one run did: its events, and its result or the error that ended it."""

    events: list[Event]
    result: RunResult | None
    error: ArgoMCPError | None

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


async def observe(client: ArgoMCPClient, **options: Any) -> Observed:
    events: list[Event] = []
    with anyio.fail_after(RUN_TIMEOUT):
        try:
            async with client.stream(PROMPT, system_prompt=SYSTEM, **options) as stream:
                async for event in stream:
                    events.append(event)
        except ArgoMCPError as error:
            return Observed(events, None, error)
    finished = [e for e in events if isinstance(e, RunFinished)]
    assert finished, "the run ended without a result or an error"
    return Observed(events, finished[-1].result, None)


def assert_workflow_done(result: RunResult | None) -> RunResult:
    """Build, gapfill and FBA ran once each, on the ids the server handed out; the model reported growth."""
    assert result is not None
    assert [c.tool for c in result.tool_calls] == WORKFLOW
    assert not any(c.is_error for c in result.tool_calls), [c.output[:200] for c in result.tool_calls]
    build, gapfill, fba = (c.structured_content for c in result.tool_calls)
    assert result.tool_calls[1].arguments == {"model_id": build["model_id"], "media_id": GEM_FLUX_MEDIUM}
    assert result.tool_calls[2].arguments == {"model_id": gapfill["model_id"], "media_id": GEM_FLUX_MEDIUM}
    assert gapfill["model_id"] == f"{build['model_id']}.gf"
    assert fba["status"] == "optimal"
    assert fba["objective_value"] > 0
    assert result.output == f"Growth rate: {fba['objective_value']:.3f} per hour."
    check_history(result.messages)
    return result


def upstream_call_ids(request: ReceivedRequest) -> list[str]:
    """The ids of the tool calls in the history as the upstream received it, in either format."""
    if request.format == "openai_chat":
        return [c["id"] for m in request.messages for c in m.get("tool_calls") or ()]
    return [
        block["id"]
        for m in request.messages
        if m["role"] == "assistant" and isinstance(m["content"], list)
        for block in m["content"]
        if block.get("type") == "tool_use"
    ]


def upstream_result_ids(request: ReceivedRequest) -> list[str]:
    """The call ids the tool results in the upstream's history answer."""
    if request.format == "openai_chat":
        return [m["tool_call_id"] for m in request.messages if m["role"] == "tool"]
    return [
        block["tool_use_id"]
        for m in request.messages
        if m["role"] == "user" and isinstance(m["content"], list)
        for block in m["content"]
        if block.get("type") == "tool_result"
    ]


# -- the proxy itself ------------------------------------------------------------------------------


@pytest.mark.not_compat("checks argo-proxy itself, without the client")
def test_the_proxy_lists_aliases_for_the_simulated_models(argo_proxy: ArgoProxy) -> None:
    chat = {alias: argo_id for alias, argo_id in argo_proxy.aliases.items() if "embedding" not in alias}
    assert chat == {
        "argo:gpt-4o": "gpt4o",
        "argo:gpt-4.1-mini": "gpt41mini",
        "argo:claude-4.5-sonnet": "claudesonnet45",
        "argo:claude-sonnet-4.5": "claudesonnet45",
        "argo:gemini-2.5-flash": "gemini25flash",
    }


@pytest.mark.not_compat("checks argo-proxy itself, without the client")
async def test_the_proxy_drops_retry_after_from_a_429(
    argo_proxy: ArgoProxy,
    argo_upstream: ArgoUpstreamSimulator,
) -> None:
    # Why the client cannot honour Argo's Retry-After through argo-proxy: it never arrives.
    argo_upstream.inject(HttpError(429, "Rate limit exceeded for this user.", retry_after="3"))
    body = {"model": GPT, "messages": [{"role": "user", "content": "hi"}]}
    async with httpx2.AsyncClient(timeout=10) as http:
        response = await http.post(f"{argo_proxy.base_url}/chat/completions", json=body)
    assert response.status_code == 429
    assert "retry-after" not in response.headers
    assert argo_upstream.chat_requests()[0].fault == "http-429"


@pytest.mark.not_compat("checks argo-proxy itself, without the client")
async def test_the_proxy_ends_a_dropped_stream_with_done_and_no_finish_reason(
    argo_proxy: ArgoProxy,
    argo_upstream: ArgoUpstreamSimulator,
) -> None:
    # Why the client must not take a stream's end for an answer: through argo-proxy, an upstream
    # connection cut mid-answer looks like a clean 200 stream, minus the finish reason.
    argo_upstream.inject(DropConnection(after_events=3))
    body = {"model": GPT, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with httpx2.AsyncClient(timeout=10) as http:
        response = await http.post(f"{argo_proxy.base_url}/chat/completions", json=body)
    assert response.status_code == 200
    events = [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks, "nothing reached the client before the end"
    assert all(choice.get("finish_reason") is None for c in chunks for choice in c["choices"])
    assert not any(c.get("usage") for c in chunks)


# -- the workflow, for each model family -----------------------------------------------------------


@STREAMING
@pytest.mark.parametrize("alias", [GPT, CLAUDE, GEMINI])
async def test_gem_flux_workflow_through_the_proxy(
    gem_flux_client: ArgoMCPClient, argo_upstream: ArgoUpstreamSimulator, alias: str, streaming: bool
) -> None:
    observed = await observe(gem_flux_client, model=alias, streaming=streaming)

    assert observed.error is None, observed.error
    result = assert_workflow_done(observed.result)
    assert result.model == alias
    assert result.turns == 4
    assert not observed.of(ModelRetrying)
    assert not observed.of(TurnRestarted)
    # Every request went to the model asked for and answered whole, on the first try.
    argo_id = ARGO_ID[alias]
    requests = argo_upstream.chat_requests()
    assert [r.model for r in requests] == [argo_id] * 4
    assert [r.stream for r in requests] == [streaming] * 4
    # Usage: what the upstream reported, summed by the client under the name it asked for.
    usage = result.usage[alias]
    reported = argo_upstream.usage_reported(argo_id)
    assert len(reported) == usage.requests == 4
    assert usage.prompt_tokens == sum(prompt for prompt, _ in reported)
    assert usage.completion_tokens == sum(completion for _, completion in reported)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0


@pytest.mark.parametrize(
    ("alias", "endpoint", "auth"),
    [
        (GPT, "/v1/chat/completions", ("authorization", f"Bearer {PROXY_USER}")),
        (CLAUDE, "/v1/messages", ("x-api-key", PROXY_USER)),
        (GEMINI, "/v1/chat/completions", ("authorization", f"Bearer {PROXY_USER}")),
    ],
)
async def test_the_upstream_receives_the_workflow_in_its_own_format(
    gem_flux_client: ArgoMCPClient,
    argo_upstream: ArgoUpstreamSimulator,
    alias: str,
    endpoint: str,
    auth: tuple[str, str],
) -> None:
    observed = await observe(gem_flux_client, model=alias, streaming=True)

    result = assert_workflow_done(observed.result)
    requests = argo_upstream.chat_requests()
    assert {r.endpoint for r in requests} == {endpoint}
    header, value = auth
    assert all(r.headers.get(header) == value for r in requests)
    # The last request carries the whole exchange: each call the model made, answered by its
    # result under the same id, in the upstream's own format (tool_result blocks for Claude).
    last = requests[-1]
    made = [c.call_id for c in result.tool_calls]
    assert upstream_call_ids(last) == made
    assert upstream_result_ids(last) == made
    results = tool_results(last)
    assert [json.loads(r)["model_id"] for r in results] == [
        c.structured_content["model_id"] for c in result.tool_calls
    ]


# -- faults through the proxy ----------------------------------------------------------------------


async def test_a_429_is_retried_without_the_dropped_retry_after(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    argo_upstream.inject(HttpError(429, "Rate limit exceeded for this user.", retry_after="3"), after=1)

    async with fault_client() as client:
        observed = await observe(client, streaming=True)

    assert_workflow_done(observed.result)
    (retry,) = observed.of(ModelRetrying)
    assert "429" in retry.reason
    # The proxy dropped Retry-After: 3, so the wait is the client's own backoff.
    assert retry.delay <= FAST_RETRY.base_delay
    assert [r.fault for r in argo_upstream.chat_requests()] == [None, "http-429", None, None, None]


async def test_a_503_from_claude_is_retried(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    argo_upstream.inject(HttpError(503, "The upstream model service is temporarily unavailable."))

    async with fault_client(model=CLAUDE) as client:
        observed = await observe(client, streaming=False)

    assert_workflow_done(observed.result)
    (retry,) = observed.of(ModelRetrying)
    assert "503" in retry.reason
    requests = argo_upstream.chat_requests()
    assert [r.fault for r in requests] == ["http-503", None, None, None, None]
    assert {r.endpoint for r in requests} == {"/v1/messages"}


async def test_a_stream_dropped_mid_tool_call_is_asked_again_not_run(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    # Cut inside the gapfill call's arguments: the proxy ends the stream with a clean [DONE].
    argo_upstream.inject(DropConnection(after_events=3), after=1)

    async with fault_client() as client:
        observed = await observe(client, streaming=True)

    result = assert_workflow_done(observed.result)
    (restart,) = observed.of(TurnRestarted)
    assert restart.turn == 2
    assert "finish reason" in restart.reason
    # The half-built call never ran; the turn was asked for again, without streaming.
    assert len(result.tool_calls) == 3
    requests = argo_upstream.chat_requests()
    assert [(r.fault, r.stream) for r in requests] == [
        (None, True),
        ("drop", True),
        (None, False),
        (None, True),
        (None, True),
    ]
    assert requests[2].messages == requests[1].messages


async def test_a_non_streamed_answer_cut_short_is_retried(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    # Through argo-proxy a cut non-streamed answer becomes a 502 "Upstream error".
    argo_upstream.inject(DropConnection(), after=2)

    async with fault_client(model=GEMINI) as client:
        observed = await observe(client, streaming=False)

    assert_workflow_done(observed.result)
    (retry,) = observed.of(ModelRetrying)
    assert "502" in retry.reason
    assert [r.fault for r in argo_upstream.chat_requests()] == [None, None, "drop", None, None]


async def test_an_error_event_mid_stream_is_retried(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    argo_upstream.inject(StreamErrorEvent(after_events=3), after=1)

    async with fault_client(model=GEMINI) as client:
        observed = await observe(client, streaming=True)

    result = assert_workflow_done(observed.result)
    (retry,) = observed.of(ModelRetrying)
    assert "Simulated upstream stream error" in retry.reason
    assert len(result.tool_calls) == 3
    requests = argo_upstream.chat_requests()
    assert [(r.fault, r.stream) for r in requests] == [
        (None, True),
        ("stream-error-event", True),
        (None, True),
        (None, True),
        (None, True),
    ]


async def test_a_claude_error_event_swallowed_by_the_proxy_is_not_an_answer(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    # argo-proxy drops an Anthropic error event: the client sees Claude's first words, then [DONE].
    argo_upstream.inject(StreamErrorEvent(after_events=4), after=1)

    async with fault_client(model=CLAUDE) as client:
        observed = await observe(client, streaming=True)

    result = assert_workflow_done(observed.result)
    (restart,) = observed.of(TurnRestarted)
    assert restart.turn == 2
    assert "finish reason" in restart.reason
    # Claude's words before the cut reached the consumer, were withdrawn, and were said again
    # by the answer asked for after: the history holds them once.
    before = observed.events[: observed.events.index(restart)]
    said = [(e.turn, e.text) for e in before if isinstance(e, TextDelta)]
    assert said[-1] == (2, "Next step of the workflow.")
    assert [m.get("content") for m in result.messages if m["role"] == "assistant"][1] == said[-1][1]
    requests = argo_upstream.chat_requests()
    assert [(r.fault, r.stream) for r in requests][1:3] == [("stream-error-event", True), (None, False)]


async def test_a_stalled_upstream_times_out_and_is_retried(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    # argo-proxy waits 300 s for a stalled upstream; the client's own timeout decides.
    argo_upstream.inject(Stall(seconds=30))

    async with fault_client(request_timeout=1.0) as client:
        observed = await observe(client, streaming=True)

    assert_workflow_done(observed.result)
    (retry,) = observed.of(ModelRetrying)
    assert "did not answer in time" in retry.reason
    assert [r.fault for r in argo_upstream.chat_requests()] == ["stall", None, None, None, None]


async def test_a_model_that_keeps_failing_falls_back_and_its_breaker_opens(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    # GPT builds the draft, then fails for good; Claude carries on from GPT's history.
    argo_upstream.inject(HttpError(503, "Service unavailable"), model="gpt4o", times=None, after=1)
    breaker = BreakerSettings(failure_threshold=3, cooldown=600)

    async with fault_client(model=GPT, fallback_models=[CLAUDE], breaker=breaker) as client:
        observed = await observe(client, streaming=True)
        state = client.breakers[GPT].state

    result = assert_workflow_done(observed.result)
    assert result.model == CLAUDE
    assert state == "open"
    switches = observed.of(ModelSwitched)
    assert [(s.turn, s.from_model, s.to_model) for s in switches] == [(t, GPT, CLAUDE) for t in (2, 3, 4)]
    # Three tries at turn 2 opened the breaker; after that GPT was not asked at all.
    assert [r.fault for r in argo_upstream.chat_requests("gpt4o")] == [
        None,
        "http-503",
        "http-503",
        "http-503",
    ]
    claude = argo_upstream.chat_requests("claudesonnet45")
    assert len(claude) == 3
    # Claude got GPT's call as a tool_use block and its result as a tool_result block.
    gpt_call = result.tool_calls[0].call_id
    assert upstream_call_ids(claude[0]) == [gpt_call]
    assert upstream_result_ids(claude[0]) == [gpt_call]
    assert set(result.usage) == {GPT, CLAUDE}
    assert result.usage[GPT].requests == 1
    assert result.usage[CLAUDE].requests == 3


async def test_the_authentication_notice_is_a_gateway_error(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    # Non-streamed, argo-proxy turns Argo's notice into a 403 "ARGO authentication error".
    argo_upstream.inject(AuthNotice(), times=None)

    async with fault_client(fallback_models=[CLAUDE]) as client:
        observed = await observe(client, streaming=False)

    assert isinstance(observed.error, GatewayError), observed.error
    assert "config.yaml" in str(observed.error)
    # Fatal: not retried, and no fallback, since the same gateway serves every model.
    assert len(argo_upstream.chat_requests()) == 1
    assert observed.error.history is not None
    check_history(observed.error.history)


async def test_the_authentication_notice_split_across_a_stream_is_a_gateway_error(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    # Cut across several text deltas, the notice passes argo-proxy's check as ordinary text.
    argo_upstream.inject(AuthNotice(split=True), times=None)

    async with fault_client(fallback_models=[CLAUDE]) as client:
        observed = await observe(client, streaming=True)

    assert isinstance(observed.error, GatewayError), observed.error
    assert len(argo_upstream.chat_requests()) == 1


async def test_the_authentication_notice_in_one_stream_chunk_is_a_gateway_error(
    fault_client: Connect, argo_upstream: ArgoUpstreamSimulator
) -> None:
    # In one text delta, argo-proxy replaces the notice with an error event
    # "Upstream stream ended before completion: ArgoAuthWarning".
    argo_upstream.inject(AuthNotice(), times=None)

    async with fault_client(fallback_models=[CLAUDE]) as client:
        observed = await observe(client, streaming=True)

    asked = argo_upstream.chat_requests()
    assert isinstance(observed.error, GatewayError), (
        f"taken for a transient failure: {len(asked)} upstream requests "
        f"({[r.model for r in asked]}), ending in {observed.error!r}"
    )
    assert len(asked) == 1
    assert not isinstance(observed.error, AllModelsFailed)

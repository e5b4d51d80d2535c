"""The client through the real LiteLLM proxy on 127.0.0.1, with mock models (tests/support/litellm_proxy.py).

LiteLLM is installed once into its own virtual environment under ``.cache/``
(the first run takes a minute or two; later runs reuse it). Where no package
index can be reached, these tests are skipped.

LiteLLM's mocks cannot change from one request to the next: ``mock-tool`` calls
a tool on every turn (so a run with it stops at ``max_turns``, leaving a history
to resume from), and ``mock-gpt`` answers in plain text. Whole runs go to the
model ``scripted``, which LiteLLM forwards to a scripted model on another
loopback port, so LiteLLM's own handling of streams and tool calls is in the path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import anyio
import httpx2
import pytest

from argo_mcp_client import (
    ArgoMCPClient,
    Event,
    InProcessServer,
    MaxTurnsExceeded,
    ModelError,
    ModelRequestStarted,
    RetryPolicy,
    TextDelta,
)
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import call, raw_stream, reply
from support.compat import record_version
from support.litellm_proxy import (
    MOCK_ANSWER,
    MOCK_TOOL_ARGUMENTS,
    MOCK_TOOL_CALL_ID,
    LiteLLMProxy,
    LiteLLMVenv,
    RegistryUnreachable,
    ScriptedUpstream,
    ensure_venv,
    running_proxy,
    scripted_upstream,
)
from support.servers import ToolLog, tool_server

pytestmark = pytest.mark.compat("LiteLLM proxy")
record_version("LiteLLM proxy", "1.106.2")

STREAMING = pytest.mark.parametrize("streaming", [True, False], ids=["stream", "no-stream"])

# Only stops a hung test; a healthy run through the mocks takes well under a second.
RUN_BOUND = 60.0


@pytest.fixture(scope="session")
def litellm_venv() -> LiteLLMVenv:
    """LiteLLM's own environment: installed at most once a session, and reused from earlier runs."""
    try:
        return ensure_venv()
    except RegistryUnreachable as exc:
        pytest.skip(f"LiteLLM could not be installed: {str(exc).splitlines()[0]}")


@pytest.fixture(scope="module")
def upstream_server() -> Iterator[tuple[ScriptedUpstream, str]]:
    with scripted_upstream() as served:
        yield served


@pytest.fixture(scope="module")
def litellm(
    litellm_venv: LiteLLMVenv,
    tmp_path_factory: pytest.TempPathFactory,
    upstream_server: tuple[ScriptedUpstream, str],
) -> Iterator[LiteLLMProxy]:
    """The LiteLLM proxy, started once for this module's tests; stopped after them, leaving no process."""
    _, upstream_url = upstream_server
    with running_proxy(litellm_venv, tmp_path_factory.mktemp("litellm"), upstream_url=upstream_url) as proxy:
        yield proxy


@pytest.fixture
def upstream(upstream_server: tuple[ScriptedUpstream, str]) -> ScriptedUpstream:
    """The scripted model behind the proxy's ``scripted`` model; each test scripts it anew."""
    scripted, _ = upstream_server
    scripted.script([])
    return scripted


@pytest.fixture
def log() -> ToolLog:
    return ToolLog()


def client_for(
    proxy: LiteLLMProxy,
    *,
    log: ToolLog | None = None,
    model: str = "mock-gpt",
    fallback_models: Sequence[str] = (),
    api_key: str | None = None,
    retry: RetryPolicy | None = None,
) -> ArgoMCPClient:
    """A client of the proxy; with ``log``, the in-process test server (tool ``add``) is its server."""
    servers = [InProcessServer(name="lab", server=tool_server(log))] if log is not None else []
    return ArgoMCPClient(
        servers=servers,
        base_url=proxy.base_url,
        api_key=api_key or proxy.master_key,
        model=model,
        fallback_models=fallback_models,
        retry=retry or RetryPolicy(attempts=1),
    )


async def stopped_at_one_turn(proxy: LiteLLMProxy, log: ToolLog) -> MaxTurnsExceeded:
    """Run ``mock-tool`` (which calls ``add`` on every turn) for one turn; the error it stops with."""
    with anyio.fail_after(RUN_BOUND), pytest.raises(MaxTurnsExceeded) as caught:
        async with client_for(proxy, log=log, model="mock-tool") as client:
            # Not streamed: LiteLLM's mock streams leave the tool calls out.
            await client.run("What is 2 + 3?", max_turns=1, streaming=False)
    return caught.value


def cut_tool_call_stream() -> str:
    """A stream that stops in the middle of a tool call's arguments: no finish reason, no [DONE]."""
    chunks = [
        {"role": "assistant", "content": None},
        {"tool_calls": [{"index": 0, "id": "call_cut", "type": "function", "function": {"name": "add"}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"a": 2, '}}]},
    ]
    return "".join(
        "data: "
        + json.dumps(
            {
                "id": "chatcmpl-cut",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "scripted",
                "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
            }
        )
        + "\n\n"
        for delta in chunks
    )


async def collect(client: ArgoMCPClient, prompt: str, *, streaming: bool, into: list[Event]) -> None:
    """Run ``prompt``, adding each event to ``into`` as it comes (so they are kept if the run fails)."""
    async with client.stream(prompt, streaming=streaming) as stream:
        async for event in stream:
            into.append(event)


# -- plain answers -------------------------------------------------------------------------------


@STREAMING
async def test_a_plain_answer_comes_back_through_litellm(litellm: LiteLLMProxy, streaming: bool) -> None:
    with anyio.fail_after(RUN_BOUND):
        async with client_for(litellm) as client:
            result = await client.run("Say hello", streaming=streaming)

    assert result.output == MOCK_ANSWER


async def test_a_streamed_answer_arrives_in_pieces_that_add_up_to_it(litellm: LiteLLMProxy) -> None:
    events: list[Event] = []
    with anyio.fail_after(RUN_BOUND):
        async with client_for(litellm) as client:
            await collect(client, "Say hello", streaming=True, into=events)

    pieces = [event.text for event in events if isinstance(event, TextDelta)]
    assert len(pieces) > 1
    assert "".join(pieces) == MOCK_ANSWER


# -- a tool call ---------------------------------------------------------------------------------


@pytest.mark.not_compat("checks LiteLLM's mock model itself, without the client")
async def test_the_tool_model_replies_with_tool_calls_and_finish_reason_stop(litellm: LiteLLMProxy) -> None:
    # What the tool tests below rely on: the reply shape that makes "stop" not mean "done".
    async with httpx2.AsyncClient(timeout=RUN_BOUND) as http:
        response = await http.post(
            f"{litellm.base_url}/chat/completions",
            headers={"Authorization": f"Bearer {litellm.master_key}"},
            json={"model": "mock-tool", "messages": [{"role": "user", "content": "What is 2 + 3?"}]},
        )

    choice: dict[str, Any] = response.json()["choices"][0]
    assert (choice["finish_reason"], choice["message"]["tool_calls"][0]["function"]["name"]) == (
        "stop",
        "add",
    )


async def test_a_tool_call_with_finish_reason_stop_runs_the_tool(litellm: LiteLLMProxy, log: ToolLog) -> None:
    await stopped_at_one_turn(litellm, log)

    assert log.calls == [("add", MOCK_TOOL_ARGUMENTS)]


async def test_the_history_left_at_max_turns_is_valid_and_answers_the_call(
    litellm: LiteLLMProxy, log: ToolLog
) -> None:
    error = await stopped_at_one_turn(litellm, log)

    check_history(error.history)
    assert error.history[-1] == {"role": "tool", "tool_call_id": MOCK_TOOL_CALL_ID, "content": "5"}


async def test_a_run_resumed_from_that_history_gets_its_answer(litellm: LiteLLMProxy, log: ToolLog) -> None:
    error = await stopped_at_one_turn(litellm, log)

    with anyio.fail_after(RUN_BOUND):
        async with client_for(litellm, log=log) as client:
            result = await client.run("So what is it?", history=error.history, model="mock-gpt")

    assert result.output == MOCK_ANSWER


# -- whole runs, through LiteLLM to a scripted model ---------------------------------------------


@STREAMING
async def test_a_tool_calling_run_through_litellm_gets_its_answer(
    litellm: LiteLLMProxy, upstream: ScriptedUpstream, log: ToolLog, streaming: bool
) -> None:
    upstream.script([call("add", {"a": 2, "b": 3}), reply("2 + 3 = 5")])

    with anyio.fail_after(RUN_BOUND):
        async with client_for(litellm, log=log, model="scripted") as client:
            result = await client.run("What is 2 + 3?", streaming=streaming)

    assert (result.output, [c.output for c in result.tool_calls]) == ("2 + 3 = 5", ["5"])


@STREAMING
async def test_the_tool_result_reaches_the_model_behind_litellm(
    litellm: LiteLLMProxy, upstream: ScriptedUpstream, log: ToolLog, streaming: bool
) -> None:
    upstream.script([call("add", {"a": 2, "b": 3}, id="call_s1"), reply("2 + 3 = 5")])

    with anyio.fail_after(RUN_BOUND):
        async with client_for(litellm, log=log, model="scripted") as client:
            await client.run("What is 2 + 3?", streaming=streaming)

    last = upstream.model.requests[1].messages[-1]
    assert (last["role"], last["tool_call_id"], last["content"]) == ("tool", "call_s1", "5")


@STREAMING
async def test_parallel_tool_calls_through_litellm_all_run(
    litellm: LiteLLMProxy, upstream: ScriptedUpstream, log: ToolLog, streaming: bool
) -> None:
    upstream.script([[call("add", {"a": 1, "b": 2}), call("echo", {"text": "hi"})], reply("done")])

    with anyio.fail_after(RUN_BOUND):
        async with client_for(litellm, log=log, model="scripted") as client:
            await client.run("Add and echo", streaming=streaming)

    assert sorted(log.calls, key=lambda c: c[0]) == [("add", {"a": 1, "b": 2}), ("echo", {"text": "hi"})]


async def test_a_tool_call_cut_off_upstream_never_runs(
    litellm: LiteLLMProxy, upstream: ScriptedUpstream, log: ToolLog
) -> None:
    # LiteLLM ends a stream its upstream dropped as if it were whole (finish_reason "stop"),
    # so the half-built call arrives looking complete: its arguments are what must stop it.
    upstream.script([raw_stream(cut_tool_call_stream()), reply("sorry, try again")])

    with anyio.fail_after(RUN_BOUND):
        async with client_for(litellm, log=log, model="scripted") as client:
            await client.run("What is 2 + 3?", streaming=True)

    assert log.calls == []


# -- failures ------------------------------------------------------------------------------------


@STREAMING
async def test_a_failing_model_falls_back_to_the_next(litellm: LiteLLMProxy, streaming: bool) -> None:
    with anyio.fail_after(RUN_BOUND):
        async with client_for(litellm, model="mock-broken", fallback_models=["mock-gpt"]) as client:
            result = await client.run("Say hello", streaming=streaming)

    assert (result.model, result.output) == ("mock-gpt", MOCK_ANSWER)


async def test_a_wrong_key_ends_the_run_at_the_first_request(litellm: LiteLLMProxy) -> None:
    # Without a database LiteLLM refuses any key but the master key with 400 "No connected db."
    # (not 401): a refusal all the same, not worth a retry.
    events: list[Event] = []
    retry = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)
    with anyio.fail_after(RUN_BOUND), pytest.raises(ModelError, match="HTTP 400"):
        async with client_for(litellm, api_key="sk-wrong-key", retry=retry) as client:
            await collect(client, "Say hello", streaming=True, into=events)

    assert sum(isinstance(event, ModelRequestStarted) for event in events) == 1

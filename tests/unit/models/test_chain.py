"""Retries, breakers and fallback models through the loop, against a scripted gateway."""

from __future__ import annotations

import pytest

from argo_mcp_client import (
    AllModelsFailed,
    ArgoMCPClient,
    BreakerSettings,
    CircuitOpenError,
    Event,
    GatewayError,
    InProcessServer,
    ModelError,
    ModelRetrying,
    ModelSwitched,
    RetryPolicy,
    RunFinished,
)
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import ScriptedModel, ScriptedRequest, Step, call, failure, reply
from support.fakes import FakeClock
from support.servers import ToolLog, tool_server

NO_WAIT = RetryPolicy(attempts=2, base_delay=0, max_delay=0)


def per_model(answers: dict[str, list[Step]]) -> ScriptedModel:
    """A scripted gateway that answers each model from its own script."""
    queues = {model: list(steps) for model, steps in answers.items()}

    def respond(request: ScriptedRequest) -> Step:
        queue = queues[request.model]
        return queue.pop(0) if queue else failure(400, f"no more answers for {request.model}")

    return ScriptedModel(respond)


def lab() -> InProcessServer:
    return InProcessServer(name="lab", server=tool_server(ToolLog()))


async def run_events(client: ArgoMCPClient, prompt: str) -> list[Event]:
    async with client.stream(prompt) as events:
        return [event async for event in events]


async def test_a_failing_model_hands_the_turn_to_the_fallback_with_the_same_history() -> None:
    gateway = per_model({
        "gpt4o": [call("ping"), failure(503), failure(503)],
        "argo:claude-4.5-sonnet": [reply("pong, from the fallback")],
    })  # fmt: skip
    client = ArgoMCPClient(
        servers=[lab()], http_client=gateway.http_client(), model="gpt4o",
        fallback_models=["argo:claude-4.5-sonnet"], retry=NO_WAIT,
    )  # fmt: skip

    async with client:
        seen = await run_events(client, "ping")

    result = seen[-1]
    assert isinstance(result, RunFinished)
    assert result.result.output == "pong, from the fallback"
    assert result.result.model == "argo:claude-4.5-sonnet"
    assert [r.model for r in gateway.requests] == ["gpt4o", "gpt4o", "gpt4o", "argo:claude-4.5-sonnet"]
    assert gateway.requests[3].messages == gateway.requests[1].messages
    switched = [e for e in seen if isinstance(e, ModelSwitched)]
    assert [(e.from_model, e.to_model) for e in switched] == [("gpt4o", "argo:claude-4.5-sonnet")]
    assert len([e for e in seen if isinstance(e, ModelRetrying)]) == 1
    assert set(result.result.usage) == {"gpt4o", "argo:claude-4.5-sonnet"}
    check_history(result.result.messages)


async def test_an_open_breaker_skips_the_model_without_asking_it() -> None:
    clock = FakeClock()
    gateway = per_model({"gpt4o": [failure(500)] * 3, "gpt41": [reply("one"), reply("two")]})
    client = ArgoMCPClient(
        http_client=gateway.http_client(), model="gpt4o", fallback_models=["gpt41"],
        retry=RetryPolicy(attempts=3, base_delay=0),
        breaker=BreakerSettings(failure_threshold=3, cooldown=60), clock=clock,
    )  # fmt: skip

    async with client:
        first = await client.run("first")
        second = await client.run("second")

    assert (first.output, second.output) == ("one", "two")
    assert client.breakers["argo:gpt-4o"].state == "open"
    assert [r.model for r in gateway.requests] == ["gpt4o", "gpt4o", "gpt4o", "gpt41", "gpt41"]


async def test_after_the_cooldown_a_probe_closes_the_breaker_again() -> None:
    clock = FakeClock()
    gateway = per_model({"gpt4o": [failure(500), reply("recovered")], "gpt41": [reply("fallback")]})
    client = ArgoMCPClient(
        http_client=gateway.http_client(), model="gpt4o", fallback_models=["gpt41"],
        retry=RetryPolicy(attempts=1), breaker=BreakerSettings(failure_threshold=1, cooldown=60), clock=clock,
    )  # fmt: skip

    async with client:
        assert (await client.run("a")).output == "fallback"
        clock.now += 60
        assert (await client.run("b")).output == "recovered"

    assert client.breakers["gpt4o"].state == "closed"


async def test_every_model_failing_raises_one_error_with_every_cause() -> None:
    clock = FakeClock()
    gateway = per_model({"gpt4o": [failure(502)], "gpt41": [failure(429, "slow down")]})
    client = ArgoMCPClient(
        http_client=gateway.http_client(), model="gpt4o", fallback_models=["gpt41", "gemini25flash"],
        retry=RetryPolicy(attempts=1), breaker=BreakerSettings(failure_threshold=1), clock=clock,
    )  # fmt: skip
    async with client:
        client.breakers.for_model("gemini25flash").record_failure()
        with pytest.raises(AllModelsFailed) as caught:
            await client.run("hi")

    causes = caught.value.exceptions
    assert [(type(c).__name__, getattr(c, "model", None)) for c in causes] == [
        ("ModelError", "gpt4o"), ("ModelError", "gpt41"), ("CircuitOpenError", "gemini25flash")
    ]  # fmt: skip
    assert isinstance(caught.value, ModelError)
    assert caught.value.history == [{"role": "user", "content": "hi"}]


async def test_a_single_model_failing_raises_its_own_error() -> None:
    gateway = per_model({"gpt4o": [failure(503), failure(503)]})
    client = ArgoMCPClient(http_client=gateway.http_client(), model="gpt4o", retry=NO_WAIT)

    async with client:
        with pytest.raises(ModelError) as caught:
            await client.run("hi")

    assert not isinstance(caught.value, AllModelsFailed)
    assert caught.value.status_code == 503


async def test_a_bad_request_is_not_retried_but_falls_back() -> None:
    gateway = per_model({"gpt4o": [failure(400, "context too long")], "gpt41": [reply("shorter context")]})
    client = ArgoMCPClient(
        http_client=gateway.http_client(), model="gpt4o", fallback_models=["gpt41"], retry=NO_WAIT
    )

    async with client:
        result = await client.run("hi")

    assert result.output == "shorter context"
    assert [r.model for r in gateway.requests] == ["gpt4o", "gpt41"]
    assert client.breakers["gpt4o"].failures == 0


async def test_an_authentication_failure_stops_the_chain() -> None:
    gateway = per_model({"gpt4o": [failure(401, "bad key")], "gpt41": [reply("never")]})
    client = ArgoMCPClient(
        http_client=gateway.http_client(), model="gpt4o", fallback_models=["gpt41"], retry=NO_WAIT
    )

    async with client:
        with pytest.raises(ModelError, match="check api_key"):
            await client.run("hi")

    assert [r.model for r in gateway.requests] == ["gpt4o"]


NOTICE = (
    "\n\n** IMPORTANT AUTHENTICATION NOTICE FROM ARGO **\n\n** ACCESS DENIED **\n\n"
    "The username 'nobody' could not be validated as an authorized Argo Gateway API user."
    "\n\n ** END NOTICE FROM ARGO **\n\n"
)


@pytest.mark.parametrize("streaming", [True, False], ids=["streamed", "whole"])
async def test_the_argo_authentication_notice_is_an_error_with_the_fix(streaming: bool) -> None:
    gateway = per_model({"gpt4o": [reply(NOTICE)], "gpt41": [reply("never")]})
    client = ArgoMCPClient(
        http_client=gateway.http_client(), model="gpt4o", fallback_models=["gpt41"], retry=NO_WAIT,
        streaming=streaming,
    )  # fmt: skip

    async with client:
        with pytest.raises(GatewayError, match=r"set `user` in argo-proxy's config\.yaml"):
            await client.run("hi")

    assert len(gateway.requests) == 1


async def test_the_messages_plus_system_complaint_is_an_error_with_the_fix() -> None:
    complaint = (
        "You passed a messages field along with a system and or prompt field. Please only pass messages"
    )
    gateway = per_model({"gpt4o": [reply(complaint)]})
    client = ArgoMCPClient(http_client=gateway.http_client(), model="gpt4o", retry=NO_WAIT)

    async with client:
        with pytest.raises(GatewayError, match="send the system prompt inside messages"):
            await client.run("hi")


async def test_retry_after_decides_the_wait() -> None:
    gateway = per_model({"gpt4o": [failure(429, "slow down", {"retry-after-ms": "20"}), reply("ok")]})
    client = ArgoMCPClient(http_client=gateway.http_client(), model="gpt4o")

    async with client:
        seen = await run_events(client, "hi")

    retrying = [e for e in seen if isinstance(e, ModelRetrying)]
    assert [(e.attempt, e.delay) for e in retrying] == [(2, 0.02)]
    assert "slow down" in retrying[0].reason


async def test_claude_gets_the_object_tool_choice_after_refusing_the_string() -> None:
    def gateway_rule(request: ScriptedRequest) -> Step:
        if isinstance(request.body.get("tool_choice"), str):
            return failure(400, "tool_choice: Input should be a valid dictionary")
        return reply(f"choice {request.body['tool_choice']}")

    gateway = ScriptedModel(gateway_rule)
    client = ArgoMCPClient(
        servers=[lab()], http_client=gateway.http_client(), model="argo:claude-4.5-sonnet",
        tool_choice="auto", retry=NO_WAIT,
    )  # fmt: skip

    async with client:
        first = await client.run("a")
        second = await client.run("b")

    assert first.output == second.output == "choice {'type': 'auto'}"
    assert [r.body.get("tool_choice") for r in gateway.requests] == [
        "auto",
        {"type": "auto"},
        {"type": "auto"},
    ]


async def test_a_model_refusing_native_tools_switches_to_prompt_based_calls() -> None:
    def gateway_rule(request: ScriptedRequest) -> Step:
        if request.tools:
            return failure(400, "function calling is not supported for this model")
        if request.messages[-1]["role"] == "user" and "<tool_result" in str(request.messages[-1]["content"]):
            return reply("pong received")
        return reply('<tool_call>\n{"name": "ping", "arguments": {}}\n</tool_call>')

    gateway = ScriptedModel(gateway_rule)
    client = ArgoMCPClient(
        servers=[lab()], http_client=gateway.http_client(), model="gemini25flash", retry=NO_WAIT
    )

    async with client:
        result = await client.run("ping")

    assert result.output == "pong received"
    assert [c.tool for c in result.tool_calls] == ["ping"]
    assert [bool(r.tools) for r in gateway.requests] == [True, False, False]
    assert "<tool_call>" in str(gateway.requests[1].messages[0]["content"])
    check_history(result.messages)


async def test_prompt_based_tools_can_be_chosen_by_pattern() -> None:
    answers: list[Step] = [
        reply('<tool_call>{"name": "add", "arguments": {"a": 2, "b": 2}}</tool_call>'),
        reply("4"),
    ]
    gateway = ScriptedModel(answers)
    client = ArgoMCPClient(
        servers=[lab()], http_client=gateway.http_client(), model="argo:gemini-2.5-flash",
        prompt_tool_models=["gemini*"],
    )  # fmt: skip

    async with client:
        result = await client.run("2 + 2")

    assert result.tool_calls[0].output == "4"
    assert not any(r.tools for r in gateway.requests)
    assert not any(r.stream for r in gateway.requests)


def test_circuit_open_error_says_what_to_do() -> None:
    assert "give fallback_models" in str(CircuitOpenError("gpt4o", retry_in=12))

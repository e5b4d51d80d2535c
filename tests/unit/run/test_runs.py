"""The event stream, and run(), which drives the same loop with nobody listening."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from argo_mcp_client import (
    ConfigError,
    Event,
    MaxTurnsExceeded,
    RunFinished,
    ToolCallFinished,
    ToolCallStarted,
)
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import call, reply
from support.servers import ToolLog
from unit.conftest import Connect


async def collect(events: object) -> list[Event]:
    return [event async for event in events]  # type: ignore[attr-defined]


def shape(message: dict[str, Any]) -> tuple[object, ...]:
    calls = [(c["function"]["name"], c["function"]["arguments"]) for c in message.get("tool_calls") or ()]
    return message["role"], message.get("content"), calls


async def test_events_follow_the_run_in_order(connect: Connect) -> None:
    client, _ = await connect([call("echo", {"text": "hi"}), reply("said hi")])

    async with client.stream("say hi") as events:
        kinds = [event.kind for event in await collect(events)]

    assert kinds == [
        "run_started",
        "model_request_started",
        "tool_call_started",
        "tool_call_finished",
        "turn_finished",
        "model_request_started",
        "text_delta",
        "turn_finished",
        "run_finished",
    ]


async def test_tool_events_name_the_server_and_the_parsed_arguments(connect: Connect) -> None:
    client, _ = await connect([call("echo", {"text": "hi"}), reply("ok")])

    async with client.stream("say hi") as events:
        seen = await collect(events)

    started = next(e for e in seen if isinstance(e, ToolCallStarted))
    finished = next(e for e in seen if isinstance(e, ToolCallFinished))
    assert (started.server, started.tool, started.arguments) == ("lab", "echo", {"text": "hi"})
    assert finished.call.call_id == started.call_id
    assert finished.call.output == "hi"


async def test_the_last_event_carries_the_same_result_as_run(connect: Connect) -> None:
    client, _ = await connect([call("ping"), reply("pong"), call("ping"), reply("pong")])

    async with client.stream("ping") as events:
        last = (await collect(events))[-1]
    ran = await client.run("ping")

    assert isinstance(last, RunFinished)
    assert last.result.output == ran.output
    # The scripted model numbers call ids by request, so compare all but those.
    assert [shape(m) for m in last.result.messages] == [shape(m) for m in ran.messages]
    assert [(c.tool, c.output) for c in last.result.tool_calls] == [
        (c.tool, c.output) for c in ran.tool_calls
    ]
    assert (last.result.turns, last.result.usage) == (ran.turns, ran.usage)


async def test_a_run_error_is_raised_from_the_iteration(connect: Connect) -> None:
    client, _ = await connect(lambda request: call("ping"))

    async with client.stream("ping", max_turns=1) as events:
        with pytest.raises(MaxTurnsExceeded) as caught:
            await collect(events)

    check_history(caught.value.history)


async def test_leaving_a_stream_early_cancels_the_run(connect: Connect, log: ToolLog) -> None:
    client, _ = await connect([call("hang"), reply("never")])

    with anyio.fail_after(10):
        async with client.stream("hang") as events:
            async for event in events:
                if isinstance(event, ToolCallStarted):
                    await log.event("hang").wait()
                    break

    assert log.calls == [("hang", {})]


async def test_an_invalid_history_is_refused_before_any_request(connect: Connect) -> None:
    client, model = await connect([reply("never")])
    dangling = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "ping", "arguments": "{}"}}],
        }
    ]

    with pytest.raises(ConfigError, match="'c1' in message 0 has no tool result"):
        client.stream("hi", history=dangling)

    assert model.requests == []

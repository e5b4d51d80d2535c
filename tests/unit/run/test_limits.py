"""Limits and guards around tool calls and runs: output cap, approval hook, deadline, model mismatch."""

from __future__ import annotations

import logging

import anyio
import anyio.lowlevel
import pytest

from argo_mcp_client import ArgoMCPClient, RunTimeout, ToolCallStarted, TurnFinished
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import ScriptedModel, call, reply
from support.servers import ToolLog
from unit.conftest import Connect


async def test_oversized_tool_output_is_cut_with_a_visible_marker(connect: Connect) -> None:
    client, model = await connect([call("echo", {"text": "x" * 500}), reply("long")], max_tool_output=100)

    result = await client.run("echo a lot")

    sent = str(model.requests[1].messages[-1]["content"])
    assert sent.startswith("x" * 100)
    assert sent.endswith("[output truncated: 400 of 500 characters not shown]")
    assert result.tool_calls[0].output == sent


async def test_a_refused_call_never_runs_and_the_model_is_told(connect: Connect, log: ToolLog) -> None:
    def refuse_adding(call: ToolCallStarted) -> bool:
        return call.tool != "add"

    client, _ = await connect(
        [[call("add", {"a": 1, "b": 2}), call("echo", {"text": "ok"})], reply("done")],
        approve_tool=refuse_adding,
    )

    result = await client.run("add and echo")

    refused, allowed = result.tool_calls
    assert refused.is_error
    assert "refused by the user" in refused.output
    assert (allowed.is_error, allowed.output) == (False, "ok")
    assert log.calls == [("echo", {"text": "ok"})]


async def test_an_async_approval_hook_is_awaited(connect: Connect, log: ToolLog) -> None:
    asked: list[str] = []

    async def approve(call: ToolCallStarted) -> bool:
        await anyio.lowlevel.checkpoint()
        asked.append(call.name)
        return True

    client, _ = await connect([call("ping"), reply("pong")], approve_tool=approve)

    await client.run("ping")

    assert asked == ["ping"]
    assert log.calls == [("ping", {})]


async def test_a_failing_approval_hook_refuses_the_call(connect: Connect, log: ToolLog) -> None:
    def broken(call: ToolCallStarted) -> bool:
        raise RuntimeError("hook bug")

    client, _ = await connect([call("ping"), reply("pong")], approve_tool=broken)

    result = await client.run("ping")

    assert result.tool_calls[0].is_error
    assert log.calls == []


async def test_a_run_past_its_deadline_stops_with_a_valid_history(connect: Connect, log: ToolLog) -> None:
    client, _ = await connect([call("hang"), reply("never")], run_deadline=0.3)

    with anyio.fail_after(10), pytest.raises(RunTimeout) as caught:
        await client.run("hang")

    assert caught.value.deadline == 0.3
    assert [m["role"] for m in caught.value.history] == ["user", "assistant", "tool"]
    check_history(caught.value.history)


async def test_a_reply_from_another_model_is_noticed(caplog: pytest.LogCaptureFixture) -> None:
    # argo-proxy answers a model name it does not know with its default model.
    gateway = ScriptedModel([reply("hi")], served_by="gpt-5.4-nano")
    caplog.set_level(logging.WARNING, logger="argo_mcp_client")

    client = ArgoMCPClient(openai_client=gateway.openai_client(), model="argo:no-such-model")
    async with client, client.stream("hi") as events:
        finished = [e async for e in events if isinstance(e, TurnFinished)]

    assert finished[0].served_by == "gpt-5.4-nano"
    assert "'gpt-5.4-nano' answered" in caplog.text


async def test_a_reply_from_the_same_model_under_another_name_is_not_flagged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway = ScriptedModel([reply("hi")], served_by="gpt-4o-2024-08-06")
    caplog.set_level(logging.WARNING, logger="argo_mcp_client")

    async with ArgoMCPClient(openai_client=gateway.openai_client(), model="argo:gpt-4o") as client:
        await client.run("hi")

    assert "answered" not in caplog.text

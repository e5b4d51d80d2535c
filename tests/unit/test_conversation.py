"""Conversations across runs: kept, saved, resumed, and valid whatever fails."""

from __future__ import annotations

import anyio
import pytest

from argo_mcp_client import Conversation, ModelError
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import call, failure, reply
from support.servers import ToolLog
from unit.conftest import Connect


async def test_chat_keeps_the_history_between_exchanges(connect: Connect) -> None:
    client, model = await connect([call("add", {"a": 1, "b": 1}), reply("2"), reply("you asked for 1 + 1")])
    conversation = Conversation(system_prompt="Be exact.")

    await client.chat(conversation, "1 + 1?")
    second = await client.chat(conversation, "what did I ask?")

    assert second.output == "you asked for 1 + 1"
    assert model.requests[2].messages[:-1] == conversation.messages[:-2]
    assert [m["role"] for m in conversation.messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
        "assistant",
    ]
    check_history(conversation.messages)


async def test_a_saved_conversation_resumes_where_it_stopped(connect: Connect) -> None:
    client, model = await connect([reply("first answer"), reply("second answer")])
    conversation = Conversation(model="argo:claude-4.5-sonnet")
    await client.chat(conversation, "first")

    restored = Conversation.from_json(conversation.to_json())
    await client.chat(restored, "second")

    assert restored.model == "argo:claude-4.5-sonnet"
    assert model.requests[1].model == "argo:claude-4.5-sonnet"
    assert model.requests[1].messages[:2] == conversation.messages


async def test_a_failed_exchange_leaves_a_valid_conversation(connect: Connect) -> None:
    client, _ = await connect([call("ping"), failure(503, "gateway down"), reply("back")])
    conversation = Conversation()

    with pytest.raises(ModelError):
        await client.chat(conversation, "ping")
    check_history(conversation.messages)
    await client.chat(conversation, "again")

    assert [m["role"] for m in conversation.messages] == ["user", "assistant", "tool", "user", "assistant"]
    check_history(conversation.messages)


async def test_cancelling_during_a_tool_call_leaves_a_valid_conversation(
    connect: Connect, log: ToolLog
) -> None:
    client, _ = await connect([[call("hang"), call("ping")], reply("never")])
    conversation = Conversation()

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(client.chat, conversation, "hang")
            await log.event("hang").wait()
            group.cancel_scope.cancel()

    tool_results = [m for m in conversation.messages if m["role"] == "tool"]
    assert len(tool_results) == 2
    assert "stopped before this tool call finished" in str(tool_results[0]["content"])
    check_history(conversation.messages)


async def test_breaking_out_of_a_stream_leaves_a_valid_conversation(connect: Connect, log: ToolLog) -> None:
    client, _ = await connect([call("hang"), reply("never")])
    conversation = Conversation()

    with anyio.fail_after(10):
        async with client.stream("hang", conversation=conversation) as events:
            async for event in events:
                if event.kind == "tool_call_started":
                    await log.event("hang").wait()
                    break

    assert [m["role"] for m in conversation.messages] == ["user", "assistant", "tool"]
    check_history(conversation.messages)


async def test_a_conversation_records_the_start_of_each_server_it_ran_against(connect: Connect) -> None:
    client, _ = await connect([reply("hello")])
    conversation = Conversation()

    await client.chat(conversation, "hi")

    instance = client.servers["lab"].instance
    assert instance is not None
    assert conversation.server_instances == {"lab": instance}
    assert client.restarted_servers(conversation) == []


async def test_resuming_against_servers_started_anew_names_them_and_warns(
    connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    earlier, _ = await connect([reply("built")])
    conversation = Conversation()
    await earlier.chat(conversation, "build a model")
    saved = conversation.to_json()
    later, _ = await connect([reply("what model?")])  # a new client: its servers start anew
    resumed = Conversation.from_json(saved)

    restarted = later.restarted_servers(resumed)
    with caplog.at_level("WARNING", logger="argo_mcp_client.client"):
        await later.chat(resumed, "run FBA on it")

    assert restarted == ["lab"]
    assert "continues against servers started anew since it last ran (lab)" in caplog.text
    assert later.restarted_servers(resumed) == []  # recorded again: warned once

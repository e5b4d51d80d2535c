"""The tool-calling loop, end to end over the SDK's wire path with a scripted model."""

from __future__ import annotations

import json

import anyio
import pytest

from argo_mcp_client import (
    InProcessServer,
    MaxTurnsExceeded,
    ModelError,
    RunFinished,
    RunResult,
    ToolCallFinished,
)
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import ScriptedRequest, ScriptedToolCall, call, failure, reply
from support.servers import ToolLog, paged_server, tool_server
from unit.conftest import Connect


def tool_messages(messages: list[dict[str, object]]) -> list[dict[str, object]]:
    return [m for m in messages if m["role"] == "tool"]


async def test_one_tool_call_then_answer(connect: Connect) -> None:
    client, model = await connect([call("add", {"a": 2, "b": 3}), reply("It is 5.")])

    result = await client.run("What is 2 + 3?")

    assert result.output == "It is 5."
    assert result.turns == 2
    assert [(c.server, c.tool, c.arguments, c.output, c.is_error) for c in result.tool_calls] == [
        ("lab", "add", {"a": 2, "b": 3}, "5", False)
    ]
    assert tool_messages(model.requests[1].messages) == [
        {"role": "tool", "tool_call_id": result.tool_calls[0].call_id, "content": "5"}
    ]
    check_history(result.messages)


async def test_usage_is_recorded_per_model(connect: Connect) -> None:
    client, _ = await connect([call("ping"), reply("pong")])

    result = await client.run("ping", model="argo:gpt-4o")

    assert list(result.usage) == ["argo:gpt-4o"]
    assert result.usage["argo:gpt-4o"].requests == 2
    assert result.total_usage.total_tokens > 0


async def test_tools_are_sent_in_openai_format(connect: Connect) -> None:
    client, model = await connect([reply("hi")])

    await client.run("hi")

    add = next(t for t in model.requests[0].tools if t["function"]["name"] == "add")
    assert add["type"] == "function"
    assert add["function"]["parameters"]["required"] == ["a", "b"]


async def test_parallel_tool_calls_run_concurrently(connect: Connect) -> None:
    # Each call waits for the other to arrive: run one after the other, the
    # first would time out inside the tool and come back as an error.
    meet = [call("rendezvous", {"me": "x", "partner": "y"}), call("rendezvous", {"me": "y", "partner": "x"})]
    client, _ = await connect([meet, reply("met")])

    with anyio.fail_after(10):
        result = await client.run("meet")

    assert [c.output for c in result.tool_calls] == ["x met y", "y met x"]
    assert not any(c.is_error for c in result.tool_calls)


async def test_results_come_back_in_call_order(connect: Connect, log: ToolLog) -> None:
    first_finishes_last = [
        call("wait_for", {"gate": "open-a", "value": "a"}),
        call("wait_for", {"gate": "open-b", "value": "b"}),
    ]
    client, model = await connect([first_finishes_last, reply("done")])
    finished: list[str] = []
    results: list[RunResult] = []

    async def open_b_first() -> None:
        await log.event("started:a").wait()
        await log.event("started:b").wait()
        log.event("open-b").set()

    # "a" is let go only once the loop has b's finished record in hand.
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group, client.stream("wait") as events:
            group.start_soon(open_b_first)
            async for event in events:
                if isinstance(event, ToolCallFinished):
                    finished.append(event.call.output)
                    log.event("open-a").set()
                elif isinstance(event, RunFinished):
                    results.append(event.result)

    assert finished == ["b", "a"]
    assert [m["content"] for m in tool_messages(model.requests[1].messages)] == ["a", "b"]
    check_history(results[0].messages)


async def test_invalid_json_arguments_reach_the_model_and_the_tool_never_runs(
    connect: Connect, log: ToolLog
) -> None:
    client, model = await connect([call("add", '{"a": 2, "b": '), reply("sorry")])

    result = await client.run("add")

    record = result.tool_calls[0]
    assert record.is_error
    assert record.arguments is None
    assert "not valid JSON" in record.output
    assert "'a', 'b'" in record.output
    assert tool_messages(model.requests[1].messages)[0]["content"] == record.output
    assert log.calls == []
    check_history(result.messages)


async def test_arguments_that_are_not_an_object_are_refused(connect: Connect, log: ToolLog) -> None:
    client, _ = await connect([call("add", "[2, 3]"), reply("sorry")])

    result = await client.run("add")

    assert "must be a JSON object, not list" in result.tool_calls[0].output
    assert log.calls == []


async def test_unknown_tool_reaches_the_model_with_the_tool_list(connect: Connect) -> None:
    client, _ = await connect([call("subtract", {"a": 1}), reply("no such tool")])

    result = await client.run("subtract")

    record = result.tool_calls[0]
    assert record.is_error
    assert record.server is None
    assert "no tool named 'subtract'" in record.output
    assert "add" in record.output
    check_history(result.messages)


async def test_schema_invalid_arguments_reach_the_model_and_the_tool_never_runs(
    connect: Connect, log: ToolLog
) -> None:
    client, _ = await connect([call("register", {"person": {"name": "Ada", "age": -1}}), reply("oops")])

    result = await client.run("register Ada")

    output = result.tool_calls[0].output
    assert result.tool_calls[0].is_error
    assert "'address' is a required property" in output
    assert "$.person.age" in output
    assert log.calls == []


async def test_nested_arguments_that_fit_the_schema_run(connect: Connect) -> None:
    person = {"name": "Ada", "age": 36, "address": {"city": "London"}}
    client, _ = await connect([call("register", {"person": person}), reply("done")])

    result = await client.run("register Ada")

    assert result.tool_calls[0].structured_content == {"greeting": "Hello Ada from London"}


async def test_tool_error_results_reach_the_model_marked_as_errors(connect: Connect) -> None:
    client, model = await connect([call("fail", {"reason": "no substrate"}), reply("it failed")])

    result = await client.run("fail")

    record = result.tool_calls[0]
    assert record.is_error
    assert record.output.startswith("ERROR: ")
    assert "no substrate" in record.output
    assert tool_messages(model.requests[1].messages)[0]["content"] == record.output


async def test_empty_arguments_call_a_tool_without_parameters(connect: Connect) -> None:
    client, _ = await connect([ScriptedToolCall(name="ping", arguments=""), reply("ok")])

    result = await client.run("ping")

    assert (result.tool_calls[0].output, result.tool_calls[0].is_error) == ("pong", False)


async def test_empty_arguments_for_a_tool_with_required_parameters_are_refused(
    connect: Connect, log: ToolLog
) -> None:
    client, _ = await connect([ScriptedToolCall(name="add", arguments=""), reply("ok")])

    result = await client.run("add")

    assert "are empty" in result.tool_calls[0].output
    assert log.calls == []


async def test_image_results_become_a_placeholder(connect: Connect) -> None:
    client, _ = await connect([call("picture"), reply("a square")])

    result = await client.run("draw")

    assert result.tool_calls[0].output.startswith("a black square\n[image image/png, 24 bytes")


async def test_max_turns_raises_with_a_valid_history(connect: Connect) -> None:
    client, _ = await connect(lambda request: call("ping"))

    with pytest.raises(MaxTurnsExceeded) as caught:
        await client.run("ping forever", max_turns=3)

    assert caught.value.max_turns == 3
    assert len(tool_messages(caught.value.history)) == 3
    check_history(caught.value.history)


async def test_max_turns_carries_the_tool_calls_and_usage_of_the_run(connect: Connect) -> None:
    client, _ = await connect(lambda request: call("ping"))

    with pytest.raises(MaxTurnsExceeded) as caught:
        await client.run("ping forever", max_turns=3)

    assert [record.tool for record in caught.value.tool_calls] == ["ping"] * 3
    assert caught.value.usage["gpt4o"].requests == 3


async def test_tool_timeout_becomes_an_error_result(connect: Connect) -> None:
    client, _ = await connect([call("hang"), reply("it hung")], tool_timeout=0.2)

    with anyio.fail_after(10):
        result = await client.run("hang")

    assert result.tool_calls[0].is_error
    assert "no result within 0.2 s" in result.tool_calls[0].output
    check_history(result.messages)


async def test_model_error_carries_the_history_so_far(connect: Connect) -> None:
    client, _ = await connect([call("ping"), failure(500, "upstream exploded")])

    with pytest.raises(ModelError) as caught:
        await client.run("ping")

    assert caught.value.status_code == 500
    assert "upstream exploded" in str(caught.value)
    assert caught.value.history is not None
    assert tool_messages(caught.value.history)[0]["content"] == "pong"
    check_history(caught.value.history)


async def test_colliding_tool_names_get_server_prefixes_and_route_exactly(connect: Connect) -> None:
    log_a, log_b = ToolLog(), ToolLog()
    servers = [
        InProcessServer(name="a", server=tool_server(log_a)),
        InProcessServer(name="b", server=tool_server(log_b)),
    ]
    client, _ = await connect([call("b__echo", {"text": "hi"}), reply("done")], servers=servers)

    result = await client.run("echo")

    assert {t.name for t in client.tools} >= {"a__echo", "b__echo"}
    assert (result.tool_calls[0].server, result.tool_calls[0].tool) == ("b", "echo")
    assert log_a.calls == []
    assert log_b.calls == [("echo", {"text": "hi"})]


async def test_deny_list_hides_tools_from_the_model(connect: Connect, log: ToolLog) -> None:
    lab = InProcessServer(name="lab", server=tool_server(log), deny_tools=("h*", "fail"))
    client, model = await connect([reply("ok")], servers=[lab])

    await client.run("hi")

    assert "hang" not in model.requests[0].tool_names
    assert "fail" not in model.requests[0].tool_names
    assert "add" in model.requests[0].tool_names


async def test_allow_list_offers_only_matching_tools(connect: Connect, log: ToolLog) -> None:
    lab = InProcessServer(name="lab", server=tool_server(log), allow_tools=("add", "echo"))
    client, _ = await connect([reply("ok")], servers=[lab])

    assert sorted(t.name for t in client.tools) == ["add", "echo"]


async def test_system_prompt_goes_first(connect: Connect) -> None:
    client, model = await connect([reply("hi")], system_prompt="Be brief.")

    await client.run("hi")

    assert model.requests[0].messages[0] == {"role": "system", "content": "Be brief."}


async def test_the_model_sees_the_history_it_is_given(connect: Connect) -> None:
    client, model = await connect([reply("again")])
    earlier = [{"role": "user", "content": "first"}, {"role": "assistant", "content": "one"}]

    result = await client.run("second", history=earlier)

    assert model.requests[0].messages == [*earlier, {"role": "user", "content": "second"}]
    assert result.new_messages == [
        {"role": "user", "content": "second"},
        {"role": "assistant", "content": "again"},
    ]


async def test_a_responder_function_sees_each_request(connect: Connect) -> None:
    def respond(request: ScriptedRequest) -> ScriptedToolCall | str:
        if request.messages[-1]["role"] == "tool":
            return f"sum is {json.loads(str(request.messages[-1]['content']))}"
        return call("add", {"a": 40, "b": 2})

    client, _ = await connect(respond)

    assert (await client.run("add")).output == "sum is 42"


async def test_model_error_keeps_the_sdk_error_as_its_cause(connect: Connect) -> None:
    client, _ = await connect([failure(401, "bad key")])

    with pytest.raises(ModelError) as caught:
        await client.run("hi")

    assert type(caught.value.__cause__).__name__ == "AuthenticationError"
    assert "check api_key" in str(caught.value)


async def test_tools_are_listed_across_every_page(connect: Connect) -> None:
    paged = InProcessServer(name="paged", server=paged_server([["t1", "t2"], ["t3"], ["t4"]]))
    client, _ = await connect([call("t4"), reply("ok")], servers=[paged])

    result = await client.run("call the last one")

    assert [t.name for t in client.tools] == ["t1", "t2", "t3", "t4"]
    assert result.tool_calls[0].output == "called t4"


async def test_a_server_on_the_legacy_handshake_works_the_same(connect: Connect, log: ToolLog) -> None:
    legacy = InProcessServer(name="lab", server=tool_server(log), protocol="legacy")
    client, _ = await connect([call("add", {"a": 1, "b": 2}), reply("3")], servers=[legacy])

    result = await client.run("1 + 2")

    assert result.tool_calls[0].output == "3"


async def test_item11_the_gateways_raw_arguments_wrapper_is_refused_and_the_tool_never_runs(
    connect: Connect, log: ToolLog
) -> None:
    # argo-proxy passes arguments it could not parse on as {"raw_arguments": "<text>"}.
    client, model = await connect([call("ping", {"raw_arguments": '{"x": '}), reply("sorry")])

    result = await client.run("ping")

    record = result.tool_calls[0]
    assert record.is_error
    assert record.arguments is None
    assert record.outcome == "not_run"
    assert "not valid JSON (the gateway passed on the text '{\"x\": ')" in record.output
    assert log.calls == []
    assert tool_messages(model.requests[1].messages)[0]["content"] == record.output


async def test_item10_images_reach_the_application_as_attachments_and_never_as_text(connect: Connect) -> None:
    client, model = await connect([call("picture"), reply("a square")])

    result = await client.run("draw")

    record = result.tool_calls[0]
    assert [(a.kind, a.mime_type) for a in record.attachments] == [("image", "image/png")]
    assert record.attachments[0].data is not None
    assert record.attachments[0].data.startswith(b"\x89PNG")
    assert all(isinstance(m["content"], str) for m in model.requests[1].messages if m["role"] == "tool")
    assert not any(m["role"] == "user" and isinstance(m["content"], list) for m in model.requests[1].messages)


async def test_item10_images_go_to_the_model_as_image_parts_when_asked(connect: Connect) -> None:
    client, model = await connect([call("picture"), reply("a square")], images_to_model=True)

    result = await client.run("draw")

    last = model.requests[1].messages[-1]
    assert last["role"] == "user"
    kinds = [part["type"] for part in last["content"]]
    assert kinds == ["text", "text", "image_url"]
    assert last["content"][2]["image_url"]["url"].startswith("data:image/png;base64,iVBOR")
    check_history(result.messages)

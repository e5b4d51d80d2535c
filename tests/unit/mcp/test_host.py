"""The MCP client beyond tools: resources, prompts, sampling, elicitation, roots, logs, progress, changes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import mcp.types as mcp_types
import pytest

from argo_mcp_client import ArgoMCPClient, ConfigError, InProcessServer, RetryPolicy, ServerLog, ToolProgress
from argo_mcp_client._mcp.host import ElicitationRequest, ServerHost
from argo_mcp_client.testing import ScriptedModel, ScriptedRequest, Step, call, failure, reply
from support.host_server import host_server

Open = Callable[..., Any]


@pytest.fixture
async def open_client() -> AsyncIterator[Open]:
    async with AsyncExitStack() as stack:

        async def factory(script: Any, **options: Any) -> tuple[ArgoMCPClient, ScriptedModel]:
            model = ScriptedModel(script)
            server = InProcessServer(name="lab", server=host_server(), protocol="legacy")
            options.setdefault("model", "gpt4o")
            client = ArgoMCPClient(servers=[server], http_client=model.http_client(), **options)
            return await stack.enter_async_context(client), model

        yield factory


async def test_resources_are_listed_and_read(open_client: Open) -> None:
    client, _ = await open_client([])

    listed = {r.uri: r for r in await client.list_resources()}
    text = await client.read_resource("notes://readme")
    binary = await client.read_resource("notes://logo", server="lab")

    assert set(listed) == {"notes://readme", "notes://logo"}
    assert listed["notes://readme"].server == "lab"
    assert [c.text for c in text] == ["# Lab notes\nUse glucose."]
    assert binary[0].data == b"\x89PNG\r\n"


async def test_reading_a_resource_nobody_lists_says_so(open_client: Open) -> None:
    client, _ = await open_client([])

    with pytest.raises(ConfigError, match="no server lists it"):
        await client.read_resource("notes://nothing")


async def test_a_prompt_seeds_a_run(open_client: Open) -> None:
    client, model = await open_client([reply("It lacks a citrate synthase.")])

    prompts = await client.list_prompts()
    messages = await client.get_prompt("review_model", {"model_id": "ecoli.draft"})
    result = await client.run(messages)

    assert [(p.name, p.arguments, p.required) for p in prompts] == [
        ("review_model", ("model_id",), ("model_id",))
    ]
    assert model.requests[0].messages == [
        {"role": "user", "content": "Please review the metabolic model ecoli.draft and list its gaps."}
    ]
    assert result.output == "It lacks a citrate synthase."


def sampling_aware(summary: str) -> Callable[[ScriptedRequest], Step]:
    """The client's model: it calls `summarise`, answers the server's sampling request, then the user."""

    def respond(request: ScriptedRequest) -> Step:
        if request.messages[0].get("content") == "You write one-line summaries.":
            return reply(summary)
        if request.messages[-1]["role"] == "tool":
            return reply(f"Summary: {request.messages[-1]['content']}")
        return call("summarise", {"text": "a long text about glycolysis"})

    return respond


async def test_sampling_is_answered_by_the_clients_model(open_client: Open) -> None:
    client, model = await open_client(sampling_aware("Glycolysis splits glucose."))

    result = await client.run("summarise it")

    assert result.output == "Summary: Glycolysis splits glucose."
    sampling = next(r for r in model.requests if r.messages[0]["content"] == "You write one-line summaries.")
    assert sampling.body["max_tokens"] == 50
    assert sampling.messages[1] == {"role": "user", "content": "Summarise: a long text about glycolysis"}
    assert not sampling.tools


async def test_sampling_falls_back_like_any_request(open_client: Open) -> None:
    def respond(request: ScriptedRequest) -> Step:
        if request.messages[0].get("content") == "You write one-line summaries." and request.model == "gpt4o":
            return failure(503, "busy")
        return sampling_aware("From the fallback.")(request)

    client, _ = await open_client(respond, fallback_models=["gpt41"], retry=RetryPolicy(attempts=1))

    result = await client.run("summarise it")

    assert result.output == "Summary: From the fallback."


async def test_elicitation_goes_to_the_callback(open_client: Open) -> None:
    asked: list[ElicitationRequest] = []

    def elicit(request: ElicitationRequest) -> dict[str, Any] | None:
        asked.append(request)
        return {"proceed": False, "reason": "still needed"}

    client, _ = await open_client([call("confirm_delete", {"model_id": "m1"}), reply("ok")], elicit=elicit)

    result = await client.run("delete m1")

    assert result.tool_calls[0].output == "kept m1: still needed"
    assert asked[0].server == "lab"
    assert asked[0].message == "Delete m1?"
    assert "proceed" in asked[0].schema["properties"]


async def test_a_declined_elicitation_reaches_the_server(open_client: Open) -> None:
    client, _ = await open_client(
        [call("confirm_delete", {"model_id": "m1"}), reply("ok")], elicit=lambda r: None
    )

    result = await client.run("delete m1")

    assert result.tool_calls[0].output == "not deleted (decline)"


async def test_without_a_callback_elicitation_is_refused_cleanly(open_client: Open) -> None:
    client, _ = await open_client([call("confirm_delete", {"model_id": "m1"}), reply("ok")])

    result = await client.run("delete m1")

    record = result.tool_calls[0]
    assert record.is_error
    assert "Elicitation not supported" in record.output


async def test_roots_come_from_configuration(open_client: Open, tmp_path: Path) -> None:
    expected_uri = tmp_path.resolve().as_uri()  # noqa: ASYNC240 - a test's own temp folder, once
    client, _ = await open_client(
        [call("where_can_i_write"), reply("ok")], roots=[tmp_path, "file:///shared/data"]
    )

    result = await client.run("where?")

    assert result.tool_calls[0].structured_content == {"result": [expected_uri, "file:///shared/data"]}


async def test_progress_and_logs_become_events(open_client: Open) -> None:
    client, _ = await open_client([call("long_job", {"steps": 3}), reply("done")])

    async with client.stream("work") as events:
        seen = [e async for e in events]

    progress = [(e.progress, e.total, e.message) for e in seen if isinstance(e, ToolProgress)]
    logs = [e for e in seen if isinstance(e, ServerLog)]
    assert progress == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    assert [(e.server, e.level, e.data) for e in logs] == [("lab", "info", "starting the long job")]


async def test_a_changed_tool_list_is_read_again_before_the_next_run(open_client: Open) -> None:
    client, model = await open_client([call("grow"), reply("grew"), call("grown"), reply("used it")])

    await client.run("grow")
    result = await client.run("use the new tool")

    assert "grown" not in model.requests[0].tool_names
    assert "grown" in model.requests[2].tool_names
    assert result.tool_calls[0].output == "I am new"


async def test_item13_logs_arrive_on_the_2026_protocol_too() -> None:
    model = ScriptedModel([call("long_job", {"steps": 1}), reply("done")])
    server = InProcessServer(name="lab", server=host_server(), protocol="auto")
    async with ArgoMCPClient(servers=[server], http_client=model.http_client(), model="gpt4o") as client:
        assert client.servers["lab"].protocol_version == "2026-07-28"
        async with client.stream("work") as events:
            seen = [e async for e in events]

    assert [(e.level, e.data) for e in seen if isinstance(e, ServerLog)] == [
        ("info", "starting the long job")
    ]


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("debug", logging.DEBUG),
        ("info", logging.INFO),
        ("notice", 25),
        ("warning", logging.WARNING),
        ("error", logging.ERROR),
        ("critical", logging.CRITICAL),
        ("alert", logging.CRITICAL + 5),
        ("emergency", logging.CRITICAL + 10),
    ],
)
def test_item13_every_mcp_log_level_maps_to_its_own_logging_level(
    level: str, expected: int, caplog: pytest.LogCaptureFixture
) -> None:
    host = ServerHost()
    params = mcp_types.LoggingMessageNotificationParams(level=level, data="hello")  # type: ignore[arg-type]

    with caplog.at_level(logging.DEBUG, logger="argo_mcp_client.server"):
        host._log("lab", params)

    assert [record.levelno for record in caplog.records] == [expected]

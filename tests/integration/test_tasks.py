"""Long-running tools as MCP tasks, list changes, and app-only tools, against three real servers.

* ``suite``: the suite's own 2026-07-28 server (mcp 2.x ``MCPServer``, stdio,
  ``tests/support/task_server.py``), whose task-only ``long_job`` reports progress;
* ``fastmcp``: a FastMCP 4 server with fastmcp-tasks over streamable HTTP
  (``tests/support/fastmcp_task_server.py``), with the same tools;
* server-everything (2025-11-25, stdio) and its task-only ``simulate-research-query``.

The model is simulated (``ScriptedModel``); the servers, their tasks and the protocol are real.
Whether a task was cancelled is asked of the server itself: with ``tasks/get`` (through
``ArgoMCPClient.task_result``) and, for the suite's server, its own record (``task_states``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from argo_mcp_client import (
    ArgoMCPClient,
    Conversation,
    ElicitationRequest,
    Event,
    HttpServer,
    RunTimeout,
    StdioServer,
    ToolCallFinished,
    ToolProgress,
)
from argo_mcp_client.testing import ScriptedModel, Step, call, reply
from integration.conftest import free_port, wait_for_port
from support import reference_servers
from support.processes import descendants

SUPPORT = Path(__file__).resolve().parents[1] / "support"
LIMIT = 60  # seconds any one test may take


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def fastmcp_url() -> Iterator[str]:
    """The FastMCP 4 + fastmcp-tasks server on loopback, for this module's tests."""
    port = free_port()
    script = str(SUPPORT / "fastmcp_task_server.py")
    process = subprocess.Popen(
        [sys.executable, script, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, process, timeout=30)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)


def suite_server(**settings: object) -> StdioServer:
    return StdioServer.model_validate(
        {"name": "suite", "command": sys.executable, "args": [str(SUPPORT / "task_server.py")], **settings}
    )


@pytest.fixture(params=["suite", "fastmcp"])
def server(request: pytest.FixtureRequest) -> StdioServer | HttpServer:
    """Each 2026-07-28 server with a task-only ``long_job``."""
    if request.param == "suite":
        return suite_server()
    return HttpServer(name="fastmcp", url=request.getfixturevalue("fastmcp_url"))


def client_for(model: ScriptedModel, *servers: StdioServer | HttpServer) -> ArgoMCPClient:
    return ArgoMCPClient(servers=list(servers), openai_client=model.openai_client(), model="gpt4o")


async def streamed(client: ArgoMCPClient, prompt: str = "Go.") -> list[Event]:
    events: list[Event] = []
    with anyio.fail_after(LIMIT):
        async with client.stream(prompt) as stream:
            async for event in stream:
                events.append(event)
    return events


async def first_task_id(client: ArgoMCPClient, prompt: str = "Go.") -> str:
    """Stream a run until the server has created a task, then leave the stream (stopping the run)."""
    with anyio.fail_after(LIMIT):
        async with client.stream(prompt) as stream:
            async for event in stream:
                if isinstance(event, ToolProgress) and event.task_id is not None:
                    return event.task_id
    raise AssertionError("the run ended without a task")


def tool_answer(model: ScriptedModel, request: int) -> str:
    return str(model.requests[request].messages[-1]["content"])


# -- 2026-07-28: the suite's own server and FastMCP 4 --------------------------------------------


async def test_a_task_only_tool_is_offered_and_its_progress_and_result_arrive(
    server: StdioServer | HttpServer,
) -> None:
    model = ScriptedModel([call("long_job", {"steps": 3, "delay": 0.3}), reply("Done.")])
    async with client_for(model, server) as client:
        events = await streamed(client)

    assert "long_job" in model.requests[0].tool_names
    progress = [e for e in events if isinstance(e, ToolProgress)]
    [finished] = [e for e in events if isinstance(e, ToolCallFinished)]
    assert progress, "no progress arrived"
    assert events.index(progress[0]) < events.index(finished)
    assert {e.task_id for e in progress} == {finished.call.task_id} != {None}
    assert progress[-1].status == "completed"
    # Polled every 50 ms against steps 300 ms apart: some of the messages are seen, in order.
    messages = [e.message for e in progress if e.message]
    assert messages
    assert messages == sorted(messages)
    assert set(messages) <= {"step 1 of 3", "step 2 of 3", "step 3 of 3"}
    assert finished.call.output == tool_answer(model, 1) == "done after 3 steps"
    assert not finished.call.is_error


async def test_leaving_the_stream_cancels_the_task_on_the_server(server: StdioServer | HttpServer) -> None:
    model = ScriptedModel([call("long_job", {"steps": 2, "delay": 0}), reply("never sent")])
    async with client_for(model, server) as client:
        task_id = await first_task_id(client)

        outcome = await client.task_result(server.name, task_id)

    assert outcome.status == "cancelled"
    assert outcome.is_error


async def test_a_tool_the_server_adds_during_a_run_is_offered_on_the_next_turn(
    server: StdioServer | HttpServer,
) -> None:
    model = ScriptedModel([call("add_tool", {"name": "triple"}), call("triple", {"x": 4}), reply("8.")])
    async with client_for(model, server) as client:
        with anyio.fail_after(LIMIT):
            result = await client.run("Add a tool, then use it.")

    assert "triple" not in model.requests[0].tool_names
    assert "triple" in model.requests[1].tool_names
    assert result.tool_calls[1].output == "8"


async def test_an_app_only_tool_is_never_in_a_request(server: StdioServer | HttpServer) -> None:
    model = ScriptedModel([call("echo", {"text": "hi"}), reply("hi")])
    async with client_for(model, server) as client:
        with anyio.fail_after(LIMIT):
            await client.run("Echo hi.")
        listed = await client.list_tools_raw(server.name)

    assert "app_dashboard" in {tool.name for tool in listed}
    assert all("app_dashboard" not in request.tool_names for request in model.requests)
    assert "app_dashboard" not in {tool.name for tool in client.tools}


# -- the suite's own server: its own record, deadlines, conversations ----------------------------


async def server_record(client: ArgoMCPClient, model: ScriptedModel) -> dict[str, str]:
    """The suite server's own ``{task_id: status}``, read by a run that calls ``task_states``."""
    before = len(model.requests)
    result = await client.run("What tasks are there?")
    assert len(model.requests) == before + 2
    return dict(json.loads(result.tool_calls[-1].structured_content["result"]))


async def test_the_server_itself_records_the_task_cancelled_when_the_stream_is_left() -> None:
    # The first run stops in its first request, so the next run's requests take the next steps.
    steps: list[Step] = [call("long_job", {"delay": 0}), call("task_states"), reply("ok")]
    model = ScriptedModel(steps)
    async with client_for(model, suite_server()) as client:
        task_id = await first_task_id(client)
        with anyio.fail_after(LIMIT):
            record = await server_record(client, model)

    assert record[task_id] == "cancelled"


async def test_the_run_deadline_cancels_the_task_on_the_server() -> None:
    # The first run stops in its first request, so the next run's requests take the next steps.
    steps: list[Step] = [call("long_job", {"delay": 0}), call("task_states"), reply("ok")]
    model = ScriptedModel(steps)
    async with client_for(model, suite_server()) as client:
        with anyio.fail_after(LIMIT), pytest.raises(RunTimeout):
            await client.run("Go.", deadline=1.0)
        with anyio.fail_after(LIMIT):
            record = await server_record(client, model)

    assert list(record.values()) == ["cancelled"]


async def test_the_task_timeout_cancels_the_task_and_tells_the_model() -> None:
    steps: list[Step] = [
        call("long_job", {"delay": 0}),
        reply("It timed out."),
        call("task_states"),
        reply("ok"),
    ]
    model = ScriptedModel(steps)
    async with client_for(model, suite_server(task_timeout=0.5)) as client:
        with anyio.fail_after(LIMIT):
            result = await client.run("Go.")
            record = await server_record(client, model)

    [job] = [c for c in result.tool_calls if c.name == "long_job"]
    assert job.is_error
    assert job.task_id is not None
    assert "was still running after 0.5 s and was cancelled" in job.output
    assert record == {job.task_id: "cancelled"}


async def test_a_conversation_keeps_the_task_ids_of_its_calls() -> None:
    model = ScriptedModel([call("long_job", {"steps": 1, "delay": 0.01}, id="call_job"), reply("Done.")])
    conversation = Conversation()
    async with client_for(model, suite_server()) as client:
        with anyio.fail_after(LIMIT):
            result = await client.chat(conversation, "Go.")
        saved = Conversation.from_json(conversation.to_json())
        ref = saved.tasks["call_job"]
        fetched = await client.task_result(ref.server, ref.task_id)

    assert ref.task_id == result.tool_calls[0].task_id
    assert (ref.server, ref.tool) == ("suite", "long_job")
    assert (fetched.status, fetched.output) == ("completed", "done after 1 steps")


async def test_no_server_process_outlives_the_client(server: StdioServer | HttpServer) -> None:
    before = descendants()
    model = ScriptedModel([call("long_job", {"delay": 0}), reply("never sent")])
    async with client_for(model, server) as client:
        await first_task_id(client)
    assert descendants() - before == set()


# -- 2025-11-25: server-everything's task-only tool ---------------------------------------------


@pytest.fixture(scope="module")
def everything() -> StdioServer:
    try:
        return reference_servers.everything_spec()
    except reference_servers.RegistryUnreachable as exc:
        pytest.skip(str(exc))


async def test_server_everythings_task_only_tool_runs_as_a_task(everything: StdioServer) -> None:
    model = ScriptedModel([call("simulate-research-query", {"topic": "yeast"}), reply("Done.")])
    async with client_for(model, everything) as client:
        events = await streamed(client)

    assert "simulate-research-query" in model.requests[0].tool_names
    progress = [e for e in events if isinstance(e, ToolProgress)]
    [finished] = [e for e in events if isinstance(e, ToolCallFinished)]
    assert "Gathering sources..." in {e.message for e in progress}
    assert progress[-1].status == "completed"
    assert finished.call.task_id == progress[0].task_id is not None
    assert tool_answer(model, 1).startswith("# Research Report: yeast")


async def test_leaving_the_stream_cancels_server_everythings_task(everything: StdioServer) -> None:
    model = ScriptedModel([call("simulate-research-query", {"topic": "yeast"}), reply("never sent")])
    async with client_for(model, everything) as client:
        task_id = await first_task_id(client)
        outcome = await client.task_result("everything", task_id)

    assert outcome.status == "cancelled"


async def test_a_task_only_tool_is_not_offered_when_tasks_are_off_for_a_legacy_server(
    everything: StdioServer,
) -> None:
    model = ScriptedModel([reply("ok")])
    async with client_for(model, everything.model_copy(update={"tasks": "never"})) as client:
        assert "simulate-research-query" not in {tool.name for tool in client.tools}


async def test_a_task_asking_for_input_is_answered_through_elicitation(everything: StdioServer) -> None:
    asked: list[ElicitationRequest] = []

    def elicit(request: ElicitationRequest) -> dict[str, str]:
        asked.append(request)
        return {"interpretation": "historical"}

    model = ScriptedModel(
        [call("simulate-research-query", {"topic": "yeast", "ambiguous": True}), reply("ok")]
    )
    async with ArgoMCPClient(
        servers=[everything], openai_client=model.openai_client(), model="gpt4o", elicit=elicit
    ) as client:
        events = await streamed(client)

    statuses = [e.status for e in events if isinstance(e, ToolProgress)]
    assert "input_required" in statuses
    assert statuses[-1] == "completed"
    assert [request.server for request in asked] == ["everything"]
    assert tool_answer(model, 1).startswith("# Research Report: yeast (historical)")

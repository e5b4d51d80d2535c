"""Following MCP tasks: the poll loop against a simulated task wire, and whole runs in-process."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio
import mcp.types as mcp_types
import pytest

from argo_mcp_client import ArgoMCPClient, InProcessServer, StdioServer, ToolProgress
from argo_mcp_client._mcp.tasks import (
    TaskCall,
    TaskState,
    TaskTimeout,
    TaskUpdate,
    _interval,
    _modern_outcome,
    _Seen,
    follow,
)
from argo_mcp_client.testing import ScriptedModel, call, reply
from support.task_server import build


@dataclass
class SimulatedWire:
    """A task wire that answers ``tasks/get`` from a list of states, then stays on the last."""

    states: list[_Seen]
    polls: int = 0
    cancelled: list[str] = field(default_factory=list)
    block: bool = False
    """Wait forever on ``tasks/get`` (a task that never ends)."""

    async def get(self, task_id: str) -> _Seen:
        self.polls += 1
        if self.block:
            await anyio.sleep_forever()
        return self.states[min(self.polls, len(self.states)) - 1]

    async def outcome(self, seen: _Seen) -> mcp_types.CallToolResult:
        return mcp_types.CallToolResult(
            content=[mcp_types.TextContent(type="text", text=f"ended {seen.status}")]
        )

    async def cancel(self, task_id: str) -> None:
        self.cancelled.append(task_id)


def seen(status: str, message: str | None = None) -> _Seen:
    return _Seen("t1", status, message, 0.0)


async def test_a_task_is_polled_until_it_ends_and_each_change_is_told() -> None:
    wire = SimulatedWire(
        [seen("working", "a"), seen("working", "a"), seen("working", "b"), seen("completed", "b")]
    )
    updates: list[TaskUpdate] = []
    call_ = TaskCall(watch=updates.append)

    result = await follow(wire, call_, seen("working"))

    assert result.content[0].text == "ended completed"  # type: ignore[union-attr]
    assert call_.task_id == "t1"
    assert [(u.status, u.message) for u in updates] == [
        ("working", None),
        ("working", "a"),
        ("working", "b"),
        ("completed", "b"),
    ]
    assert wire.polls == 4
    assert wire.cancelled == []


async def test_a_task_cut_short_by_cancellation_is_cancelled_on_the_server() -> None:
    wire = SimulatedWire([], block=True)
    updates: list[TaskUpdate] = []
    with anyio.move_on_after(0.05):
        await follow(wire, TaskCall(watch=updates.append), seen("working"))

    assert wire.cancelled == ["t1"]
    assert updates[-1].status == "cancelled"


async def test_a_task_past_its_timeout_is_cancelled_on_the_server_and_raises() -> None:
    wire = SimulatedWire([], block=True)

    with pytest.raises(TaskTimeout, match=r"still running after 0\.05 s"):
        await follow(wire, TaskCall(timeout=0.05), seen("working"))

    assert wire.cancelled == ["t1"]


@pytest.mark.parametrize(
    ("milliseconds", "seconds"), [(250, 0.25), (None, 1.0), (0, 1.0), (1, 0.05), (600_000, 10.0)]
)
def test_the_poll_interval_is_the_servers_within_bounds(milliseconds: int | None, seconds: float) -> None:
    assert _interval(milliseconds) == seconds


def state(**fields: object) -> TaskState:
    return TaskState.model_validate({"taskId": "t9", "resultType": "complete", **fields})


def test_a_completed_task_gives_its_inlined_result() -> None:
    result = _modern_outcome(
        state(
            status="completed",
            result={"content": [{"type": "text", "text": "42"}], "structuredContent": {"x": 1}},
        )
    )
    assert (result.content[0].text, result.structured_content, result.is_error) == ("42", {"x": 1}, False)  # type: ignore[union-attr]


def test_a_failed_task_gives_an_error_with_the_servers_reason() -> None:
    result = _modern_outcome(state(status="failed", error={"code": -32603, "message": "solver broke"}))
    assert result.is_error
    assert result.content[0].text == "task t9 failed: solver broke"  # type: ignore[union-attr]


def test_a_task_cancelled_on_the_server_gives_an_error() -> None:
    result = _modern_outcome(state(status="cancelled"))
    assert result.is_error


@pytest.mark.parametrize(
    ("tasks", "patterns", "support", "expected"),
    [
        ("auto", (), "required", True),
        ("auto", (), "optional", False),
        ("auto", ("long_*",), "optional", True),
        ("auto", ("long_*",), "forbidden", False),
        ("auto", ("*",), None, False),
        ("never", ("*",), "required", False),
    ],
)
def test_which_calls_run_as_tasks(
    tasks: str, patterns: tuple[str, ...], support: str | None, expected: bool
) -> None:
    spec = StdioServer.model_validate({"name": "s", "command": "x", "tasks": tasks, "task_tools": patterns})
    assert spec.runs_as_task("long_job", support) is expected


# -- in-process: the suite's task server, no subprocess -------------------------------------------


def in_process(**settings: object) -> InProcessServer:
    return InProcessServer.model_validate({"name": "suite", "server": build()[0], **settings})


async def test_an_in_process_task_reaches_the_model_with_its_id_and_progress() -> None:
    model = ScriptedModel([call("long_job", {"steps": 2, "delay": 0.01}), reply("Done.")])
    events = []
    async with ArgoMCPClient(
        servers=[in_process()], openai_client=model.openai_client(), model="gpt4o"
    ) as client:
        with anyio.fail_after(20):
            async with client.stream("Go.") as stream:
                events = [event async for event in stream]
            result = stream.result

    assert result is not None
    [job] = result.tool_calls
    assert job.output == "done after 2 steps"
    assert job.task_id is not None
    assert [e.status for e in events if isinstance(e, ToolProgress)][-1] == "completed"


async def test_without_tasks_a_task_only_tool_fails_with_the_servers_reason() -> None:
    model = ScriptedModel([call("long_job", {"steps": 1}), reply("It failed.")])
    server = in_process(tasks="never")
    async with ArgoMCPClient(servers=[server], openai_client=model.openai_client(), model="gpt4o") as client:
        with anyio.fail_after(20):
            result = await client.run("Go.")

    [job] = result.tool_calls
    assert job.is_error
    assert "runs only as a task" in job.output
    assert job.task_id is None


async def test_an_app_only_tool_is_listed_but_not_offered() -> None:
    model = ScriptedModel([reply("ok")])
    async with ArgoMCPClient(
        servers=[in_process()], openai_client=model.openai_client(), model="gpt4o"
    ) as client:
        listed = {tool.name for tool in await client.list_tools_raw("suite")}
        with anyio.fail_after(20):
            await client.run("Hi.")

    assert "app_dashboard" in listed
    assert "app_dashboard" not in model.requests[0].tool_names
    assert "echo" in model.requests[0].tool_names


async def test_a_tool_added_in_process_is_offered_on_the_next_turn() -> None:
    model = ScriptedModel([call("add_tool", {"name": "triple"}), call("triple", {"x": 2}), reply("4")])
    async with ArgoMCPClient(
        servers=[in_process()], openai_client=model.openai_client(), model="gpt4o"
    ) as client:
        with anyio.fail_after(20):
            result = await client.run("Go.")

    assert "triple" not in model.requests[0].tool_names
    assert "triple" in model.requests[1].tool_names
    assert result.tool_calls[1].output == "4"


async def test_cancelling_a_run_cancels_its_task_on_the_server() -> None:
    server, tasks = build()
    model = ScriptedModel([call("long_job", {"delay": 0}), reply("never sent")])
    spec = InProcessServer(name="suite", server=server)
    async with ArgoMCPClient(servers=[spec], openai_client=model.openai_client(), model="gpt4o") as client:
        with anyio.fail_after(20):
            async with anyio.create_task_group() as group:
                group.start_soon(client.run, "Go.")
                while not tasks.tasks:  # each pass waits until every task is blocked
                    await anyio.wait_all_tasks_blocked()
                await anyio.wait_all_tasks_blocked()
                group.cancel_scope.cancel()

    assert [task.status for task in tasks.tasks.values()] == ["cancelled"]

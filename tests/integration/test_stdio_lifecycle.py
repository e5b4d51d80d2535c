"""Stdio servers start, fail and stop without leaving a process behind, whatever happens."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from argo_mcp_client import ArgoMCPClient, Conversation, ServerStartError, StdioServer, ToolProgress
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import ScriptedModel, call, reply
from integration.conftest import faulty
from support.processes import descendants, servers_among


def client_for(model: ScriptedModel, *servers: StdioServer) -> ArgoMCPClient:
    return ArgoMCPClient(servers=list(servers), openai_client=model.openai_client(), model="gpt4o")


async def test_a_tool_runs_over_stdio_and_the_server_stops_with_the_client(children_before: set[int]) -> None:
    model = ScriptedModel([call("echo", {"text": "over stdio"}), reply("done")])

    with anyio.fail_after(30):
        async with client_for(model, faulty()) as client:
            assert len(servers_among(descendants() - children_before)) == 1
            result = await client.run("echo")

    assert result.tool_calls[0].output == "over stdio"
    assert descendants() - children_before == set()


async def test_servers_connect_concurrently(children_before: set[int]) -> None:
    model = ScriptedModel([reply("hi")])

    with anyio.fail_after(30):
        async with client_for(model, faulty("one"), faulty("two"), faulty("three")) as client:
            assert len(servers_among(descendants() - children_before)) == 3
            names = {t.name for t in client.tools}

    assert {"one__echo", "two__echo", "three__echo"} <= names
    assert descendants() - children_before == set()


async def test_a_missing_command_names_the_server_and_closes_the_others(children_before: set[int]) -> None:
    missing = StdioServer(name="ghost", command="no-such-mcp-server-binary", args=("--stdio",))

    with anyio.fail_after(30), pytest.raises(ServerStartError) as caught:
        async with client_for(ScriptedModel([]), faulty("good"), missing):
            pass

    assert caught.value.server == "ghost"
    assert "'ghost' (no-such-mcp-server-binary --stdio) failed to start: command not found" in str(
        caught.value
    )
    assert descendants() - children_before == set()


async def test_a_server_that_exits_at_start_is_reported(children_before: set[int]) -> None:
    with (
        anyio.fail_after(30),
        pytest.raises(ServerStartError, match=r"'quitter'.*exited during the handshake"),
    ):
        async with client_for(ScriptedModel([]), faulty("quitter", "--exit-at-start")):
            pass

    assert descendants() - children_before == set()


async def test_a_server_that_hangs_at_start_times_out_and_is_killed(children_before: set[int]) -> None:
    stuck = faulty("stuck", "--hang-at-start", connect_timeout=1.5)

    with (
        anyio.fail_after(30),
        pytest.raises(ServerStartError, match=r"'stuck' .* did not finish its handshake within 1.5 s"),
    ):
        async with client_for(ScriptedModel([]), stuck):
            pass

    assert descendants() - children_before == set()


async def test_a_server_crashing_mid_call_is_reported_and_restarted_on_next_use(
    children_before: set[int],
) -> None:
    model = ScriptedModel([call("crash"), call("echo", {"text": "still there?"}), reply("it crashed")])

    with anyio.fail_after(30):
        async with client_for(model, faulty()) as client:
            result = await client.run("crash it")

    crashed, after = result.tool_calls
    assert crashed.is_error
    assert "stopped during the call" in crashed.output
    assert "was not repeated" in crashed.output
    assert (after.is_error, after.output) == (False, "still there?")
    check_history(result.messages)
    assert descendants() - children_before == set()


async def test_a_read_only_call_is_replayed_after_a_crash_and_new_tools_are_listed(
    tmp_path: Path, children_before: set[int]
) -> None:
    marker = tmp_path / "crashed"
    server = faulty(env={"FAULTY_MARKER": str(marker)})
    model = ScriptedModel(
        [call("crash_once"), reply("replayed"), call("after_restart"), reply("new tool used")]
    )

    with anyio.fail_after(30):
        async with client_for(model, server) as client:
            first = await client.run("read it")
            second = await client.run("use the new tool")

    assert marker.exists()
    assert (first.tool_calls[0].is_error, first.tool_calls[0].output) == (False, "survived")
    assert (second.tool_calls[0].is_error, second.tool_calls[0].output) == (False, "new tool")
    assert "after_restart" in model.requests[2].tool_names
    assert descendants() - children_before == set()


async def test_cancelling_a_run_during_a_call_leaves_no_process(children_before: set[int]) -> None:
    model = ScriptedModel([call("hang"), reply("never")])
    conversation = Conversation()

    with anyio.fail_after(30):
        async with (
            client_for(model, faulty()) as client,
            client.stream("hang", conversation=conversation) as events,
        ):
            async for event in events:
                if isinstance(event, ToolProgress):  # the server is running the call
                    break

    check_history(conversation.messages)
    assert descendants() - children_before == set()


async def test_cancelling_the_task_holding_the_client_leaves_no_process(children_before: set[int]) -> None:
    model = ScriptedModel([call("hang"), reply("never")])
    in_flight = anyio.Event()

    async def hold() -> None:
        async with client_for(model, faulty()) as client, client.stream("hang") as events:
            async for event in events:
                if isinstance(event, ToolProgress):  # the server is running the call
                    in_flight.set()

    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            group.start_soon(hold)
            await in_flight.wait()
            group.cancel_scope.cancel()

    assert descendants() - children_before == set()


async def test_an_error_in_the_callers_block_leaves_no_process(children_before: set[int]) -> None:
    with anyio.fail_after(30), pytest.raises(KeyError):
        async with client_for(ScriptedModel([]), faulty()):
            raise KeyError("boom")

    assert descendants() - children_before == set()


async def test_a_hung_call_times_out_into_an_error_result(children_before: set[int]) -> None:
    model = ScriptedModel([call("hang"), call("echo", {"text": "alive"}), reply("done")])

    with anyio.fail_after(30):
        async with ArgoMCPClient(
            servers=[faulty()], openai_client=model.openai_client(), model="gpt4o", tool_timeout=0.5
        ) as client:
            result = await client.run("hang")

    hung, echoed = result.tool_calls
    assert hung.is_error
    assert "no result within 0.5 s" in hung.output
    assert echoed.output == "alive"
    assert descendants() - children_before == set()


def test_the_faulty_server_is_a_real_subprocess() -> None:
    # Guards the tests above against a setup where the "server" ran in-process.
    assert faulty().command == sys.executable

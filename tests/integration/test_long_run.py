"""Servers in the long run: restarts, deaths while idle, partial starts, one error tree.

Real servers, started and stopped by the fixtures: server-everything (npm) over stdio
and streamable HTTP, server-memory (npm), the FastMCP ledger server, and a bare
JSON-RPC server for what SDK servers cannot send.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from argo_mcp_client import ArgoMCPClient, ServerError, ServerStartError, StdioServer
from argo_mcp_client._mcp.connection import ServerConnection
from argo_mcp_client.testing import ScriptedModel, call, reply
from integration.conftest import SERVERS
from support.long_run import HttpProcess, everything_http, memory_spec
from support.processes import alive, descendants, servers_among
from support.reference_servers import everything_spec


def client_for(model: ScriptedModel, *servers: Any, **options: Any) -> ArgoMCPClient:
    return ArgoMCPClient(servers=list(servers), openai_client=model.openai_client(), model="gpt4o", **options)


def connection(client: ArgoMCPClient, name: str) -> ServerConnection:
    assert client._pool is not None
    return client._pool.connections[name]


def raw_server(name: str, *flags: str, **options: Any) -> StdioServer:
    return StdioServer(
        name=name, command=sys.executable, args=(str(SERVERS / "raw_server.py"), *flags), **options
    )


def server_pid(conn: ServerConnection) -> int:
    """The server process itself (under the parent-death guard on Linux)."""
    watch = conn._life.watch
    assert watch is not None
    assert watch.pid is not None
    found = servers_among(descendants(watch.pid) | {watch.pid})
    assert len(found) == 1, found
    return found.pop()


@pytest.fixture
def everything_over_http() -> Iterator[HttpProcess]:
    server = everything_http()
    server.start()
    try:
        yield server
    finally:
        server.kill()


def ledger_lines(ledger: Path) -> list[str]:
    return ledger.read_text().splitlines() if ledger.exists() else []


# -- item 1: an HTTP server that restarts is reconnected to ------------------------------------


async def test_item1_a_restarted_http_server_everything_is_reconnected(
    everything_over_http: HttpProcess,
) -> None:
    model = ScriptedModel(
        [call("echo", {"message": "before"}), reply("ok"), call("echo", {"message": "after"}), reply("ok")]
    )
    with anyio.fail_after(60):
        async with client_for(model, everything_over_http.spec("everything", protocol="legacy")) as client:
            first = await client.run("echo")
            everything_over_http.kill()
            everything_over_http.start()
            second = await client.run("echo again")
            prompts = await client.list_prompts("everything")

    assert first.tool_calls[0].output == "Echo: before"
    assert second.tool_calls[0].output == "Echo: after", second.tool_calls[0].output
    assert second.tool_calls[0].outcome == "replayed"  # refused by the new server: it never ran
    assert "simple-prompt" in {p.name for p in prompts}


async def test_item1_a_non_idempotent_call_refused_by_a_restarted_fastmcp_server_runs_once(
    ledger_over_http: HttpProcess, ledger: Path
) -> None:
    model = ScriptedModel(
        [call("record", {"token": "a"}), reply("ok"), call("record", {"token": "b"}), reply("ok")]
    )
    with anyio.fail_after(90):
        async with client_for(model, ledger_over_http.spec("ledger", protocol="legacy")) as client:
            await client.run("record a")
            ledger_over_http.kill()
            ledger_over_http.start()
            result = await client.run("record b")
            status = client.servers["ledger"]

    record = result.tool_calls[0]
    assert not record.is_error, record.output
    assert record.outcome == "replayed"
    assert ledger_lines(ledger) == ["ran a", "ran b"]
    assert status.alive
    assert status.restarts == 1


async def test_item1_an_http_server_that_stays_down_is_reported_without_running_the_call(
    ledger_over_http: HttpProcess, ledger: Path
) -> None:
    model = ScriptedModel([call("record", {"token": "a"}), reply("ok")])
    with anyio.fail_after(60):
        async with client_for(model, ledger_over_http.spec("ledger", protocol="legacy")) as client:
            ledger_over_http.kill()
            result = await client.run("record a")

    record = result.tool_calls[0]
    assert record.is_error
    assert record.outcome == "not_run", record
    assert "could not run" in record.output
    assert ledger_lines(ledger) == []


# -- item 2: a stdio server that dies while idle is noticed -----------------------------------


async def test_item2_a_stdio_server_killed_while_idle_is_noticed_and_restarted_before_the_next_call(
    tmp_path: Path,
) -> None:
    entity = {"name": "Ada", "entityType": "person", "observations": ["wrote the first program"]}
    model = ScriptedModel([call("create_entities", {"entities": [entity]}), reply("stored")])
    with anyio.fail_after(60):
        async with client_for(model, memory_spec(tmp_path / "memory.jsonl")) as client:
            conn = connection(client, "memory")
            watch = conn._life.watch
            assert watch is not None
            os.kill(server_pid(conn), signal.SIGKILL)
            await watch.exited.wait()
            down = client.servers["memory"]
            result = await client.run("remember Ada")
            up = client.servers["memory"]

    assert not down.alive
    assert down.error is not None
    assert "SIGKILL" in down.error, down.error
    record = result.tool_calls[0]
    assert not record.is_error, record.output
    assert record.outcome == "ran"
    assert up.alive
    assert up.restarts == 1
    stored = [json.loads(line) for line in (tmp_path / "memory.jsonl").read_text().splitlines()]
    assert [e["name"] for e in stored if e.get("type") == "entity"] == ["Ada"]


async def test_item2_no_server_process_is_left_after_a_crash_and_restart(
    tmp_path: Path, children_before: set[int]
) -> None:
    with anyio.fail_after(60):
        async with client_for(ScriptedModel([]), memory_spec(tmp_path / "m.jsonl")) as client:
            conn = connection(client, "memory")
            killed = server_pid(conn)
            os.kill(killed, signal.SIGKILL)
            assert conn._life.watch is not None
            await conn._life.watch.exited.wait()
            await client.list_tools_raw("memory")
            assert client.servers["memory"].alive
    assert not alive(killed)
    assert descendants() - children_before == set()


# -- item 4: one failing server does not stop the whole client --------------------------------


async def test_item4_a_server_that_is_not_required_may_fail_to_start() -> None:
    missing = StdioServer(name="ghost", command="no-such-mcp-server-binary", required=False)
    with anyio.fail_after(60):
        async with client_for(ScriptedModel([]), raw_server("raw"), missing) as client:
            statuses = client.servers
            tools = {t.name for t in client.tools}

    assert statuses["raw"].alive
    assert not statuses["ghost"].alive
    assert statuses["ghost"].error is not None
    assert "command not found" in statuses["ghost"].error
    assert tools == {"whoami", "echo"}


async def test_item4_a_required_server_that_fails_still_stops_the_start() -> None:
    missing = StdioServer(name="ghost", command="no-such-mcp-server-binary")
    with anyio.fail_after(60), pytest.raises(ServerStartError, match="'ghost'"):
        async with client_for(ScriptedModel([]), raw_server("raw"), missing):
            pass


async def test_item4_a_server_that_comes_up_later_is_tried_again(
    ledger_over_http: HttpProcess,
) -> None:
    ledger_over_http.kill()
    spec = ledger_over_http.spec("ledger", required=False, connect_timeout=10)
    model = ScriptedModel([reply("no tools yet"), call("peek", {"token": "x"}), reply("done")])
    with anyio.fail_after(90):
        async with client_for(model, spec) as client:
            assert not client.servers["ledger"].alive
            await client.run("anything")
            ledger_over_http.start()
            conn = connection(client, "ledger")
            conn._restart_at = 0.0  # the backoff has passed (it is seconds long)
            result = await client.run("peek")

    assert result.tool_calls[0].output == "0", result.tool_calls[0].output


async def test_item4_a_tool_whose_schema_has_no_type_is_listed_leniently() -> None:
    model = ScriptedModel([call("whoami", {}), reply("done")])
    with anyio.fail_after(60):
        async with client_for(model, raw_server("gitlab", "--schemaless")) as client:
            tool = next(t for t in client.tools if t.tool == "whoami")
            result = await client.run("who am I?")

    assert tool.parameters["type"] == "object"
    assert "type" not in tool.input_schema  # as the server sent it
    assert any(change.action == "add-type-object" for change in tool.report.changes), tool.report
    assert result.tool_calls[0].output == "whoami {}"


# -- item 12: resources and prompts share the error tree and the lifecycle ---------------------


async def test_item12_a_missing_resource_is_a_server_error() -> None:
    with anyio.fail_after(60):
        async with client_for(ScriptedModel([]), everything_spec()) as client:
            with pytest.raises(ServerError, match="could not read demo://nope") as caught:
                await client.read_resource("demo://nope", server="everything")
    assert caught.value.server == "everything"


async def test_item12_prompts_and_resources_restart_a_dead_server() -> None:
    with anyio.fail_after(60):
        async with client_for(ScriptedModel([]), everything_spec()) as client:
            conn = connection(client, "everything")
            os.kill(server_pid(conn), signal.SIGKILL)
            assert conn._life.watch is not None
            await conn._life.watch.exited.wait()
            prompts = await client.list_prompts("everything")
            text = await client.read_resource("demo://resource/dynamic/text/1", server="everything")

    assert "args-prompt" in {p.name for p in prompts}
    assert text[0].text is not None
    assert text[0].text.startswith("Resource 1:")


async def test_item12_resource_templates_are_listed() -> None:
    with anyio.fail_after(60):
        async with client_for(ScriptedModel([]), everything_spec()) as client:
            templates = await client.list_resource_templates()

    assert {t.uri_template for t in templates} == {
        "demo://resource/dynamic/text/{resourceId}",
        "demo://resource/dynamic/blob/{resourceId}",
    }
    assert {t.server for t in templates} == {"everything"}

"""The client against two real, public MCP servers, in both protocol eras.

server-everything (the MCP reference server, Node) speaks only the 2025-11-25
handshake; mcp-server-time (Python SDK) also speaks 2026-07-28. Each is connected
with ``protocol="auto"`` and ``protocol="legacy"``. The tests that only list and
call tools share one connected client per mode; the tests about naming across
servers and about processes start their own.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

import anyio
import pytest

from argo_mcp_client import ArgoMCPClient, RunResult, StdioServer, ToolInfo
from argo_mcp_client._history import check_history
from argo_mcp_client.config import ProtocolMode
from argo_mcp_client.testing import ScriptedModel, ScriptedRequest, Step, call, reply
from support import reference_servers
from support.compat import record_version
from support.processes import descendants, servers_among
from support.reference_servers import (
    EVERYTHING_TASK_TOOLS,
    EVERYTHING_TOOLS,
    TIME_TOOLS,
    variant,
)

pytestmark = pytest.mark.compat("server-everything and mcp-server-time")
record_version(
    "server-everything and mcp-server-time",
    f"{reference_servers.EVERYTHING_VERSION} and {reference_servers.TIME_VERSION}",
)

everything_server = reference_servers.everything_server
time_server = reference_servers.time_server

PROTOCOLS: tuple[ProtocolMode, ...] = ("auto", "legacy")
# The strictest backend's rule for function names (README, "Tool names").
VALID_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$")
NEGOTIATED = {
    ("auto", "everything"): "2025-11-25",
    ("auto", "time"): "2026-07-28",
    ("legacy", "everything"): "2025-11-25",
    ("legacy", "time"): "2025-11-25",
}
PROMPT = "Use the tools."


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    # Module scope, so the shared clients below live across this module's tests.
    return "asyncio"


class ModelScript:
    """A scripted model whose script each test sets, so one client serves many tests."""

    def __init__(self) -> None:
        self._steps: deque[Step] = deque()
        self.model = ScriptedModel(self._answer)

    def load(self, steps: tuple[Step, ...]) -> None:
        self._steps = deque(steps)
        self.model.requests.clear()

    def _answer(self, request: ScriptedRequest) -> Step:
        return self._steps.popleft() if self._steps else reply("(the test's script is used up)")


@dataclass
class Connected:
    """A client connected to server-everything and mcp-server-time in one protocol mode."""

    protocol: ProtocolMode
    client: ArgoMCPClient
    script: ModelScript = field(repr=False)

    @property
    def requests(self) -> list[ScriptedRequest]:
        return self.script.model.requests

    def tools(self, server: str) -> list[ToolInfo]:
        return [tool for tool in self.client.tools if tool.server == server]

    async def run(self, *steps: Step) -> RunResult:
        """Run the loop with the model following ``steps``."""
        self.script.load(steps)
        with anyio.fail_after(60):
            return await self.client.run(PROMPT)


@pytest.fixture(scope="module", params=PROTOCOLS)
async def connected(
    request: pytest.FixtureRequest, everything_server: StdioServer, time_server: StdioServer
) -> AsyncIterator[Connected]:
    protocol = cast(ProtocolMode, request.param)
    script = ModelScript()
    servers = [variant(everything_server, protocol=protocol), variant(time_server, protocol=protocol)]
    before = descendants()
    async with ArgoMCPClient(
        servers=servers, openai_client=script.model.openai_client(), model="gpt4o"
    ) as client:
        yield Connected(protocol, client, script)
    assert descendants() - before == set(), "a server outlived the shared client"


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> ProtocolMode:
    return cast(ProtocolMode, request.param)


def client_for(model: ScriptedModel, *servers: StdioServer) -> ArgoMCPClient:
    return ArgoMCPClient(servers=list(servers), openai_client=model.openai_client(), model="gpt4o")


def negotiated_protocol(client: ArgoMCPClient, server: str) -> str | None:
    return client.servers[server].protocol_version


def tool_message(request: ScriptedRequest, call_id: str) -> dict[str, Any]:
    """The tool message answering ``call_id`` in what the model was sent."""
    [message] = [m for m in request.messages if m["role"] == "tool" and m["tool_call_id"] == call_id]
    return message


def keys_anywhere(schema: object) -> set[str]:
    """Every key at any depth of a JSON value."""
    if isinstance(schema, dict):
        return set(schema).union(*(keys_anywhere(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(keys_anywhere(item) for item in schema))
    return set()


# --- Connecting and listing -----------------------------------------------------------------


async def test_each_server_negotiates_the_newest_protocol_it_speaks_in_the_mode(connected: Connected) -> None:
    versions = {server: negotiated_protocol(connected.client, server) for server in ("everything", "time")}

    assert versions == {server: NEGOTIATED[connected.protocol, server] for server in versions}


async def test_everything_tools_keep_their_hyphenated_names(connected: Connected) -> None:
    tools = connected.tools("everything")

    assert {tool.name for tool in tools} >= EVERYTHING_TOOLS
    assert all(tool.name == tool.tool and VALID_NAME.match(tool.name) for tool in tools)


async def test_time_tools_keep_their_names(connected: Connected) -> None:
    tools = connected.tools("time")

    assert {tool.name for tool in tools} == TIME_TOOLS
    assert all(tool.name == tool.tool and VALID_NAME.match(tool.name) for tool in tools)


async def test_a_tool_that_must_run_as_a_task_is_offered_to_the_model(connected: Connected) -> None:
    listed = await connected.client.list_tools_raw("everything")
    must_be_tasks = {
        tool.name for tool in listed if tool.execution and tool.execution.task_support == "required"
    }
    assert must_be_tasks == EVERYTHING_TASK_TOOLS

    offered = {
        tool.tool: tool.task_support for tool in connected.tools("everything") if tool.tool in must_be_tasks
    }
    assert offered == dict.fromkeys(must_be_tasks, "required")


async def test_the_draft_07_schema_keyword_is_reported_for_every_everything_tool(
    connected: Connected,
) -> None:
    tools = connected.tools("everything")

    assert all(tool.input_schema["$schema"] == "http://json-schema.org/draft-07/schema#" for tool in tools)
    assert [tool.name for tool in tools if "$schema" not in str(tool.report)] == []


async def test_the_draft_07_schema_keyword_never_reaches_the_model(connected: Connected) -> None:
    tools = connected.tools("everything")

    assert [tool.name for tool in tools if "$schema" in keys_anywhere(tool.parameters)] == []
    get_sum = next(tool for tool in tools if tool.name == "get-sum")
    assert get_sum.parameters == {
        "type": "object",
        "properties": {
            "a": {"type": "number", "description": "First number"},
            "b": {"type": "number", "description": "Second number"},
        },
        "required": ["a", "b"],
    }


async def test_time_schemas_lose_their_titles_and_keep_their_required_arguments(connected: Connected) -> None:
    tools = {tool.name: tool for tool in connected.tools("time")}

    assert "title" not in keys_anywhere([tool.parameters for tool in tools.values()])
    assert tools["convert_time"].parameters["required"] == ["source_timezone", "time", "target_timezone"]
    assert "title" in str(tools["convert_time"].report)


# --- Calling tools ----------------------------------------------------------------------------


async def test_get_sum_output_reaches_the_model(connected: Connected) -> None:
    result = await connected.run(call("get-sum", {"a": 2, "b": 3.5}), reply("5.5"))

    [record] = result.tool_calls
    assert (record.server, record.tool, record.is_error) == ("everything", "get-sum", False)
    assert record.output == "The sum of 2 and 3.5 is 5.5."
    assert tool_message(connected.requests[1], record.call_id)["content"] == record.output


async def test_echo_output_reaches_the_model(connected: Connected) -> None:
    result = await connected.run(call("echo", {"message": "Grüße aus Lemont"}), reply("echoed"))

    [record] = result.tool_calls
    assert (record.output, record.is_error) == ("Echo: Grüße aus Lemont", False)
    assert tool_message(connected.requests[1], record.call_id)["content"] == record.output


async def test_everything_structured_content_reaches_the_result_and_the_model(connected: Connected) -> None:
    result = await connected.run(call("get-structured-content", {"location": "Chicago"}), reply("rainy"))

    [record] = result.tool_calls
    assert record.structured_content == {
        "temperature": 36,
        "conditions": "Light rain / drizzle",
        "humidity": 82,
    }
    assert json.loads(tool_message(connected.requests[1], record.call_id)["content"]) == (
        record.structured_content
    )


async def test_get_current_time_output_reaches_the_model(connected: Connected) -> None:
    result = await connected.run(call("get_current_time", {"timezone": "Asia/Tokyo"}), reply("now"))

    [record] = result.tool_calls
    assert record.is_error is False
    assert isinstance(record.structured_content, dict)
    assert record.structured_content["timezone"] == "Asia/Tokyo"
    assert record.structured_content["datetime"].endswith("+09:00")  # Japan keeps no summer time
    assert json.loads(tool_message(connected.requests[1], record.call_id)["content"]) == (
        record.structured_content
    )


async def test_convert_time_output_reaches_the_model(connected: Connected) -> None:
    arguments = {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"}
    result = await connected.run(call("convert_time", arguments), reply("21:00 in Tokyo"))

    [record] = result.tool_calls
    assert record.is_error is False
    assert isinstance(record.structured_content, dict)
    assert record.structured_content["time_difference"] == "+9.0h"
    assert record.structured_content["target"]["datetime"].endswith("T21:00:00+09:00")
    assert json.loads(tool_message(connected.requests[1], record.call_id)["content"]) == (
        record.structured_content
    )


async def test_arguments_off_the_schema_come_back_as_an_error_result_without_a_call(
    connected: Connected,
) -> None:
    result = await connected.run(call("get-sum", {"a": "two", "b": 3}), reply("sorry"))

    [record] = result.tool_calls
    assert record.is_error
    assert "'two' is not of type 'number'" in record.output
    assert tool_message(connected.requests[1], record.call_id)["content"] == record.output
    assert result.output == "sorry"


@pytest.mark.parametrize(
    ("tool", "arguments", "complaint"),
    [
        ("gzip-file-as-resource", {"data": "not a url"}, "Input validation error"),
        ("get_current_time", {"timezone": "Mars/Olympus_Mons"}, "Invalid timezone"),
        (
            "convert_time",
            {"source_timezone": "UTC", "time": "25:99", "target_timezone": "UTC"},
            "Invalid time",
        ),
    ],
)
async def test_arguments_the_server_rejects_come_back_as_an_error_result(
    connected: Connected, tool: str, arguments: dict[str, Any], complaint: str
) -> None:
    result = await connected.run(call(tool, arguments), reply("sorry"))

    [record] = result.tool_calls
    assert record.is_error
    assert complaint in record.output
    assert tool_message(connected.requests[1], record.call_id)["content"] == record.output
    assert result.output == "sorry"


async def test_the_history_stays_valid_through_parallel_calls_to_both_servers_and_errors(
    connected: Connected,
) -> None:
    result = await connected.run(
        (
            call("get-sum", {"a": 1, "b": 2}),
            call("get_current_time", {"timezone": "UTC"}),
            call("get-sum", '{"a": 1,'),
            call("no-such-tool"),
        ),
        call("echo", {"message": "second turn"}),
        reply("done"),
    )

    check_history(result.messages)
    assert [record.is_error for record in result.tool_calls] == [False, False, True, True, False]
    assert result.turns == 3


# --- Several servers at once ------------------------------------------------------------------


async def test_colliding_tools_are_prefixed_with_their_server(
    everything_server: StdioServer, time_server: StdioServer
) -> None:
    twin = variant(everything_server, name="twin")

    with anyio.fail_after(60):
        async with client_for(ScriptedModel([]), everything_server, time_server, twin) as client:
            tools = client.tools

    assert {tool.name for tool in tools if tool.server == "time"} == TIME_TOOLS
    copies = [tool for tool in tools if tool.server in ("everything", "twin")]
    assert {tool.tool for tool in copies if tool.server == "twin"} >= EVERYTHING_TOOLS
    assert [tool.name for tool in copies if tool.name != f"{tool.server}__{tool.tool}"] == []
    assert all(VALID_NAME.match(tool.name) for tool in tools)


async def test_prefixed_calls_reach_exactly_the_server_they_name(
    everything_server: StdioServer, time_server: StdioServer, protocol: ProtocolMode
) -> None:
    # get-env shows the server's environment, so each copy says which one it is.
    first = variant(everything_server, protocol=protocol, env={"REFERENCE_COPY": "first"})
    twin = variant(everything_server, name="twin", protocol=protocol, env={"REFERENCE_COPY": "twin"})
    model = ScriptedModel(
        [
            (
                call("twin__get-env"),
                call("everything__get-env"),
                call("twin__get-sum", {"a": 40, "b": 2}),
                call("get_current_time", {"timezone": "UTC"}),
            ),
            reply("done"),
        ]
    )

    with anyio.fail_after(60):
        async with client_for(model, first, variant(time_server, protocol=protocol), twin) as client:
            result = await client.run(PROMPT)

    twin_env, first_env, twin_sum, now = result.tool_calls
    assert [(r.server, r.tool) for r in result.tool_calls] == [
        ("twin", "get-env"),
        ("everything", "get-env"),
        ("twin", "get-sum"),
        ("time", "get_current_time"),
    ]
    assert json.loads(twin_env.output)["REFERENCE_COPY"] == "twin"
    assert json.loads(first_env.output)["REFERENCE_COPY"] == "first"
    assert twin_sum.output == "The sum of 40 and 2 is 42."
    assert now.is_error is False


async def test_no_server_process_outlives_the_client(
    everything_server: StdioServer,
    time_server: StdioServer,
    protocol: ProtocolMode,
    children_before: set[int],
) -> None:
    servers = [variant(everything_server, protocol=protocol), variant(time_server, protocol=protocol)]
    model = ScriptedModel(
        [(call("echo", {"message": "hi"}), call("get_current_time", {"timezone": "UTC"})), "ok"]
    )

    with anyio.fail_after(60):
        async with client_for(model, *servers) as client:
            assert len(servers_among(descendants() - children_before)) == 2  # real subprocesses, one each
            await client.run(PROMPT)

    assert descendants() - children_before == set()

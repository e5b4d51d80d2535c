"""The servers' cache hints on list results (``ttlMs``): honoured, and used to list tools again."""

from __future__ import annotations

from typing import Any

import anyio
import mcp.types as types
from mcp.server import Server, ServerRequestContext

from argo_mcp_client import ArgoMCPClient, InProcessServer, SchemaLimits
from argo_mcp_client._mcp.connection import ServerConnection
from argo_mcp_client._mcp.pool import ServerPool
from argo_mcp_client._mcp.toolset import Toolset
from argo_mcp_client.testing import ScriptedModel, reply


def counting_server(ttl_ms: int) -> tuple[Server[Any], list[int]]:
    """A low-level server whose tool list carries ``ttl_ms``; the list counts how often it is asked."""
    asked: list[int] = []
    tool = types.Tool(name="ping", input_schema={"type": "object", "properties": {}})

    async def list_tools(ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None) -> Any:
        asked.append(1)
        return types.ListToolsResult(tools=[tool], ttl_ms=ttl_ms)

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> Any:
        return types.CallToolResult(content=[types.TextContent(type="text", text="pong")])

    return Server("hints", on_list_tools=list_tools, on_call_tool=call_tool), asked


async def test_a_tool_list_within_its_ttl_is_served_from_the_cache() -> None:
    server, asked = counting_server(ttl_ms=600_000)
    model = ScriptedModel([reply("ok")])
    async with ArgoMCPClient(
        servers=[InProcessServer(name="hints", server=server)],
        openai_client=model.openai_client(),
        model="gpt4o",
    ) as client:
        first = await client.list_tools_raw("hints")
        again = await client.list_tools_raw("hints")

    assert [t.name for t in first] == [t.name for t in again] == ["ping"]
    assert len(asked) == 1


async def test_tools_are_listed_again_once_their_ttl_has_passed() -> None:
    server, asked = counting_server(ttl_ms=600_000)
    connection = ServerConnection(InProcessServer(name="hints", server=server))
    listings: list[int] = []
    list_tools = connection.list_tools

    async def counted() -> list[types.Tool]:
        listings.append(1)
        return await list_tools()

    connection.list_tools = counted  # type: ignore[method-assign]
    async with ServerPool([connection]):
        toolset = Toolset({"hints": connection}, limits=SchemaLimits())
        await toolset.refresh()
        fresh_until = connection.tools_fresh_until
        await toolset.refresh()
        listed_within_ttl = len(listings)
        connection.tools_fresh_until = anyio.current_time() - 1  # as if the ten minutes had passed
        registry = await toolset.refresh()

    assert fresh_until is not None
    assert fresh_until > anyio.current_time() + 500
    assert listed_within_ttl == 1
    assert len(listings) == 2
    assert len(asked) == 1  # the SDK's cache, which keeps its own time, still held the list
    assert registry.names() == ["ping"]


async def test_tools_without_a_ttl_are_listed_once() -> None:
    server, asked = counting_server(ttl_ms=0)
    model = ScriptedModel([reply("one"), reply("two")])
    async with ArgoMCPClient(
        servers=[InProcessServer(name="hints", server=server)],
        openai_client=model.openai_client(),
        model="gpt4o",
    ) as client:
        with anyio.fail_after(10):
            await client.run("Hi.")
            await client.run("Hi again.")

    assert len(asked) == 1

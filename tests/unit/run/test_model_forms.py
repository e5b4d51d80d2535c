"""Each model receives the tools in the form its profile says, and the server sees what it declared."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from argo_mcp_client import InProcessServer
from argo_mcp_client.testing import call, reply
from unit.conftest import Connect


def greeter(seen: list[dict[str, object]]) -> InProcessServer:
    server = MCPServer("greeter")

    @server.tool()
    async def greet(name: str, times: int = 1) -> str:
        """Greet someone, perhaps several times."""
        seen.append({"name": name, "times": times})
        return " ".join([f"hello {name}"] * times)

    return InProcessServer(name="greeter", server=server)


async def test_gpt_gets_strict_tools_and_its_null_for_an_omitted_argument_never_reaches_the_server(
    connect: Connect,
) -> None:
    seen: list[dict[str, object]] = []
    client, model = await connect(
        [call("greet", {"name": "Ada", "times": None}), reply("done")], servers=[greeter(seen)]
    )

    result = await client.run("greet Ada", model="argo:gpt-4o")

    (tool,) = model.requests[0].tools
    assert tool["function"]["strict"] is True
    assert tool["function"]["parameters"]["required"] == ["name", "times"]
    assert result.tool_calls[0].arguments == {"name": "Ada"}
    assert not result.tool_calls[0].is_error
    assert seen == [{"name": "Ada", "times": 1}]


async def test_claude_gets_plain_tools(connect: Connect) -> None:
    client, model = await connect([reply("hi")], servers=[greeter([])])

    await client.run("hi", model="argo:claude-sonnet-4")

    (tool,) = model.requests[0].tools
    assert "strict" not in tool["function"]
    assert tool["function"]["parameters"]["required"] == ["name"]


async def test_fallback_model_gets_its_own_form(connect: Connect) -> None:
    from argo_mcp_client.testing import failure

    client, model = await connect([failure(503), reply("hi")], servers=[greeter([])])

    await client.run("hi", model="argo:gpt-4o", fallback_models=["argo:claude-sonnet-4"])

    first, second = model.requests
    assert first.tools[0]["function"].get("strict") is True
    assert "strict" not in second.tools[0]["function"]

"""Streamable HTTP servers, reached over loopback."""

from __future__ import annotations

import importlib.metadata

import anyio
import pytest

from argo_mcp_client import ArgoMCPClient, HttpServer, ServerStartError
from argo_mcp_client.testing import ScriptedModel, call, reply
from integration.conftest import free_port
from support.compat import record_version

pytestmark = pytest.mark.compat("MCP SDK server over streamable HTTP")
record_version("MCP SDK server over streamable HTTP", "mcp " + importlib.metadata.version("mcp"))


async def test_a_tool_runs_over_streamable_http_with_the_configured_headers(http_server_url: str) -> None:
    model = ScriptedModel([call("authorization"), reply("done")])
    server = HttpServer(name="remote", url=http_server_url, headers={"Authorization": "Bearer team-token"})

    with anyio.fail_after(30):
        async with ArgoMCPClient(
            servers=[server], openai_client=model.openai_client(), model="gpt4o"
        ) as client:
            result = await client.run("who am I?")

    assert result.tool_calls[0].output == "Bearer team-token"
    assert result.tool_calls[0].server == "remote"


@pytest.mark.not_compat("no server answers")
async def test_an_unreachable_http_server_says_so() -> None:
    server = HttpServer(name="nowhere", url=f"http://127.0.0.1:{free_port()}/mcp", connect_timeout=10)

    with (
        anyio.fail_after(30),
        pytest.raises(
            ServerStartError,
            match=r"'nowhere' \(http://127\.0\.0\.1:\d+/mcp\) failed to start: cannot connect",
        ),
    ):
        async with ArgoMCPClient(servers=[server], openai_client=ScriptedModel([]).openai_client()):
            pass

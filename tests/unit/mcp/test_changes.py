"""Change subscriptions on 2026-07-28 servers: a server that never acknowledges one does not block."""

from __future__ import annotations

from typing import Any

import anyio
import mcp.types as types
import pytest
from mcp.server import Server, ServerRequestContext

from argo_mcp_client import ArgoMCPClient, InProcessServer
from argo_mcp_client._mcp import changes
from argo_mcp_client.testing import ScriptedModel, reply


def silent_listener() -> Server[Any]:
    """A server that takes ``subscriptions/listen`` and never acknowledges it."""

    async def list_tools(ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None) -> Any:
        return types.ListToolsResult(tools=[types.Tool(name="ping", input_schema={"type": "object"})])

    async def listen(ctx: ServerRequestContext[Any], params: types.SubscriptionsListenRequestParams) -> Any:
        await anyio.sleep_forever()

    return Server("silent", on_list_tools=list_tools, on_subscriptions_listen=listen)


async def test_a_subscription_never_acknowledged_does_not_hold_up_the_connection(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(changes, "_ACK_WAIT", 0.2)
    model = ScriptedModel([reply("ok")])
    with anyio.fail_after(10):
        async with ArgoMCPClient(
            servers=[InProcessServer(name="silent", server=silent_listener())],
            openai_client=model.openai_client(),
            model="gpt4o",
        ) as client:
            result = await client.run("Hi.")

    assert result.output == "ok"
    assert "ping" in model.requests[0].tool_names
    assert "did not acknowledge the change subscription" in caplog.text

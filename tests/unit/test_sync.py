"""The blocking entry point, from plain code and from inside a running event loop."""

from __future__ import annotations

from argo_mcp_client import InProcessServer, run_sync
from argo_mcp_client.testing import ScriptedModel, call, reply
from support.servers import ToolLog, tool_server


def test_run_sync_runs_a_prompt_to_its_answer() -> None:
    model = ScriptedModel([call("add", {"a": 1, "b": 2}), reply("3")])
    lab = InProcessServer(name="lab", server=tool_server(ToolLog()))

    result = run_sync("1 + 2?", servers=[lab], http_client=model.http_client(), model="gpt4o")

    assert result.output == "3"
    assert result.tool_calls[0].output == "3"


async def test_run_sync_works_while_an_event_loop_is_running() -> None:
    model = ScriptedModel([reply("from a notebook")])

    result = run_sync("hi", http_client=model.http_client(), model="gpt4o")

    assert result.output == "from a notebook"

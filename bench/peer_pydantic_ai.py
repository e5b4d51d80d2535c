"""pydantic-ai as a benchmark side; run with its own venv's python (see ``bench/peers.py``).

``Agent`` over ``OpenAIChatModel`` (chat completions) with an ``OpenAIProvider`` pointed at the
stub, and an ``MCPToolset`` on FastMCP's ``StdioTransport`` for the echo server; the agent is
entered once, so the server stays up across runs. ``agent.run`` with an
``event_stream_handler`` that drains every event, which makes each model request stream.
No instrumentation (pydantic-ai's default); retries are the defaults; tools are cached (the default).

Command line: see ``bench.script.drive``.
"""
# The peer's packages live in its venv, not in the .venv mypy checks against.
# mypy: disable-error-code="import-not-found"

from __future__ import annotations

import time

START = time.perf_counter()

from contextlib import asynccontextmanager  # noqa: E402 - the clock starts before any import
from typing import TYPE_CHECKING, Any  # noqa: E402

from fastmcp.client.transports import StdioTransport  # noqa: E402
from pydantic_ai import Agent  # noqa: E402
from pydantic_ai.mcp import MCPToolset  # noqa: E402
from pydantic_ai.models.openai import OpenAIChatModel  # noqa: E402
from pydantic_ai.providers.openai import OpenAIProvider  # noqa: E402

from bench.script import MODEL, drive  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, AsyncIterator, Sequence

    from bench.script import Runner


async def drain(ctx: Any, events: AsyncIterable[Any]) -> None:
    async for _ in events:
        pass


@asynccontextmanager
async def connect(base_url: str, server: Sequence[str]) -> AsyncIterator[tuple[Runner, list[str]]]:
    toolset = MCPToolset(StdioTransport(command=server[0], args=list(server[1:])))
    model = OpenAIChatModel(MODEL, provider=OpenAIProvider(base_url=base_url, api_key="not-needed"))
    agent = Agent(model, toolsets=[toolset])
    async with agent:
        tools = [tool.name for tool in await toolset.list_tools()]

        async def run(text: str) -> str:
            result = await agent.run(text, event_stream_handler=drain)
            return str(result.output)

        yield run, tools


if __name__ == "__main__":
    raise SystemExit(drive(connect, START))

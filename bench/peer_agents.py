"""openai-agents as a benchmark side; run with its own venv's python (see ``bench/peers.py``).

``Agent`` + ``Runner.run_streamed`` (``Runner.run`` would not stream) over an
``OpenAIChatCompletionsModel`` (chat completions, not the Responses API) on an ``AsyncOpenAI``
client pointed at the stub, and ``MCPServerStdio`` for the echo server. Tracing is disabled;
retries are the SDK's defaults. ``cache_tools_list=True``: argo-mcp-client and the raw loop list
tools once too (without it every turn lists them again, one more round trip to the server).

Command line: see ``bench.script.drive``.
"""
# The peer's packages live in its venv, not in the .venv mypy checks against.
# mypy: disable-error-code="import-not-found"

from __future__ import annotations

import time

START = time.perf_counter()

from contextlib import asynccontextmanager  # noqa: E402 - the clock starts before any import
from typing import TYPE_CHECKING  # noqa: E402

from agents import Agent, OpenAIChatCompletionsModel, Runner, set_tracing_disabled  # noqa: E402
from agents.mcp import MCPServerStdio  # noqa: E402
from openai import AsyncOpenAI  # noqa: E402

from bench.script import MODEL, drive  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from bench.script import Runner as Run


@asynccontextmanager
async def connect(base_url: str, server: Sequence[str]) -> AsyncIterator[tuple[Run, list[str]]]:
    set_tracing_disabled(True)
    params = {"command": server[0], "args": list(server[1:])}
    async with (
        AsyncOpenAI(base_url=base_url, api_key="not-needed") as client,
        MCPServerStdio(params, cache_tools_list=True, name="bench") as echo,
    ):
        tools = [tool.name for tool in await echo.list_tools()]
        model = OpenAIChatCompletionsModel(model=MODEL, openai_client=client)
        agent = Agent(name="bench", model=model, mcp_servers=[echo])

        async def run(text: str) -> str:
            result = Runner.run_streamed(agent, text)
            async for _ in result.stream_events():
                pass
            return str(result.final_output)

        yield run, tools


if __name__ == "__main__":
    raise SystemExit(drive(connect, START))

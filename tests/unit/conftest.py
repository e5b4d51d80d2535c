"""Fixtures for loop tests: an in-process tool server and clients driven by a scripted model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import AsyncExitStack
from typing import Any, Protocol

import pytest

from argo_mcp_client import ArgoMCPClient, InProcessServer
from argo_mcp_client._models.retry import RetryPolicy
from argo_mcp_client.testing import Responder, ScriptedModel, Step
from support.servers import ToolLog, tool_server


class Connect(Protocol):
    def __call__(
        self,
        script: Sequence[Step] | Responder,
        *,
        servers: Sequence[InProcessServer] | None = None,
        **options: Any,
    ) -> Awaitable[tuple[ArgoMCPClient, ScriptedModel]]: ...


@pytest.fixture
def log() -> ToolLog:
    return ToolLog()


@pytest.fixture
def lab(log: ToolLog) -> InProcessServer:
    return InProcessServer(name="lab", server=tool_server(log))


@pytest.fixture(params=[True, False], ids=["streamed", "whole"])
def streaming(request: pytest.FixtureRequest) -> bool:
    """Every loop test runs twice: replies streamed in small chunks, and whole."""
    return bool(request.param)


@pytest.fixture
async def connect(lab: InProcessServer, streaming: bool) -> AsyncIterator[Connect]:
    """Open clients on the lab server (or others) whose model follows a script; all closed at teardown."""
    async with AsyncExitStack() as stack:

        async def factory(
            script: Sequence[Step] | Responder,
            *,
            servers: Sequence[InProcessServer] | None = None,
            **options: Any,
        ) -> tuple[ArgoMCPClient, ScriptedModel]:
            model = ScriptedModel(script)
            options.setdefault("model", "gpt4o")
            options.setdefault("streaming", streaming)
            # Loop tests see each gateway failure once; retries have tests of their own.
            options.setdefault("retry", RetryPolicy(attempts=1))
            client = ArgoMCPClient(
                servers=list(servers) if servers is not None else [lab],
                openai_client=model.openai_client(),
                **options,
            )
            await stack.enter_async_context(client)
            return client, model

        yield factory

"""All of a client's servers, connected concurrently and closed together."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

import anyio

from argo_mcp_client.errors import ServerStartError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from anyio.abc import TaskGroup

    from argo_mcp_client._mcp.connection import ServerConnection

logger = logging.getLogger("argo_mcp_client")


class ServerPool:
    """All of a client's servers, connected concurrently, closed together.

    A server whose spec says ``required=False`` may fail to start: the pool
    starts without it, and it is tried again later (on its next use, after a
    backoff). Any other failure stops the whole start.
    """

    def __init__(self, connections: Sequence[ServerConnection]) -> None:
        self.connections = {c.name: c for c in connections}
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> ServerPool:
        try:
            task_group: TaskGroup = await self._stack.enter_async_context(anyio.create_task_group())
            for connection in self.connections.values():
                connection.start(task_group)
            failures: list[ServerStartError] = []

            async def wait(connection: ServerConnection) -> None:
                try:
                    await connection.wait_ready()
                except ServerStartError as exc:
                    if connection.spec.required:
                        failures.append(exc)
                    else:
                        connection.note_start_failure()
                        logger.warning("starting without MCP server %r (required=False): %s", exc.server, exc)

            async with anyio.create_task_group() as waiters:
                for connection in self.connections.values():
                    waiters.start_soon(wait, connection)
            if failures:
                # Report the first configured server that failed; log the others.
                failures.sort(key=lambda e: list(self.connections).index(e.server))
                for extra in failures[1:]:
                    logger.error("%s", extra)
                raise failures[0]
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for connection in self.connections.values():
            connection.close()
        await self._stack.aclose()

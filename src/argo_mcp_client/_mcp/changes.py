"""List changes on 2026-07-28 servers: a ``subscriptions/listen`` stream per connection.

Handshake-era servers send free ``notifications/tools/list_changed`` (taken by the host's
message handler). A 2026-07-28 server sends change events only on a stream the client
opens, so each such connection holds one open for its life: a tools change marks the
server's tools for listing again before the next model request; every change also
clears the SDK's cached list, so the next listing of resources or prompts is fresh.
A stream that drops is opened again (events are not replayed, so the tools are then
listed again too).
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import mcp
from mcp.client.subscriptions import SubscriptionLost, ToolsListChanged
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from anyio.abc import TaskStatus

logger = logging.getLogger("argo_mcp_client")

_MAX_RELISTENS = 5
_RELISTEN_BACKOFF = 0.5
_ACK_WAIT = 10.0
"""Seconds a server has to acknowledge the subscription before the connection goes on without it."""


@asynccontextmanager
async def following_changes(
    client: mcp.Client, server: str, on_tools_changed: Callable[[], None]
) -> AsyncIterator[None]:
    """While in this block, hear ``client``'s list changes (2026-07-28 servers; a no-op otherwise).

    The stream is acknowledged before the block starts, so no change after that is missed.
    """
    if client.protocol_version not in MODERN_PROTOCOL_VERSIONS:
        yield
        return
    capabilities = client.server_capabilities
    kinds = {
        "tools_list_changed": capabilities.tools is not None,
        "prompts_list_changed": capabilities.prompts is not None,
        "resources_list_changed": capabilities.resources is not None,
    }
    if not any(kinds.values()):
        yield
        return
    async with anyio.create_task_group() as group:
        with anyio.move_on_after(_ACK_WAIT) as waiting:
            await group.start(_listen, client, server, kinds, on_tools_changed)
        if waiting.cancelled_caught:
            logger.warning(
                "MCP server %r did not acknowledge the change subscription within %g s; "
                "its lists are read as they are",
                server,
                _ACK_WAIT,
            )
        try:
            yield
        finally:
            group.cancel_scope.cancel()


async def _listen(
    client: mcp.Client,
    server: str,
    kinds: dict[str, Any],
    on_tools_changed: Callable[[], None],
    *,
    task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    started = False
    for attempt in range(_MAX_RELISTENS + 1):
        try:
            async with client.listen(**kinds) as subscription:
                if not started:
                    task_status.started()
                    started = True
                else:
                    on_tools_changed()  # events may have been lost while the stream was down
                async for event in subscription:
                    if isinstance(event, ToolsListChanged):
                        logger.info("MCP server %r says its tools changed", server)
                        on_tools_changed()
            return  # the server closed the stream
        except (SubscriptionLost, mcp.MCPError, TimeoutError) as exc:
            if not started:
                # A server without subscriptions: its lists are read as they are.
                logger.info("MCP server %r offers no change subscription: %s", server, exc)
                task_status.started()
                return
            logger.warning("change subscription to %r dropped (%s); listening again", server, exc)
            await anyio.sleep(_RELISTEN_BACKOFF * 2**attempt)
    logger.warning("gave up listening for changes from %r; its tools are read as last listed", server)

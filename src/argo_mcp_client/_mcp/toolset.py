"""The tools the servers offer now: the one place that decides when to list them again.

A server's tools are listed when it first connects, after it restarts, after
it says they changed, and when its cache hint (a positive ``ttlMs`` on the list)
runs out; nothing else lists them. The registry (model-facing names
and converted schemas) is rebuilt only when some server's list was read again,
so a run asking for the current tools before each model request costs a few
attribute reads when nothing changed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio

from argo_mcp_client._mcp.registry import ToolRegistry
from argo_mcp_client.errors import ServerError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import mcp.types as mcp_types

    from argo_mcp_client._mcp.connection import ServerConnection
    from argo_mcp_client._mcp.schema.types import SchemaLimits

logger = logging.getLogger("argo_mcp_client")


class Toolset:
    """The current tools of a client's servers, under the names the model sees."""

    def __init__(self, connections: Mapping[str, ServerConnection], *, limits: SchemaLimits) -> None:
        self._connections = connections
        self._limits = limits
        self._registry = ToolRegistry(())

    @property
    def registry(self) -> ToolRegistry:
        """The tools as last listed; :meth:`refresh` brings them up to date."""
        return self._registry

    async def refresh(self, *, strict: bool = False) -> ToolRegistry:
        """List again, concurrently, the tools of every server whose list is stale; the current registry.

        A server that never started is tried again here once its backoff has passed.
        A server that cannot list its tools keeps its last list (calls to it
        then tell the model why they failed) and is tried again next time.

        Args:
            strict: raise instead, for a server that is ``required`` (the client's start).

        Raises:
            ServerError: with ``strict``, a required server could not list its tools.
        """
        now = anyio.current_time()
        for connection in self._connections.values():
            if connection.tools_fresh_until is not None and now >= connection.tools_fresh_until:
                connection.tools_stale = True
        # A server that never listed its tools (it failed to start) is tried again
        # here; one that died after listing keeps its list, and its next call starts it.
        due = [c for c in self._connections.values() if c.tools_stale or (c.restart_due and not c.tools)]
        if not due:
            return self._registry
        listed = False

        async def list_one(connection: ServerConnection) -> None:
            nonlocal listed
            if not connection.alive and not connection.restart_due:
                return  # resting after a failed start
            connection.tools_stale = False
            try:
                connection.tools = await connection.list_tools()
                listed = True
            except ServerError as exc:
                connection.tools_stale = True
                if strict and connection.spec.required:
                    raise ServerError(
                        f"MCP server {connection.name!r} could not list its tools: {exc}",
                        server=connection.name,
                    ) from exc
                logger.warning("MCP server %r could not list its tools: %s", connection.name, exc)

        try:
            async with anyio.create_task_group() as group:
                for connection in due:
                    group.start_soon(list_one, connection)
        except BaseExceptionGroup as failures:
            # One server's failure is the error; the group is only how they ran.
            error = failures.exceptions[0]
            raise error from error.__cause__
        if listed or strict:
            self._registry = ToolRegistry.build(self._offered(), limits=self._limits)
        return self._registry

    def _offered(self) -> dict[str, list[mcp_types.Tool]]:
        """Each server's tools that its allow and deny lists offer to the model.

        Left out: tools meant for an app's UI only (``_meta.ui.visibility``
        without ``"model"``), and tools that can only run as tasks when the
        server's ``tasks`` setting is ``"never"``.
        """
        offered: dict[str, list[mcp_types.Tool]] = {}
        for name, connection in self._connections.items():
            offered[name] = []
            for tool in connection.tools:
                if app_only(tool):
                    logger.debug("not offering %s.%s: it is for apps only", name, tool.name)
                elif connection.spec.tasks == "never" and task_support(tool) == "required":
                    logger.info("not offering %s.%s: it can only run as a task", name, tool.name)
                elif connection.spec.offers(tool.name):
                    offered[name].append(tool)
        return offered


def task_support(tool: mcp_types.Tool) -> str | None:
    """The tool's ``execution.taskSupport`` (listed by 2025-11-25 servers), if any."""
    return tool.execution.task_support if tool.execution is not None else None


def app_only(tool: mcp_types.Tool) -> bool:
    """Whether the tool is for an MCP App's UI and not for the model (``_meta.ui.visibility``)."""
    ui = (tool.meta or {}).get("ui")
    visibility = ui.get("visibility") if isinstance(ui, dict) else None
    return isinstance(visibility, list) and "model" not in visibility

"""Connections to MCP servers, each owned by one task.

An MCP session must be closed by the task that opened it (its transport holds
anyio task groups), so each server gets a task of its own that opens the
session, waits until asked to stop, and closes it. Other tasks only send
requests through it. The pool starts these tasks in a task group owned by
whoever entered the pool, and connects every server concurrently.
"""

from __future__ import annotations

import logging
import sys
import uuid
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import anyio
import httpx2
import mcp
import mcp.types as mcp_types
from mcp.client.caching import CacheConfig
from mcp.client.streamable_http import streamable_http_client

from argo_mcp_client._mcp import tasks
from argo_mcp_client._mcp.changes import following_changes
from argo_mcp_client._mcp.host import ServerHost
from argo_mcp_client._mcp.info import ServerStatus
from argo_mcp_client._version import __version__
from argo_mcp_client.config import HttpServer, InProcessServer, StdioServer
from argo_mcp_client.errors import ServerError, ServerStartError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from anyio.abc import TaskGroup
    from mcp.shared.dispatcher import ProgressFnT

logger = logging.getLogger("argo_mcp_client")

_CLIENT_INFO = mcp_types.Implementation(name="argo-mcp-client", version=__version__)
_MAX_PAGES = 100


@dataclass(slots=True)
class _Life:
    """One life of a server session: its owner task's signals."""

    ready: anyio.Event = field(default_factory=anyio.Event)
    closing: anyio.Event = field(default_factory=anyio.Event)
    # Created up front so a start-up timeout can cancel the owner task
    # even before it has entered the scope.
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    client: mcp.Client | None = None
    failure: BaseException | None = None
    instance: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    """Names this start of the server (a new process for stdio, a new server object in process)."""


class ServerConnection:
    """One MCP server and the task that owns its session.

    A server that dies is started again on its next use, after a backoff that
    grows with each failed restart; a restarted server's tools are marked stale,
    for the :class:`~argo_mcp_client._mcp.toolset.Toolset` to list again.
    """

    def __init__(
        self,
        spec: StdioServer | HttpServer | InProcessServer,
        *,
        errlog: TextIO | None = None,
        host: ServerHost | None = None,
    ) -> None:
        self.spec = spec
        self._errlog = errlog
        self._host = host or ServerHost()
        self.tools_stale = True
        """Set until the tools are listed, and again when the server restarts or says they changed."""
        self._life = _Life()
        self._group: TaskGroup | None = None
        self._restart_lock = anyio.Lock()
        self._failed_restarts = 0
        self._restart_at = 0.0
        self.tools: list[mcp_types.Tool] = []
        """The tools as last listed (by the toolset)."""
        self.tools_fresh_until: float | None = None
        """When the server's cache hint (``ttlMs`` > 0) says the listed tools go stale."""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def alive(self) -> bool:
        return self._life.client is not None

    def start(self, group: TaskGroup) -> None:
        """Start the owner task in ``group``; later restarts go there too."""
        self._group = group
        group.start_soon(self._own, self._life, name=f"mcp-server:{self.name}")

    async def _own(self, life: _Life) -> None:
        """Open the session, hold it until closed, then close it: all in this task."""
        try:
            with life.scope:
                async with self._open() as client:
                    life.client = client
                    life.ready.set()
                    await life.closing.wait()
        except Exception as exc:
            life.failure = exc
            logger.warning("MCP server %r stopped: %s", self.name, _leaf(exc))
        finally:
            life.client = None
            life.ready.set()

    async def wait_ready(self) -> None:
        """Wait for the handshake; raise :class:`ServerStartError` if it failed or took too long."""
        life = self._life
        timeout = self.spec.connect_timeout
        with anyio.move_on_after(timeout):
            await life.ready.wait()
        if life.client is not None:
            return
        life.scope.cancel()
        if life.failure is not None:
            cause = _leaf(life.failure)
            reason = _start_failure_reason(cause)
            raise ServerStartError(
                f"MCP server {self.name!r} ({self.spec.describe()}) failed to start: {reason}",
                server=self.name,
                command=self.spec.describe(),
            ) from cause
        raise ServerStartError(
            f"MCP server {self.name!r} ({self.spec.describe()}) did not finish its handshake within "
            f"{timeout:g} s; check that it starts on its own, or raise connect_timeout",
            server=self.name,
            command=self.spec.describe(),
        )

    async def restart(self) -> None:
        """Start the server again if it died, waiting out the backoff of earlier failed restarts.

        Raises:
            ServerError: it is still resting after a failed restart, or failed to start again.
        """
        async with self._restart_lock:
            if self.alive:
                return  # another call restarted it meanwhile
            if self._group is None:
                raise ServerError(f"MCP server {self.name!r} was never started", server=self.name)
            wait = self._restart_at - anyio.current_time()
            if wait > 0:
                raise ServerError(
                    f"MCP server {self.name!r} is down; its next restart is in {wait:.1f} s", server=self.name
                )
            logger.warning("restarting MCP server %r", self.name)
            self._life = _Life()
            self._group.start_soon(self._own, self._life, name=f"mcp-server:{self.name}")
            try:
                await self.wait_ready()
            except ServerError:
                self._failed_restarts += 1
                self._restart_at = anyio.current_time() + min(30.0, 0.5 * 2**self._failed_restarts)
                raise
            self._failed_restarts = 0
            self.tools_stale = True

    def close(self) -> None:
        """Ask the owner task to close the session."""
        self._life.closing.set()

    async def list_tools(self) -> list[mcp_types.Tool]:
        """All of the server's tools, following pagination."""
        client = self._require_client()
        pages: list[mcp_types.ListToolsResult] = []

        async def fetch(cursor: str | None) -> mcp_types.ListToolsResult:
            pages.append(await client.list_tools(cursor=cursor))
            return pages[-1]

        listed = await self._all_pages("tools", fetch)
        ttl = pages[0].ttl_ms if pages and "ttl_ms" in pages[0].model_fields_set else 0
        self.tools_fresh_until = anyio.current_time() + ttl / 1000 if ttl > 0 else None
        return listed

    async def _all_pages(self, kind: str, fetch: Callable[[str | None], Awaitable[Any]]) -> list[Any]:
        items: list[Any] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            page = await fetch(cursor)
            items.extend(getattr(page, kind))
            if not (cursor := page.next_cursor):
                return items
        logger.warning(
            "MCP server %r paginated past %d pages of %s; using those", self.name, _MAX_PAGES, kind
        )
        return items

    def status(self) -> ServerStatus:
        client = self._life.client
        info = client.server_info if client is not None else None
        return ServerStatus(
            name=self.name,
            alive=client is not None,
            protocol_version=client.protocol_version if client is not None else None,
            server_name=info.name if info else None,
            server_version=info.version if info else None,
            tools=len(self.tools),
            # An HTTP server runs on its own: whether it restarted is not this client's to know.
            instance=None if isinstance(self.spec, HttpServer) else self._life.instance,
        )

    def offers(self, capability: str) -> bool:
        """Whether the server says it has ``capability`` ("resources", "prompts", ...)."""
        client = self._require_client()
        return getattr(client.server_capabilities, capability, None) is not None

    async def list_resources(self) -> list[mcp_types.Resource]:
        client = self._require_client()
        return await self._all_pages("resources", lambda cursor: client.list_resources(cursor=cursor))

    async def read_resource(self, uri: str) -> mcp_types.ReadResourceResult:
        return await self._require_client().read_resource(uri)

    async def list_prompts(self) -> list[mcp_types.Prompt]:
        client = self._require_client()
        return await self._all_pages("prompts", lambda cursor: client.list_prompts(cursor=cursor))

    async def get_prompt(self, name: str, arguments: dict[str, str]) -> mcp_types.GetPromptResult:
        return await self._require_client().get_prompt(name, arguments)

    async def call_tool(
        self,
        tool: str,
        arguments: dict[str, Any],
        *,
        read_timeout: float | None,
        on_progress: ProgressFnT | None = None,
        task: tasks.TaskCall | None = None,
        as_task: bool = False,
    ) -> mcp_types.CallToolResult:
        """Call ``tool``; MCP protocol and transport failures are raised as :class:`ServerError`.

        A call the server runs as a task is followed as ``task`` says; ``as_task`` asks a
        2025-11-25 server for a task (2026-07-28 servers decide themselves).
        """
        client = self._require_client()
        try:
            # The SDK's own request timeout, so the server hears that the call was cancelled.
            return await tasks.call_tool(
                client,
                tool,
                arguments,
                read_timeout=read_timeout,
                on_progress=on_progress,
                task=task,
                as_task=as_task,
            )
        except tasks.TaskTimeout:
            raise
        except mcp.MCPError as exc:
            if exc.code == mcp_types.REQUEST_TIMEOUT:
                raise TimeoutError(f"no result from {self.name!r} within {read_timeout:g} s") from None
            if exc.code == mcp_types.CONNECTION_CLOSED:
                self._lost(exc)
                raise ConnectionLost(
                    f"MCP server {self.name!r} stopped during the call ({exc.message})", server=self.name
                ) from exc
            raise ServerError(
                f"MCP server {self.name!r} failed the call: {exc.message}", server=self.name
            ) from exc
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError) as exc:
            self._lost(exc)
            raise ConnectionLost(
                f"MCP server {self.name!r} is unreachable: {exc!r}", server=self.name
            ) from exc

    async def task_result(self, task_id: str) -> tuple[str, mcp_types.CallToolResult]:
        """The status of the server's task ``task_id`` and, once it has ended, its result.

        Raises:
            ServerError: the server does not hold the task (any more).
        """
        try:
            return await tasks.fetch_result(self._require_client(), task_id)
        except mcp.MCPError as exc:
            raise ServerError(
                f"MCP server {self.name!r} does not hold task {task_id!r} (any more): {exc.message}",
                server=self.name,
            ) from exc

    def _mark_tools_stale(self) -> None:
        self.tools_stale = True

    def _lost(self, cause: Exception) -> None:
        # The session is gone: stop sending to it, and let the owner task
        # close the transport, which reaps the process.
        logger.warning("MCP server %r lost its connection: %s", self.name, cause)
        life = self._life
        life.failure = cause
        life.client = None
        life.closing.set()

    def _require_client(self) -> mcp.Client:
        life = self._life
        if life.client is None:
            why = f": {_leaf(life.failure)}" if life.failure is not None else ""
            raise ServerError(f"MCP server {self.name!r} is not running{why}", server=self.name)
        return life.client

    @asynccontextmanager
    async def _open(self) -> AsyncIterator[mcp.Client]:
        async with AsyncExitStack() as stack:
            spec = self.spec
            target: Any
            if isinstance(spec, StdioServer):
                params = mcp.StdioServerParameters(
                    command=spec.command, args=list(spec.args), env=dict(spec.env), cwd=spec.cwd
                )
                target = mcp.stdio_client(params, errlog=self._errlog or sys.stderr)
            elif isinstance(spec, HttpServer):
                http = await stack.enter_async_context(
                    httpx2.AsyncClient(headers=spec.headers, timeout=httpx2.Timeout(30.0, read=300.0))
                )
                target = streamable_http_client(spec.url, http_client=http)
            else:
                target = spec.server
            options = self._host.client_options(self.name, self._mark_tools_stale)
            extensions = [tasks.TasksExtension()] if spec.tasks != "never" else None
            client = mcp.Client(
                target,
                mode=spec.protocol,
                cache=CacheConfig(),
                extensions=extensions,
                client_info=_CLIENT_INFO,
                **options,
            )
            await stack.enter_async_context(client)
            await stack.enter_async_context(following_changes(client, self.name, self._mark_tools_stale))
            yield client


class ConnectionLost(ServerError):
    """The server went away during a call; whether the call took effect is unknown."""


def _leaf(exc: BaseException) -> BaseException:
    """The first real cause inside the exception groups the SDK's task groups raise."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _start_failure_reason(cause: BaseException) -> str:
    if isinstance(cause, FileNotFoundError):
        return f"command not found ({cause.filename or cause}); check the command and PATH"
    if isinstance(cause, PermissionError):
        return f"command is not executable ({cause})"
    if isinstance(cause, mcp.MCPError) and "closed" in cause.message.lower():
        return "the server exited during the handshake; run its command by hand to see its error output"
    if isinstance(cause, httpx2.ConnectError):
        return f"cannot connect ({cause}); is the server running at that URL?"
    return f"{type(cause).__name__}: {cause}"

"""Connections to MCP servers, each owned by one task.

An MCP session must be closed by the task that opened it (its transport holds
anyio task groups), so each server gets a task of its own that opens the
session, waits until asked to stop, and closes it. Other tasks only send
requests through it. The pool starts these tasks in a task group owned by
whoever entered the pool, and connects every server concurrently.

Each session is one *life* of the server. A life ends when the server exits
(noticed when it happens), when an HTTP server no longer knows the session (it
restarted), or when the connection breaks during a request. The next request
starts a new life, after a backoff that grows with each failed start. Every
request (tools, resources, prompts) goes through the same path, and every
failure is raised as a :class:`~argo_mcp_client.errors.ServerError`.
"""

from __future__ import annotations

import logging
import math
import uuid
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import anyio
import httpx2
import mcp
import mcp.types as mcp_types
import pydantic
from mcp.client.caching import CacheConfig
from mcp.client.streamable_http import streamable_http_client

from argo_mcp_client._mcp import tasks
from argo_mcp_client._mcp.changes import following_changes
from argo_mcp_client._mcp.host import ServerHost
from argo_mcp_client._mcp.info import ServerStatus
from argo_mcp_client._mcp.stdio import StdioWatch, call_key, stdio_transport
from argo_mcp_client._mcp.tap import DeliveryTransport, Tap
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
_MAX_BACKOFF = 30.0
_T = TypeVar("_T")
_TRANSPORT_ERRORS = (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError, httpx2.TransportError)


@dataclass(slots=True)
class _Life:
    """One life of a server session: its owner task's signals, and what its transport saw."""

    ready: anyio.Event = field(default_factory=anyio.Event)
    closing: anyio.Event = field(default_factory=anyio.Event)
    # Created up front so a start-up timeout can cancel the owner task
    # even before it has entered the scope.
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    client: mcp.Client | None = None
    failure: BaseException | None = None
    ended: bool = False
    """The connection is known to be gone (exited, refused, broken)."""
    watch: StdioWatch | None = None
    delivery: DeliveryTransport | None = None
    tap: Tap | None = None
    instance: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    """Names this start of the server (a new process for stdio, a new server object in process)."""

    def reached(self, key: str) -> bool:
        """Whether a ``tools/call`` with this :func:`call_key` may have reached the server."""
        if self.watch is not None:
            return self.watch.delivered[key] > 0
        if self.delivery is not None:
            return key not in self.delivery.refused
        return True


class ServerConnection:
    """One MCP server and the task that owns its session.

    A server that dies is started again on its next use, after a backoff that
    grows with each failed start; a restarted server's tools are marked stale,
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
        self.restarts = 0
        """How many times the server was started again."""
        self.last_error: str | None = None
        """Why the server last stopped or failed to start."""
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
                async with self._open(life) as client:
                    if not life.ended:
                        life.client = client
                    life.ready.set()
                    await life.closing.wait()
        except Exception as exc:
            life.failure = exc
            if life.ready.is_set():
                logger.warning("MCP server %r stopped: %s", self.name, _leaf(exc))
        finally:
            life.client = None
            life.ended = True
            life.ready.set()

    async def wait_ready(self) -> None:
        """Wait for the handshake; raise :class:`ServerStartError` if it failed or took too long."""
        life = self._life
        timeout = self.spec.connect_timeout
        with anyio.move_on_after(timeout):
            await life.ready.wait()
        if life.client is not None:
            self.last_error = None
            return
        life.scope.cancel()
        if life.watch is not None and not life.ended:
            # Let the owner task stop the process, so its exit status and stderr are known.
            with anyio.move_on_after(5.0):
                await life.watch.exited.wait()
        details = life.watch.describe_exit() if life.watch is not None else ""
        if life.failure is not None:
            cause = _leaf(life.failure)
            exited = life.watch is not None and life.watch.returncode is not None
            reason = _start_failure_reason(cause, details, exited=exited)
            error = ServerStartError(
                f"MCP server {self.name!r} ({self.spec.describe()}) failed to start: {reason}",
                server=self.name,
                command=self.spec.describe(),
            )
            self.last_error = str(error)
            raise error from cause
        error = ServerStartError(
            f"MCP server {self.name!r} ({self.spec.describe()}) did not finish its handshake within "
            f"{timeout:g} s; check that it starts on its own, or raise connect_timeout"
            + (f"; {details}" if details else ""),
            server=self.name,
            command=self.spec.describe(),
        )
        self.last_error = str(error)
        raise error

    def note_start_failure(self) -> None:
        """Count a failed first start toward the restart backoff."""
        self._failed_restarts += 1
        self._restart_at = anyio.current_time() + min(_MAX_BACKOFF, 0.5 * 2**self._failed_restarts)

    @property
    def restart_due(self) -> bool:
        """Whether the server is down and its backoff has passed."""
        return not self.alive and anyio.current_time() >= self._restart_at

    async def restart(self) -> None:
        """Start the server again if it died, waiting out the backoff of earlier failed starts.

        Raises:
            ServerError: it is still resting after a failed start, or failed to start again.
        """
        async with self._restart_lock:
            if self.alive:
                return  # another call restarted it meanwhile
            if self._group is None:
                raise ServerError(f"MCP server {self.name!r} was never started", server=self.name)
            wait = self._restart_at - anyio.current_time()
            if wait > 0:
                why = f" ({self.last_error})" if self.last_error else ""
                raise ServerError(
                    f"MCP server {self.name!r} is down{why}; its next restart is in {wait:.1f} s",
                    server=self.name,
                )
            logger.warning("restarting MCP server %r", self.name)
            self._life.closing.set()  # the old owner task, if any, closes its transport
            self._life = _Life()
            self._group.start_soon(self._own, self._life, name=f"mcp-server:{self.name}")
            try:
                await self.wait_ready()
            except ServerError:
                self.note_start_failure()
                raise
            self._failed_restarts = 0
            self.restarts += 1
            self.tools_stale = True

    def close(self) -> None:
        """Ask the owner task to close the session."""
        self._life.closing.set()

    async def _running(self) -> tuple[mcp.Client, _Life]:
        """The live session, starting the server again first if it is down."""
        life = self._life
        if life.client is None or life.ended:
            await self.restart()
            life = self._life
        if life.client is None:  # pragma: no cover - restart either sets it or raises
            raise ServerError(f"MCP server {self.name!r} is not running", server=self.name)
        return life.client, life

    async def _request(self, what: str, op: Callable[[mcp.Client], Awaitable[_T]]) -> _T:
        """Run a request that is safe to repeat (list, read, get), once more after a lost connection."""
        for attempt in (1, 2):
            client, life = await self._running()
            try:
                return await op(client)
            except mcp.MCPError as exc:
                if not self._gone(exc, life):
                    raise ServerError(
                        f"MCP server {self.name!r} could not {what}: {exc.message}", server=self.name
                    ) from exc
                self._lost(life, exc)
                if attempt == 2:
                    raise ConnectionLost(
                        f"MCP server {self.name!r} stopped while asked to {what} ({exc.message})",
                        server=self.name,
                    ) from exc
            except _TRANSPORT_ERRORS as exc:
                self._lost(life, exc)
                if attempt == 2:
                    raise ConnectionLost(
                        f"MCP server {self.name!r} is unreachable: {exc!r}", server=self.name
                    ) from exc
            except pydantic.ValidationError as exc:
                raise ServerError(
                    f"MCP server {self.name!r} sent a reply to {what} that does not fit MCP: "
                    f"{_first_error(exc)}",
                    server=self.name,
                ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def list_tools(self) -> list[mcp_types.Tool]:
        """All of the server's tools, following pagination; leniently (see :mod:`.tap`)."""
        pages: list[mcp_types.ListToolsResult] = []

        async def listing(client: mcp.Client) -> list[mcp_types.Tool]:
            pages.clear()

            async def fetch(cursor: str | None = None) -> mcp_types.ListToolsResult:
                pages.append(await client.list_tools(cursor=cursor))
                return pages[-1]

            return await self._all_pages("tools", fetch)

        tools = await self._request("list its tools", listing)
        ttl = pages[0].ttl_ms if pages and "ttl_ms" in pages[0].model_fields_set else 0
        self.tools_fresh_until = anyio.current_time() + ttl / 1000 if ttl and ttl > 0 else None
        tap = self._life.tap
        if tap is None or not tap.lenient:
            return tools
        return [
            tool.model_copy(update={"input_schema": tap.lenient[tool.name]})
            if tool.name in tap.lenient
            else tool
            for tool in tools
        ]

    async def _all_pages(self, kind: str, fetch: Callable[..., Awaitable[Any]]) -> list[Any]:
        items: list[Any] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            page = await fetch(cursor=cursor)
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
            error=None if client is not None else self.last_error,
            restarts=self.restarts,
            # An HTTP server runs on its own: whether it restarted is not this client's to know.
            instance=None if isinstance(self.spec, HttpServer) else self._life.instance,
        )

    async def offers(self, capability: str) -> bool:
        """Whether the server says it has ``capability`` ("resources", "prompts", ...)."""
        client, _ = await self._running()
        return getattr(client.server_capabilities, capability, None) is not None

    async def list_resources(self) -> list[mcp_types.Resource]:
        return await self._request(
            "list its resources", lambda client: self._all_pages("resources", client.list_resources)
        )

    async def list_resource_templates(self) -> list[mcp_types.ResourceTemplate]:
        return await self._request(
            "list its resource templates",
            lambda client: self._all_pages("resource_templates", client.list_resource_templates),
        )

    async def read_resource(self, uri: str) -> mcp_types.ReadResourceResult:
        return await self._request(f"read {uri}", lambda client: client.read_resource(uri))

    async def list_prompts(self) -> list[mcp_types.Prompt]:
        return await self._request(
            "list its prompts", lambda client: self._all_pages("prompts", client.list_prompts)
        )

    async def get_prompt(self, name: str, arguments: dict[str, str]) -> mcp_types.GetPromptResult:
        return await self._request(f"give prompt {name!r}", lambda client: client.get_prompt(name, arguments))

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
        """Call ``tool``, starting the server again first if it is down.

        A call the server runs as a task is followed as ``task`` says; ``as_task`` asks a
        2025-11-25 server for a task (2026-07-28 servers decide themselves).

        ``read_timeout`` is silence: each progress report from the server starts
        it again. On a timeout or cancellation the server is told
        (``notifications/cancelled``).

        Raises:
            ConnectionLost: the connection went away during the call; its
                ``reached`` says whether the call may have reached the server.
            ServerError: the server could not be started, or failed the request.
            TimeoutError: no result and no progress within ``read_timeout``.
        """
        client, life = await self._running()
        key = call_key(tool, arguments)
        scope = anyio.CancelScope()
        if read_timeout is not None:
            scope.deadline = anyio.current_time() + read_timeout

        async def progress(progress: float, total: float | None, message: str | None) -> None:
            if read_timeout is not None:
                scope.deadline = anyio.current_time() + read_timeout
            if on_progress is not None:
                await on_progress(progress, total, message)

        if task is not None:
            # Once the server runs the call as a task, the task's own deadline governs
            # (``task_timeout``); ``read_timeout`` bounds only the call that creates it.
            watch = task.watch

            def on_task(update: tasks.TaskUpdate) -> None:
                scope.deadline = math.inf
                if watch is not None:
                    watch(update)

            task.watch = on_task

        try:
            with scope:
                # No SDK timeout: the scope measures silence, and its cancellation tells the server.
                return await tasks.call_tool(
                    client,
                    tool,
                    arguments,
                    read_timeout=None,
                    on_progress=progress,
                    task=task,
                    as_task=as_task,
                )
        except tasks.TaskTimeout:
            raise
        except mcp.MCPError as exc:
            if exc.code == mcp_types.REQUEST_TIMEOUT:
                raise TimeoutError(f"no result from {self.name!r} within {read_timeout:g} s") from None
            if (limit := self._oversize(exc)) is not None:
                raise CallFailed(
                    f"the result from {self.name!r} is larger than the {limit:,} byte limit of one message "
                    "(raise max_message_bytes on the server's HttpServer to accept it)",
                    server=self.name,
                ) from exc
            if self._gone(exc, life):
                self._lost(life, exc)
                raise ConnectionLost(
                    f"MCP server {self.name!r} stopped during the call ({exc.message})",
                    server=self.name,
                    reached=life.reached(key),
                ) from exc
            raise CallFailed(
                f"MCP server {self.name!r} failed the call: {exc.message}", server=self.name
            ) from exc
        except _TRANSPORT_ERRORS as exc:
            self._lost(life, exc)
            raise ConnectionLost(
                f"MCP server {self.name!r} is unreachable: {exc!r}",
                server=self.name,
                reached=life.reached(key),
            ) from exc
        raise TimeoutError(f"no result or progress from {self.name!r} within {read_timeout:g} s")

    async def task_result(self, task_id: str) -> tuple[str, mcp_types.CallToolResult]:
        """The status of the server's task ``task_id`` and, once it has ended, its result.

        Raises:
            ServerError: the server does not hold the task (any more), or cannot be reached.
        """
        client, _ = await self._running()
        try:
            return await tasks.fetch_result(client, task_id)
        except mcp.MCPError as exc:
            raise ServerError(
                f"MCP server {self.name!r} does not hold task {task_id!r} (any more): {exc.message}",
                server=self.name,
            ) from exc

    def _oversize(self, exc: mcp.MCPError) -> int | None:
        if isinstance(self.spec, HttpServer) and "byte limit" in exc.message:
            return self.spec.max_message_bytes
        return None

    def _mark_tools_stale(self) -> None:
        self.tools_stale = True

    @staticmethod
    def _gone(exc: mcp.MCPError, life: _Life) -> bool:
        return life.ended or life.client is None or exc.code == mcp_types.CONNECTION_CLOSED

    def _lost(self, life: _Life, cause: object) -> None:
        # The session is gone: stop sending to it, and let the owner task
        # close the transport, which reaps the process.
        if life.client is not None:
            logger.warning("MCP server %r lost its connection: %s", self.name, cause)
            self.last_error = f"lost its connection: {cause}"
        life.ended = True
        life.client = None
        life.closing.set()

    def _ended(self, life: _Life, why: str) -> None:
        """The transport saw the connection end (the process exited, the session was refused)."""
        if life.ended:
            return
        if life.watch is not None and life.watch.exited.is_set():
            why = life.watch.describe_exit() or why
        was_up = life.client is not None
        life.ended = True
        life.client = None
        life.closing.set()
        if was_up:
            self.last_error = why
            logger.warning("MCP server %r: %s; it is started again on its next use", self.name, why)

    @asynccontextmanager
    async def _open(self, life: _Life) -> AsyncIterator[mcp.Client]:
        async with AsyncExitStack() as stack:
            spec = self.spec
            tap = life.tap = Tap(self.name, on_end=lambda: self._ended(life, "its connection ended"))
            target: Any
            if isinstance(spec, StdioServer):
                life.watch = StdioWatch()
                streams: tuple[Any, Any] = await stack.enter_async_context(
                    stdio_transport(
                        spec,
                        life.watch,
                        errlog=self._errlog,
                        on_exit=lambda: self._ended(life, "it exited"),
                    )
                )
                target = _Streams(tap.wrap(streams))
            elif isinstance(spec, HttpServer):
                life.delivery = DeliveryTransport(
                    httpx2.AsyncHTTPTransport(),
                    on_session_refused=lambda: self._ended(
                        life, "it no longer knows the session (restarted)"
                    ),
                )
                http = await stack.enter_async_context(
                    httpx2.AsyncClient(
                        headers=spec.headers,
                        timeout=httpx2.Timeout(30.0, read=300.0),
                        transport=life.delivery,
                    )
                )
                streams = await stack.enter_async_context(
                    streamable_http_client(
                        spec.url, http_client=http, max_sse_event_size=spec.max_message_bytes
                    )
                )
                target = _Streams(tap.wrap(streams))
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


class _Streams:
    """Streams already open, as the transport ``mcp.Client`` expects (an async context manager)."""

    def __init__(self, streams: tuple[Any, Any]) -> None:
        self._streams = streams

    async def __aenter__(self) -> tuple[Any, Any]:
        return self._streams

    async def __aexit__(self, *exc_info: object) -> None:
        return None


class CallFailed(ServerError):
    """The server answered a call with an error instead of a result."""


class ConnectionLost(ServerError):
    """The server went away during a call.

    Attributes:
        reached: whether the call may have reached the server (``False``: it
            certainly did not, so it did not run).
    """

    def __init__(self, message: str, *, server: str, reached: bool = True) -> None:
        super().__init__(message, server=server)
        self.reached = reached


def _leaf(exc: BaseException) -> BaseException:
    """The first real cause inside the exception groups the SDK's task groups raise."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _first_error(exc: pydantic.ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _start_failure_reason(cause: BaseException, details: str, *, exited: bool = False) -> str:
    if isinstance(cause, FileNotFoundError):
        return f"command not found ({cause.filename or cause}); check the command and PATH"
    if isinstance(cause, PermissionError):
        return f"command is not executable ({cause})"
    if isinstance(cause, httpx2.ConnectError):
        return f"cannot connect ({cause}); is the server running at that URL?"
    if isinstance(cause, mcp.MCPError) and "closed" in cause.message.lower():
        base = (
            "the server exited during the handshake"
            if exited
            else "the connection closed during the handshake"
        )
        return f"{base}; {details}" if details else f"{base}; it printed nothing to stderr"
    base = f"{type(cause).__name__}: {cause}"
    return f"{base}; {details}" if details else base

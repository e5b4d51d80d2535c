"""Watching a session's traffic: the end of a connection, refused requests, lenient tool lists.

* :class:`Tap` wraps a transport's (read, write) streams. It notices the read
  side ending (the server exited or the connection broke) when it happens, not
  at the next request; and it lists tools leniently: a tool whose input schema
  has no root ``type`` (which the SDK refuses, losing the whole server) gets
  ``"type": "object"`` on the wire, and its original schema is kept so the
  conversion report says what was added.
* :class:`DeliveryTransport` wraps the HTTP client's transport. It records the
  ``tools/call`` requests that certainly never reached the server: the
  connection was refused, or the server answered that it does not know the
  session (it restarted). Those calls did not run, whatever the tool.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio
import httpx2
import mcp.types as mcp_types
from mcp.shared.message import SessionMessage

from argo_mcp_client._mcp.stdio import call_key

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

logger = logging.getLogger("argo_mcp_client")

T = TypeVar("T")


class _ReadProxy(Generic[T]):
    def __init__(self, inner: Any, tap: Tap) -> None:
        self._inner = inner
        self._tap = tap

    @property
    def last_context(self) -> Any:
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> T:
        try:
            item = await self._inner.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._tap.ended()
            raise
        self._tap.inbound(item)
        return item  # type: ignore[no-any-return]

    def __aiter__(self) -> _ReadProxy[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return await self.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> _ReadProxy[T]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class _WriteProxy(Generic[T]):
    def __init__(self, inner: Any, tap: Tap) -> None:
        self._inner = inner
        self._tap = tap

    async def send(self, item: T, /) -> None:
        self._tap.outbound(item)
        await self._inner.send(item)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> _WriteProxy[T]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class Tap:
    """Watches one session's streams; see the module docstring."""

    def __init__(self, server: str, *, on_end: Callable[[], None]) -> None:
        self.server = server
        self._on_end = on_end
        self._listings: set[Any] = set()
        self.lenient: dict[str, dict[str, Any]] = {}
        """Tools listed leniently: their input schemas as the server sent them."""

    def wrap(self, streams: tuple[Any, Any]) -> tuple[Any, Any]:
        read, write = streams
        return _ReadProxy[Any](read, self), _WriteProxy[Any](write, self)

    def ended(self) -> None:
        self._on_end()

    def outbound(self, item: Any) -> None:
        if isinstance(item, SessionMessage):
            message = item.message
            if isinstance(message, mcp_types.JSONRPCRequest) and message.method == "tools/list":
                self._listings.add(message.id)

    def inbound(self, item: Any) -> None:
        if not isinstance(item, SessionMessage):
            return
        message = item.message
        if isinstance(message, mcp_types.JSONRPCResponse) and message.id in self._listings:
            self._listings.discard(message.id)
            self._lenient_tools(message.result)

    def _lenient_tools(self, result: dict[str, Any]) -> None:
        for tool in result.get("tools") or ():
            if not isinstance(tool, dict):
                continue
            schema = tool.get("inputSchema")
            if isinstance(schema, dict) and "type" in schema:
                continue
            original = copy.deepcopy(schema) if isinstance(schema, dict) else {}
            fixed = dict(original)
            fixed["type"] = "object"
            tool["inputSchema"] = fixed
            self.lenient[str(tool.get("name"))] = original
            logger.info(
                "MCP server %r lists tool %r with no root type in its input schema; taking it as an object",
                self.server,
                tool.get("name"),
            )


class DeliveryTransport(httpx2.AsyncBaseTransport):
    """An HTTP transport that records which tool calls certainly never reached the server."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, *, on_session_refused: Callable[[], None]) -> None:
        self._inner = inner
        self._on_session_refused = on_session_refused
        self.refused: set[str] = set()
        """:func:`call_key` of the ``tools/call`` requests that were not delivered."""

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        key = _tool_call_key(request)
        try:
            response = await self._inner.handle_async_request(request)
        except httpx2.ConnectError:
            if key is not None:
                self.refused.add(key)
            raise
        if await _session_refused(request, response):
            # The server does not know this session: it restarted or expired it.
            if key is not None:
                self.refused.add(key)
            self._on_session_refused()
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


async def _session_refused(request: httpx2.Request, response: httpx2.Response) -> bool:
    if request.method != "POST" or not request.headers.get("mcp-session-id"):
        return False
    if response.status_code == 404:
        return True
    return response.status_code == 400 and b"session" in (await response.aread()).lower()


def _tool_call_key(request: httpx2.Request) -> str | None:
    if request.method != "POST":
        return None
    try:
        body = json.loads(request.content)
    except (ValueError, httpx2.RequestNotRead):
        return None
    if isinstance(body, dict) and body.get("method") == "tools/call":
        params = body.get("params") or {}
        return call_key(str(params.get("name")), params.get("arguments"))
    return None

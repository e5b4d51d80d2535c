"""``ArgoMCPClient``: an OpenAI-compatible model in front of MCP tool servers."""

from __future__ import annotations

import enum
import os
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import openai

from argo_mcp_client._dispatch import Dispatcher
from argo_mcp_client._history import start_messages
from argo_mcp_client._loop import RunOptions, RunState, run_loop
from argo_mcp_client._model import ChatModel
from argo_mcp_client._registry import ToolInfo, ToolRegistry
from argo_mcp_client._schema import SchemaLimits
from argo_mcp_client._servers import ServerConnection, ServerPool
from argo_mcp_client._stream import EventStream, Outcome
from argo_mcp_client.config import ArgoSettings, HttpServer, InProcessServer, StdioServer, load_servers
from argo_mcp_client.errors import ConfigError, ServerError
from argo_mcp_client.events import Event, RunFinished

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping, Sequence
    from typing import TextIO

    import httpx2
    import mcp.types as mcp_types

    from argo_mcp_client.conversation import Conversation
    from argo_mcp_client.result import RunResult

__all__ = ["ArgoMCPClient"]

_NO_API_KEY = "not-needed"  # the SDK insists on a key; argo-proxy without keys takes any


class _State(enum.Enum):
    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"


class ArgoMCPClient:
    """Joins an OpenAI-compatible model endpoint (argo-proxy, by default) to MCP servers.

    Enter it with ``async with`` to connect every server; then :meth:`run`,
    :meth:`stream` or :meth:`chat` as often as needed, from any task. Leaving
    the block closes every server and its subprocess.

    Example:
        ```python
        from argo_mcp_client import ArgoMCPClient, StdioServer

        server = StdioServer(name="gemflux", command="python", args=["gem_flux_server.py"])
        async with ArgoMCPClient(servers=[server], model="argo:gpt-4o") as client:
            result = await client.run("Build a draft model of E. coli and run FBA on it")
            print(result.output)
        ```

    Args:
        servers: the MCP servers, or the path of an ``mcp.json`` file naming them.
        model: the default model; else ``ARGO_MODEL``, else ``argo:gpt-4o``.
        base_url: the OpenAI-compatible endpoint; else ``ARGO_BASE_URL``, else
            ``http://localhost:8000/v1`` (argo-proxy's default).
        api_key: the bearer token; else ``ARGO_API_KEY``.
        system_prompt: put first in every new conversation.
        max_turns: model requests a run may make before :class:`MaxTurnsExceeded`.
        streaming: ask for streamed replies, so text arrives as it is generated;
            ``False`` for gateways that cannot stream.
        tool_timeout: seconds a tool call may take before the model is told it
            timed out; ``None`` waits forever.
        temperature: sent with every request when set.
        max_tokens: sent with every request when set.
        request_settings: further request fields sent with every request.
        openai_client: use this SDK client instead of building one (it is not closed).
        http_client: the ``httpx2.AsyncClient`` for the SDK client this builds.
        schema_limits: bounds on tool-schema conversion.
        server_errlog: where stdio servers' stderr goes (default: this process's stderr).
        settings: defaults to use instead of reading the environment.
    """

    def __init__(
        self,
        *,
        servers: Sequence[StdioServer | HttpServer | InProcessServer] | str | os.PathLike[str] = (),
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        system_prompt: str | None = None,
        max_turns: int = 10,
        streaming: bool = True,
        tool_timeout: float | None = 120.0,
        temperature: float | None = None,
        max_tokens: int | None = None,
        request_settings: Mapping[str, Any] | None = None,
        openai_client: openai.AsyncOpenAI | None = None,
        http_client: httpx2.AsyncClient | None = None,
        schema_limits: SchemaLimits | None = None,
        server_errlog: TextIO | None = None,
        settings: ArgoSettings | None = None,
    ) -> None:
        defaults = settings or ArgoSettings()
        specs = load_servers(servers) if isinstance(servers, str | os.PathLike) else list(servers)
        _check_server_names(specs)
        if max_turns < 1:
            raise ConfigError(f"max_turns must be at least 1, got {max_turns}")
        if tool_timeout is not None and tool_timeout <= 0:
            raise ConfigError(f"tool_timeout must be positive or None, got {tool_timeout}")
        self.model = model or defaults.model
        self.base_url = base_url or defaults.base_url
        self.system_prompt = system_prompt
        self.max_turns = max_turns
        self.streaming = streaming
        self.tool_timeout = tool_timeout
        self._specs = specs
        self._errlog = server_errlog
        self._schema_limits = schema_limits or SchemaLimits()
        self._owns_openai = openai_client is None
        if openai_client is None:
            key = api_key or (defaults.api_key.get_secret_value() if defaults.api_key else _NO_API_KEY)
            openai_client = openai.AsyncOpenAI(base_url=self.base_url, api_key=key, http_client=http_client)
        self._openai = openai_client
        request: dict[str, Any] = dict(request_settings or {})
        if temperature is not None:
            request["temperature"] = temperature
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        self._model = ChatModel(openai_client, settings=request)
        self._state = _State.NEW
        self._stack = AsyncExitStack()
        self._pool: ServerPool | None = None
        self._registry = ToolRegistry(())

    def __repr__(self) -> str:
        servers = ", ".join(spec.name for spec in self._specs)
        return f"ArgoMCPClient(model={self.model!r}, base_url={self.base_url!r}, servers=[{servers}])"

    async def __aenter__(self) -> ArgoMCPClient:
        if self._state is not _State.NEW:
            raise ConfigError("an ArgoMCPClient can be entered once; create a new one to reconnect")
        try:
            if self._owns_openai:
                self._stack.push_async_callback(self._openai.close)
            connections = [ServerConnection(spec, errlog=self._errlog) for spec in self._specs]
            self._pool = await self._stack.enter_async_context(ServerPool(connections))
            self._registry = await self._list_tools(self._pool)
        except BaseException:
            await self._stack.aclose()
            self._state = _State.CLOSED
            raise
        self._state = _State.OPEN
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._state = _State.CLOSED
        await self._stack.aclose()

    @property
    def tools(self) -> list[ToolInfo]:
        """Every tool offered to the model, with its schema-conversion report."""
        return list(self._registry)

    async def run(
        self,
        prompt: str | Sequence[dict[str, Any]],
        *,
        model: str | None = None,
        max_turns: int | None = None,
        system_prompt: str | None = None,
        history: Sequence[dict[str, Any]] = (),
        streaming: bool | None = None,
    ) -> RunResult:
        """Run the tool-calling loop until the model answers.

        Args:
            prompt: the user's message, or messages in OpenAI format.
            model: overrides the client's model for this run.
            max_turns: overrides the client's limit for this run.
            system_prompt: overrides the client's system prompt for this run.
            history: earlier messages to continue from.
            streaming: overrides the client's choice to stream replies.

        Raises:
            MaxTurnsExceeded: the model was still calling tools at the limit.
            ModelError: the model request failed.
            ConfigError: the prompt or history is not a valid conversation.
        """
        async with self.stream(
            prompt,
            model=model,
            max_turns=max_turns,
            system_prompt=system_prompt,
            history=history,
            streaming=streaming,
        ) as events:
            return await _drain(events)

    def stream(
        self,
        prompt: str | Sequence[dict[str, Any]],
        *,
        model: str | None = None,
        max_turns: int | None = None,
        system_prompt: str | None = None,
        history: Sequence[dict[str, Any]] = (),
        conversation: Conversation | None = None,
        streaming: bool | None = None,
    ) -> AbstractAsyncContextManager[EventStream]:
        """Run the loop and yield its events as they happen; arguments as for :meth:`run`.

        With ``conversation``, the run continues it and adds the exchange to it
        (as :meth:`chat` does). Leaving the block early stops the run; the
        conversation then holds everything up to the last complete step.

        Example:
            ```python
            async with client.stream("Run FBA on the model") as events:
                async for event in events:
                    if isinstance(event, TextDelta):
                        print(event.text, end="")
            ```
        """
        self._require_open()
        if conversation is not None:
            if history:
                raise ConfigError("pass either history or conversation, not both")
            history = conversation.messages
            model = model or conversation.model
            system_prompt = system_prompt or conversation.system_prompt
        messages = start_messages(prompt, history=history, system_prompt=system_prompt or self.system_prompt)
        state = RunState(messages=messages, start_index=len(history))
        return self._events(state, self._options(model, max_turns, streaming), conversation)

    async def chat(
        self,
        conversation: Conversation,
        prompt: str | Sequence[dict[str, Any]],
        *,
        max_turns: int | None = None,
        streaming: bool | None = None,
    ) -> RunResult:
        """Send ``prompt`` in ``conversation`` and add the whole exchange to it.

        The conversation is updated even when the run fails or is cancelled,
        with everything up to the last complete step.
        """
        async with self.stream(
            prompt, conversation=conversation, max_turns=max_turns, streaming=streaming
        ) as events:
            return await _drain(events)

    async def list_tools_raw(self, server: str) -> list[mcp_types.Tool]:
        """The tools of ``server`` exactly as it lists them, unconverted."""
        return await self._connection(server).list_tools()

    def _options(self, model: str | None, max_turns: int | None, streaming: bool | None) -> RunOptions:
        turns = self.max_turns if max_turns is None else max_turns
        if turns < 1:
            raise ConfigError(f"max_turns must be at least 1, got {turns}")
        return RunOptions(
            model=model or self.model,
            max_turns=turns,
            streaming=self.streaming if streaming is None else streaming,
        )

    @asynccontextmanager
    async def _events(
        self, state: RunState, options: RunOptions, conversation: Conversation | None = None
    ) -> AsyncIterator[EventStream]:
        assert self._pool is not None
        dispatcher = Dispatcher(self._registry, self._pool.connections, self.tool_timeout)
        send, receive = anyio.create_memory_object_stream[Event](0)
        outcome = Outcome()

        async def produce() -> None:
            async with send:
                try:
                    outcome.result = await run_loop(
                        state, options, model=self._model, dispatcher=dispatcher, emit=send.send
                    )
                except Exception as exc:
                    # Handed to the consumer by the event stream, where it belongs.
                    outcome.error = exc

        try:
            async with anyio.create_task_group() as group:
                group.start_soon(produce, name=f"argo-mcp-run:{state.run_id}")
                try:
                    async with receive:
                        yield EventStream(receive, outcome)
                finally:
                    group.cancel_scope.cancel()
        except BaseExceptionGroup as group_error:
            # The producer never raises, so the group holds just what the
            # consumer's block raised: hand that back unwrapped.
            error = _sole(group_error)
            raise error from error.__cause__
        finally:
            if conversation is not None:
                conversation.messages = list(state.messages)

    async def _list_tools(self, pool: ServerPool) -> ToolRegistry:
        listed: dict[str, list[mcp_types.Tool]] = {name: [] for name in pool.connections}

        async def list_one(connection: ServerConnection) -> None:
            try:
                tools = await connection.list_tools()
            except Exception as exc:
                raise ServerError(
                    f"MCP server {connection.name!r} started but could not list its tools: {exc}",
                    server=connection.name,
                ) from exc
            listed[connection.name] = [t for t in tools if connection.spec.offers(t.name)]

        async with anyio.create_task_group() as group:
            for connection in pool.connections.values():
                group.start_soon(list_one, connection)
        return ToolRegistry.build(listed, limits=self._schema_limits)

    def _connection(self, server: str) -> ServerConnection:
        self._require_open()
        assert self._pool is not None
        try:
            return self._pool.connections[server]
        except KeyError:
            raise ConfigError(
                f"no server named {server!r}; the servers are {list(self._pool.connections)}"
            ) from None

    def _require_open(self) -> None:
        if self._state is _State.NEW:
            raise ConfigError(
                "the client is not connected; use it as `async with ArgoMCPClient(...) as client:`"
            )
        if self._state is _State.CLOSED:
            raise ConfigError("the client is closed; create a new ArgoMCPClient")


async def _drain(events: EventStream) -> RunResult:
    async for event in events:
        if isinstance(event, RunFinished):
            return event.result
    raise AssertionError("the run ended without a result")  # pragma: no cover - the stream raises first


def _sole(group: BaseExceptionGroup[BaseException]) -> BaseException:
    return (
        group.exceptions[0] if len(group.exceptions) == 1 else group
    )  # pragma: no cover - only one task can fail here


def _check_server_names(specs: Sequence[StdioServer | HttpServer | InProcessServer]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ConfigError(f"two servers are named {spec.name!r}; give each server a unique name")
        seen.add(spec.name)

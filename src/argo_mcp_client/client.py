"""``ArgoMCPClient``: an OpenAI-compatible model in front of MCP tool servers."""

from __future__ import annotations

import enum
import logging
import os
import time
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import openai

from argo_mcp_client._history import start_messages
from argo_mcp_client._mcp.catalog import Catalog
from argo_mcp_client._mcp.connection import ServerConnection
from argo_mcp_client._mcp.host import Elicit, Sampled, Sampler, ServerHost
from argo_mcp_client._mcp.pool import ServerPool
from argo_mcp_client._mcp.schema.convert import SchemaLimits
from argo_mcp_client._mcp.toolset import Toolset
from argo_mcp_client._models.breaker import BreakerBoard, BreakerSettings
from argo_mcp_client._models.chain import ModelChain
from argo_mcp_client._models.chat import ChatModel
from argo_mcp_client._models.profiles import ModelProfile, ProfileBook
from argo_mcp_client._models.quirks import Quirks
from argo_mcp_client._models.ratelimit import ModelGate
from argo_mcp_client._models.redis_state import RedisState
from argo_mcp_client._models.retry import RetryPolicy
from argo_mcp_client._run.artifacts import ArtifactStore, FileArtifactStore, artifacts_from
from argo_mcp_client._run.catalogue import ToolCatalogue
from argo_mcp_client._run.loop import RunOptions, RunState
from argo_mcp_client._run.runs import EventStream, Runs
from argo_mcp_client._run.sizing import LongRunSettings, sizing
from argo_mcp_client._run.tools import ApproveTool, Dispatcher
from argo_mcp_client.batch import map_conversations
from argo_mcp_client.config import (
    ArgoSettings,
    HttpServer,
    InProcessServer,
    StdioServer,
    check_request_settings,
    load_servers,
)
from argo_mcp_client.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import TextIO

    import httpx2
    import mcp.types as mcp_types

    from argo_mcp_client._mcp.info import (
        PromptInfo,
        ResourceContent,
        ResourceInfo,
        ResourceTemplateInfo,
        ServerStatus,
        TaskResult,
    )
    from argo_mcp_client._mcp.registry import ToolInfo
    from argo_mcp_client._models.shared_state import RateLimit, SharedState
    from argo_mcp_client._run.budget import TokenCounter
    from argo_mcp_client._run.usage import Price, UsageLimits
    from argo_mcp_client.batch import BatchResults, ItemSource
    from argo_mcp_client.conversation import Conversation
    from argo_mcp_client.events import Event
    from argo_mcp_client.result import ArtifactRef, OutputT, RunResult

__all__ = ["ArgoMCPClient"]

logger = logging.getLogger(__name__)

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
        fallback_models: models to try in order when ``model`` fails or its
            breaker is open; the turn goes on with the same history.
        system_prompt: put first in every new conversation.
        max_turns: model requests a run may make before :class:`MaxTurnsExceeded`.
        run_deadline: seconds a whole run may take before :class:`RunTimeout`.
        streaming: ask for streamed replies, so text arrives as it is generated;
            ``False`` for gateways that cannot stream.
        tool_timeout: seconds a tool call may take before the model is told it
            timed out; ``None`` waits forever.
        max_tool_output: characters of a tool's result sent to the model when it is
            not kept as an artifact (see ``artifacts``); the rest is cut, with a marker.
        approve_tool: called before each tool call with its :class:`ToolCallStarted`
            event; returning ``False`` (or awaiting to it) refuses the call, and the
            model is told so.
        request_timeout: seconds a model request may take (argo-proxy itself
            waits 300 s for a stalled upstream, so this decides).
        prompt_tool_models: glob patterns of models whose tools are described in
            the system prompt and whose calls are parsed from the reply, for models
            without reliable native tool calling (``"gemini*"`` through argo-bridge).
            A model that refuses native tools is switched to this by itself.
        tool_choice: sent with every request that has tools; Claude models that
            refuse the string form get the object form.
        retry: how transient model failures are retried.
        breaker: when a model's circuit breaker opens and for how long.
        clock: the breakers' clock, for tests (default ``time.monotonic``).
        sampling: answer servers' sampling requests through this client's models
            (``model``, then ``fallback_models``). Servers on the 2026-07-28 protocol
            can only ask from tools written for it; use ``protocol="legacy"`` otherwise.
        elicit: asked when a server wants input from the user; return the
            answer's fields, or ``None`` to decline. Without it servers are told
            the client cannot ask the user.
        roots: folders (paths or ``file://`` URIs) servers may work in.
        temperature: sent with every request when set.
        max_tokens: sent with every request when set.
        request_settings: further request fields sent with every request, as JSON
            (``extra_headers``, ``extra_query``, ``extra_body`` and ``timeout``
            mean what they mean to ``chat.completions.create``).
        openai_client: use this SDK client instead of building one (it is not closed).
            Requests go through its ``post`` method, so wrappers of
            ``chat.completions.create`` do not see them.
        http_client: the ``httpx2.AsyncClient`` for the SDK client this builds.
        schema_limits: bounds on tool-schema conversion.
        server_errlog: where stdio servers' stderr goes (default: this process's stderr).
        settings: defaults to use instead of reading the environment.
        model_profiles: what models accept, over the built-in table (see ``docs/argo.md``),
            keyed by Argo id, alias or glob pattern (``{"mylocal*": ModelProfile(...)}``).
        artifacts: where tool results over ``artifact_threshold`` are kept whole while
            the model gets a preview and a handle to read parts by (``read_artifact``):
            ``True`` for files in a temporary folder removed when the client closes, a
            folder to keep them in, an :class:`ArtifactStore`, or ``False`` to cut big
            results at ``max_tool_output`` instead.
        artifact_threshold: characters above which a result becomes an artifact.
        context_budget: before each request, shorten what is sent (not the
            conversation) to fit the model's context window; see the profiles.
        token_counter: counts the tokens of a text for the budget; by default an
            offline estimate (about three characters a token, on the safe side).
        tool_catalogue: when the tools exceed the gateway's tools payload limit (about
            40 KB at Argo) or a quarter of the context, send the most relevant few and
            a ``search_tools`` tool; ``False`` always sends every tool.
        prices: USD per million input and output tokens by model (Argo id, alias or
            glob), over the profiles' prices; for ``RunResult.cost`` and ``max_cost``.
        usage_limits: limits on requests, tokens and cost for every run.
        rate_limits: requests and tokens per window for models (by Argo id, alias or
            glob); a model not named here is held to its profile's limits, if any.
            Requests wait their turn (a ``RateLimited`` event says so).
        shared_state: where breakers and rate limits live: this process (the
            default), or a fleet's shared :class:`RedisState` (or its ``redis://``
            URL, closed with the client), so all its processes see one breaker and
            one rate limit per model.
        images_to_model: send images that tools return to the model, as image parts
            of a user message after the tool messages (only for models that accept
            images). They always reach the application as ``ToolCallRecord.attachments``.
    """

    def __init__(
        self,
        *,
        servers: Sequence[StdioServer | HttpServer | InProcessServer] | str | os.PathLike[str] = (),
        model: str | None = None,
        fallback_models: Sequence[str] = (),
        base_url: str | None = None,
        api_key: str | None = None,
        system_prompt: str | None = None,
        max_turns: int = 10,
        run_deadline: float | None = None,
        streaming: bool = True,
        tool_timeout: float | None = 120.0,
        max_tool_output: int = 100_000,
        approve_tool: ApproveTool | None = None,
        request_timeout: float = 120.0,
        prompt_tool_models: Sequence[str] = (),
        tool_choice: Literal["auto", "required", "none"] | None = None,
        retry: RetryPolicy | None = None,
        breaker: BreakerSettings | None = None,
        clock: Callable[[], float] | None = None,
        sampling: bool = True,
        elicit: Elicit | None = None,
        roots: Sequence[str | os.PathLike[str]] = (),
        temperature: float | None = None,
        max_tokens: int | None = None,
        request_settings: Mapping[str, Any] | None = None,
        openai_client: openai.AsyncOpenAI | None = None,
        http_client: httpx2.AsyncClient | None = None,
        schema_limits: SchemaLimits | None = None,
        server_errlog: TextIO | None = None,
        settings: ArgoSettings | None = None,
        model_profiles: Mapping[str, ModelProfile] | None = None,
        artifacts: ArtifactStore | str | os.PathLike[str] | bool = True,
        artifact_threshold: int = 20_000,
        context_budget: bool = True,
        token_counter: TokenCounter | None = None,
        tool_catalogue: bool = True,
        prices: Mapping[str, Price] | None = None,
        usage_limits: UsageLimits | None = None,
        rate_limits: Mapping[str, RateLimit] | None = None,
        shared_state: SharedState | str | None = None,
        images_to_model: bool = False,
    ) -> None:
        defaults = settings or ArgoSettings()
        specs = load_servers(servers) if isinstance(servers, str | os.PathLike) else list(servers)
        _check_server_names(specs)
        if max_turns < 1:
            raise ConfigError(f"max_turns must be at least 1, got {max_turns}")
        if tool_timeout is not None and tool_timeout <= 0:
            raise ConfigError(f"tool_timeout must be positive or None, got {tool_timeout}")
        self.model = model or defaults.model
        self.fallback_models = tuple(fallback_models)
        self.base_url = base_url or defaults.base_url
        self.system_prompt = system_prompt
        self.max_turns = max_turns
        self.run_deadline = run_deadline
        self.streaming = streaming
        self.tool_timeout = tool_timeout
        self.max_tool_output = max_tool_output
        self._approve_tool = approve_tool
        self._specs = specs
        self._errlog = server_errlog
        self._images_to_model = images_to_model
        self._schema_limits = schema_limits or SchemaLimits()
        self._owns_openai = openai_client is None
        if openai_client is None:
            key = api_key or (defaults.api_key.get_secret_value() if defaults.api_key else _NO_API_KEY)
            openai_client = openai.AsyncOpenAI(base_url=self.base_url, api_key=key, http_client=http_client)
        self._openai = openai_client
        # Retries are ours (see RetryPolicy): the SDK's own would multiply them.
        requests = openai_client.with_options(max_retries=0, timeout=request_timeout)
        request: dict[str, Any] = check_request_settings(request_settings or {})
        if temperature is not None:
            check_request_settings({"temperature": temperature})
            request["temperature"] = temperature
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        self.breakers = BreakerBoard(breaker or BreakerSettings(), clock or time.monotonic)
        """Each model's circuit breaker, keyed by Argo id (``gpt4o`` for ``argo:gpt-4o`` too)."""
        self.profiles = ProfileBook(model_profiles)
        """Each model's profile as requests are shaped now: the table, overrides and what was learned."""
        quirks = Quirks(
            prompt_tool_models=tuple(prompt_tool_models), tool_choice=tool_choice, profiles=self.profiles
        )
        chat = ChatModel(requests, settings=request, quirks=quirks)
        self._shared_spec = shared_state
        self._shared = _shared_state(shared_state, clock)
        gate = ModelGate(self.breakers, self._shared, dict(rate_limits or {}))
        self._chain = ModelChain(chat, self.breakers, retry or RetryPolicy(), gate=gate)
        self._host = ServerHost(
            sampler=_sampler(self._chain, (self.model, *self.fallback_models)) if sampling else None,
            elicit=elicit,
            roots=tuple(r if isinstance(r, str) else Path(r) for r in roots),
        )
        self._artifacts = artifacts_from(artifacts, artifact_threshold)
        self._long_runs = LongRunSettings(
            context_budget=context_budget,
            token_counter=token_counter,
            tool_catalogue=tool_catalogue,
            prices=prices,
            profiles=model_profiles,
        )
        self.usage_limits = usage_limits
        self._state = _State.NEW
        self._stack = AsyncExitStack()
        self._pool: ServerPool | None = None
        self._toolset: Toolset | None = None
        self._runs: Runs | None = None

    def __repr__(self) -> str:
        servers = ", ".join(spec.name for spec in self._specs)
        return f"ArgoMCPClient(model={self.model!r}, base_url={self.base_url!r}, servers=[{servers}])"

    async def __aenter__(self) -> ArgoMCPClient:
        if self._state is not _State.NEW:
            raise ConfigError("an ArgoMCPClient can be entered once; create a new one to reconnect")
        try:
            if self._owns_openai:
                self._stack.push_async_callback(self._openai.close)
            if self._artifacts is not None and isinstance(self._artifacts.store, FileArtifactStore):
                self._stack.callback(self._artifacts.store.close)
            if isinstance(self._shared_spec, str) and self._shared is not None:
                self._stack.push_async_callback(self._shared.aclose)
            connections = [
                ServerConnection(spec, errlog=self._errlog, host=self._host) for spec in self._specs
            ]
            self._pool = await self._stack.enter_async_context(ServerPool(connections))
            self._toolset = Toolset(self._pool.connections, limits=self._schema_limits)
            await self._toolset.refresh(strict=True)
            dispatcher = Dispatcher(
                self._toolset,
                self._pool.connections,
                tool_timeout=self.tool_timeout,
                max_output=self.max_tool_output,
                approve=self._approve_tool,
                artifacts=self._artifacts,
                images_to_model=self._images_to_model,
            )
            self._runs = Runs(self._chain, dispatcher, self._host, ToolCatalogue())
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
        return list(self._toolset.registry) if self._toolset is not None else []

    @overload
    async def run(
        self,
        prompt: str | Sequence[dict[str, Any]],
        *,
        model: str | None = ...,
        fallback_models: Sequence[str] | None = ...,
        max_turns: int | None = ...,
        deadline: float | None = ...,
        streaming: bool | None = ...,
        system_prompt: str | None = ...,
        history: Sequence[dict[str, Any]] = ...,
        output_type: None = None,
        output_retries: int = ...,
        usage_limits: UsageLimits | None = ...,
    ) -> RunResult[str]: ...

    @overload
    async def run(
        self,
        prompt: str | Sequence[dict[str, Any]],
        *,
        model: str | None = ...,
        fallback_models: Sequence[str] | None = ...,
        max_turns: int | None = ...,
        deadline: float | None = ...,
        streaming: bool | None = ...,
        system_prompt: str | None = ...,
        history: Sequence[dict[str, Any]] = ...,
        output_type: type[OutputT],
        output_retries: int = ...,
        usage_limits: UsageLimits | None = ...,
    ) -> RunResult[OutputT]: ...

    async def run(
        self,
        prompt: str | Sequence[dict[str, Any]],
        *,
        model: str | None = None,
        fallback_models: Sequence[str] | None = None,
        max_turns: int | None = None,
        deadline: float | None = None,
        streaming: bool | None = None,
        system_prompt: str | None = None,
        history: Sequence[dict[str, Any]] = (),
        output_type: type[Any] | None = None,
        output_retries: int = 2,
        usage_limits: UsageLimits | None = None,
    ) -> RunResult[Any]:
        """Run the tool-calling loop until the model answers.

        Args:
            prompt: the user's message, or messages in OpenAI format.
            model: overrides the client's model for this run.
            fallback_models: overrides the client's fallback models for this run.
            max_turns: overrides the client's limit for this run.
            deadline: overrides the client's ``run_deadline`` for this run.
            streaming: overrides the client's choice to stream replies.
            system_prompt: overrides the client's system prompt for this run.
            history: earlier messages to continue from.
            output_type: a pydantic model, dataclass or other type the final answer
                must be; ``RunResult.output`` is then a validated instance of it.
            output_retries: answers that do not validate the model may correct.
            usage_limits: overrides the client's ``usage_limits`` for this run.

        Raises:
            MaxTurnsExceeded: the model was still calling tools at the limit.
            RunTimeout: the run was still going at its deadline.
            UsageLimitExceeded: the next request would have passed a usage limit.
            OutputValidationError: the answer did not fit ``output_type`` after retries.
            ModelError: the model request failed (``AllModelsFailed`` when
                fallback models failed too).
            ConfigError: the prompt or history is not a valid conversation.
        """
        state, options = self._plan(
            prompt,
            model=model,
            fallback_models=fallback_models,
            max_turns=max_turns,
            deadline=deadline,
            streaming=streaming,
            system_prompt=system_prompt,
            history=history,
            output_type=output_type,
            output_retries=output_retries,
            usage_limits=usage_limits,
        )
        return await self._open_runs().to_end(state, options)

    def stream(
        self,
        prompt: str | Sequence[dict[str, Any]],
        *,
        model: str | None = None,
        fallback_models: Sequence[str] | None = None,
        max_turns: int | None = None,
        deadline: float | None = None,
        streaming: bool | None = None,
        system_prompt: str | None = None,
        history: Sequence[dict[str, Any]] = (),
        conversation: Conversation | None = None,
        output_type: type[Any] | None = None,
        output_retries: int = 2,
        usage_limits: UsageLimits | None = None,
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
        state, options = self._plan(
            prompt,
            model=model,
            fallback_models=fallback_models,
            max_turns=max_turns,
            deadline=deadline,
            streaming=streaming,
            system_prompt=system_prompt,
            history=history,
            conversation=conversation,
            output_type=output_type,
            output_retries=output_retries,
            usage_limits=usage_limits,
        )
        return self._open_runs().open(state, options, conversation)

    async def chat(
        self,
        conversation: Conversation,
        prompt: str | Sequence[dict[str, Any]],
        *,
        max_turns: int | None = None,
        deadline: float | None = None,
        streaming: bool | None = None,
        usage_limits: UsageLimits | None = None,
    ) -> RunResult[str]:
        """Send ``prompt`` in ``conversation`` and add the whole exchange to it.

        The conversation is updated even when the run fails or is cancelled,
        with everything up to the last complete step.
        """
        state, options = self._plan(
            prompt,
            conversation=conversation,
            max_turns=max_turns,
            deadline=deadline,
            streaming=streaming,
            usage_limits=usage_limits,
        )
        return await self._open_runs().to_end(state, options, conversation)

    def map(
        self,
        items: ItemSource,
        *,
        concurrency: int = 8,
        on_event: Callable[[str, Event], None] | None = None,
        output_type: type[Any] | None = None,
    ) -> AbstractAsyncContextManager[BatchResults]:
        """Run many conversations, ``concurrency`` at a time; their results come in completion order.

        Each item is a :class:`BatchItem` (or a mapping of its fields: ``id``,
        ``prompt``, and optionally ``model``, ``system_prompt``, ``max_turns``...);
        each result is a :class:`BatchResult` tagged with the item's id. A failed
        conversation gives a result with its error, and the others go on.
        ``on_event(id, event)`` hears every event of every conversation. With
        ``output_type`` every answer is validated as for :meth:`run`, and the
        result's ``value`` holds it as JSON data.

        Example:
            ```python
            items = [{"id": g, "prompt": f"Build a model of {g}"} for g in genomes]
            async with client.map(items, concurrency=16) as results:
                async for result in results:
                    print(result.id, result.ok, result.output)
            ```
        """
        self._require_open()
        return map_conversations(
            items,
            run=self.run,
            stream=self.stream,
            concurrency=concurrency,
            on_event=on_event,
            output_type=output_type,
        )

    def _plan(
        self,
        prompt: str | Sequence[dict[str, Any]],
        *,
        model: str | None = None,
        fallback_models: Sequence[str] | None = None,
        max_turns: int | None = None,
        deadline: float | None = None,
        streaming: bool | None = None,
        system_prompt: str | None = None,
        history: Sequence[dict[str, Any]] = (),
        conversation: Conversation | None = None,
        output_type: type[Any] | None = None,
        output_retries: int = 2,
        usage_limits: UsageLimits | None = None,
    ) -> tuple[RunState, RunOptions]:
        """A run's starting state and options: the call's arguments over the client's defaults."""
        self._require_open()
        if conversation is not None:
            if history:
                raise ConfigError("pass either history or conversation, not both")
            history = conversation.messages
            self._note_servers(conversation)
            model = model or conversation.model
            system_prompt = system_prompt or conversation.system_prompt
        messages = start_messages(prompt, history=history, system_prompt=system_prompt or self.system_prompt)
        state = RunState(messages=messages, start_index=len(history))
        turns = self.max_turns if max_turns is None else max_turns
        if turns < 1:
            raise ConfigError(f"max_turns must be at least 1, got {turns}")
        if output_retries < 0:
            raise ConfigError(f"output_retries must be at least 0, got {output_retries}")
        chain = (model or self.model, *(self.fallback_models if fallback_models is None else fallback_models))
        models = tuple(dict.fromkeys(chain))
        options = RunOptions(
            models=models,
            max_turns=turns,
            streaming=self.streaming if streaming is None else streaming,
            deadline=self.run_deadline if deadline is None else deadline,
            limits=usage_limits or self.usage_limits,
            **sizing(models, self._long_runs, output_type=output_type, output_retries=output_retries),
        )
        return state, options

    def restarted_servers(self, conversation: Conversation) -> list[str]:
        """The servers ``conversation`` last ran against that have been started anew since.

        What such a server kept in memory (Gem-Flux's models, for one) is gone, so the
        conversation may refer to things it no longer has. Always the case for stdio servers
        when a saved conversation is resumed in a new process; never known for HTTP servers.
        """
        statuses = self.servers
        return sorted(
            name
            for name, instance in conversation.server_instances.items()
            if name in statuses and statuses[name].instance not in (None, instance)
        )

    def _note_servers(self, conversation: Conversation) -> None:
        """Warn if the conversation goes on against restarted servers; record the servers it runs with."""
        restarted = self.restarted_servers(conversation)
        if restarted:
            logger.warning(
                "the conversation continues against servers started anew since it last ran (%s): "
                "what they kept in memory is gone, so ids from earlier results may not be found",
                ", ".join(restarted),
            )
        for name, status in self.servers.items():
            if status.instance is not None:
                conversation.server_instances[name] = status.instance

    def _open_runs(self) -> Runs:
        assert self._runs is not None  # set on entry, which _plan has checked
        return self._runs

    async def read_artifact(self, artifact: ArtifactRef | str) -> bytes:
        """The whole of a big tool result kept as an artifact (``ToolCallRecord.artifact``).

        Raises:
            ConfigError: the client keeps no artifact by that id.
        """
        artifact_id = artifact if isinstance(artifact, str) else artifact.id
        if self._artifacts is None:
            raise ConfigError("this client keeps no artifacts (artifacts=False)")
        try:
            return await self._artifacts.read(artifact_id)
        except KeyError:
            raise ConfigError(f"this client keeps no artifact {artifact_id!r}") from None

    async def list_resources(self, server: str | None = None) -> list[ResourceInfo]:
        """The resources of one server, or of all, following pagination."""
        return await self._catalog().list_resources(server)

    async def list_resource_templates(self, server: str | None = None) -> list[ResourceTemplateInfo]:
        """The resource templates (URI templates such as ``demo://item/{id}``) of one server, or of all."""
        return await self._catalog().list_resource_templates(server)

    async def read_resource(self, uri: str, *, server: str | None = None) -> list[ResourceContent]:
        """Read the resource at ``uri`` (from ``server``, or the one server listing it)."""
        return await self._catalog().read_resource(uri, server=server)

    async def list_prompts(self, server: str | None = None) -> list[PromptInfo]:
        """The prompt templates of one server, or of all."""
        return await self._catalog().list_prompts(server)

    async def get_prompt(
        self, name: str, arguments: Mapping[str, str] | None = None, *, server: str | None = None
    ) -> list[dict[str, Any]]:
        """A server's prompt filled in, as OpenAI messages: pass them to :meth:`run` to start from them."""
        return await self._catalog().get_prompt(name, arguments, server=server)

    async def list_tools_raw(self, server: str) -> list[mcp_types.Tool]:
        """The tools of ``server`` exactly as it lists them, unconverted."""
        return await self._catalog().connection(server).list_tools()

    async def task_result(self, server: str, task_id: str) -> TaskResult:
        """Fetch again the result of a tool call that ran as an MCP task (by its ``task_id``).

        For resuming after a restart: the ids are on :attr:`ToolCallRecord.task_id` and in
        :attr:`Conversation.tasks`. Servers keep a task's result only for a while (its TTL)
        and, for most, only within the session that created it.

        Raises:
            ServerError: the server does not hold the task (any more).
        """
        return await self._catalog().task_result(server, task_id)

    @property
    def servers(self) -> dict[str, ServerStatus]:
        """Each server's status: connected or not, protocol version, server name and version."""
        return self._catalog().statuses()

    def _catalog(self) -> Catalog:
        self._require_open()
        assert self._pool is not None
        return Catalog(self._pool.connections)

    def _require_open(self) -> None:
        if self._state is _State.NEW:
            raise ConfigError(
                "the client is not connected; use it as `async with ArgoMCPClient(...) as client:`"
            )
        if self._state is _State.CLOSED:
            raise ConfigError("the client is closed; create a new ArgoMCPClient")


def _check_server_names(specs: Sequence[StdioServer | HttpServer | InProcessServer]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ConfigError(f"two servers are named {spec.name!r}; give each server a unique name")
        seen.add(spec.name)


def _shared_state(state: SharedState | str | None, clock: Callable[[], float] | None) -> SharedState | None:
    """The shared state to use: given, or a Redis one made from a ``redis://`` URL."""
    if not isinstance(state, str):
        return state
    return RedisState.from_url(state, clock=clock)


def _sampler(chain: ModelChain, models: tuple[str, ...]) -> Sampler:
    """Servers' sampling requests answered by ``models``, through the chain's retries and fallbacks."""

    async def sample(messages: Sequence[dict[str, Any]], settings: Mapping[str, Any]) -> Sampled:
        reply, model = await chain.request(
            turn=0,
            models=models,
            messages=messages,
            tools=(),
            streaming=False,
            emit=_ignore,
            overrides=settings,
        )
        return Sampled(text=reply.content or "", model=model, truncated=reply.finish_reason == "length")

    return sample


async def _ignore(event: Event) -> None:
    """Sampling is not part of any run, so its events have nobody to go to."""

"""Each request of a run made to fit: which tools it offers, and the history shortened to the budget.

Before every model request the run asks its :class:`RequestPlanner` for the
messages and tools to send. The planner also holds the client's own tools for
the run (``read_artifact``, ``search_tools``, ``final_answer``), which the
dispatcher runs like any other.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argo_mcp_client._run.artifacts import is_json
from argo_mcp_client._run.catalogue import describe_found, search_tool_spec
from argo_mcp_client._run.compaction import Compaction, compact
from argo_mcp_client._run.output import FINAL_ANSWER_TOOL
from argo_mcp_client._run.reader import READER_DESCRIPTION, READER_PARAMETERS, ReadError, read_part

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from argo_mcp_client._mcp.registry import ToolInfo, ToolRegistry
    from argo_mcp_client._mcp.schema.types import SchemaTarget
    from argo_mcp_client._run.artifacts import Artifacts
    from argo_mcp_client._run.budget import ContextBudget
    from argo_mcp_client._run.catalogue import ToolCatalogue
    from argo_mcp_client._run.output import OutputSpec

logger = logging.getLogger("argo_mcp_client")

READ_ARTIFACT = "read_artifact"
SEARCH_TOOLS = "search_tools"
_MIN_KEPT = 500
"""Tool results shorter than this are not worth an artifact when the history must be shortened."""
_MAX_LOADED = 30
_CONTEXT_CHARS = 2_000


@dataclass(frozen=True, slots=True)
class LocalTool:
    """A tool the client runs itself; ``run`` answers ``(text, is_error)``."""

    name: str
    spec: dict[str, Any]
    run: Callable[[dict[str, Any]], Awaitable[tuple[str, bool]]]
    checked: bool = True
    """Arguments are checked against the spec's schema first; ``False`` leaves it to ``run``."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """One request's messages and tools."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    tokens: int
    """Estimated tokens of the messages and tools sent."""
    compaction: Compaction | None = None
    limit: int = 0


@dataclass(slots=True)
class RequestPlanner:
    """Fits one run's requests to its models (see the module docstring)."""

    budget: ContextBudget | None = None
    catalogue: ToolCatalogue | None = None
    tools_payload_limit: int | None = None
    tools_token_limit: int | None = None
    artifacts: Artifacts | None = None
    output: OutputSpec | None = None
    loaded: list[str] = field(default_factory=list)
    """Tools the model found with ``search_tools``, newest last."""
    final: tuple[Any, ...] = ()
    """``(value,)`` once a ``final_answer`` call was valid."""
    output_failures: int = 0
    last_output_error: str = ""
    _registry: ToolRegistry | None = None
    _count: Callable[[Mapping[str, Any]], int] | None = None
    _tool_tokens: dict[int, tuple[dict[str, Any], int]] = field(default_factory=dict)

    async def prepare(
        self, messages: list[dict[str, Any]], registry: ToolRegistry, target: SchemaTarget | None = None
    ) -> Prepared:
        """The messages and tools to send next (``messages`` itself is not changed).

        Tools are chosen and measured in ``target``'s schema form (the first model's).
        """
        self._registry = registry
        if self.budget is not None and self._count is None:
            self._count = self.budget.remembering()
        count = self._count
        if self.budget is not None and self.artifacts is not None and count is not None:
            estimate = sum(count(m) for m in messages)
            if estimate > self.budget.limit // 2:
                # Shortening may come soon: give every sizeable result a handle to point to.
                await self._keep_results(messages)
        tools = self._tools(registry, messages, target)
        if self.budget is None or count is None:
            return Prepared(messages, tools, 0)
        fixed = self._tools_tokens(tools)
        limit = self.budget.limit - fixed
        handles = self.artifacts.by_call if self.artifacts is not None else None
        compaction = compact(messages, limit=limit, count=count, handles=handles)
        if not compaction.fits:
            logger.warning(
                "the request holds about %d tokens, more than the %d the model can take, even shortened",
                compaction.tokens_after + fixed,
                self.budget.limit,
            )
        return Prepared(
            compaction.messages,
            tools,
            compaction.tokens_after + fixed,
            compaction if compaction.changed else None,
            limit,
        )

    def _tools_tokens(self, tools: Sequence[dict[str, Any]]) -> int:
        """Tokens of the tools list; each spec counted once (the registry hands out the same ones)."""
        assert self.budget is not None
        total = 2
        for spec in tools:
            entry = self._tool_tokens.get(id(spec))
            if entry is None or entry[0] is not spec:
                entry = (spec, self.budget.counter(json.dumps(spec)))
                self._tool_tokens[id(spec)] = entry
            total += entry[1] + 1
        return total

    def local_tools(self) -> dict[str, LocalTool]:
        """The client's own tools for this run, by name."""
        local = {
            READ_ARTIFACT: LocalTool(READ_ARTIFACT, reader_tool_spec(), self._read_artifact),
            SEARCH_TOOLS: LocalTool(SEARCH_TOOLS, search_tool_spec(SEARCH_TOOLS), self._search_tools),
        }
        if self.output is not None and self.output.route == "tool":
            spec = self.output.tool_spec()
            local[FINAL_ANSWER_TOOL] = LocalTool(FINAL_ANSWER_TOOL, spec, self._final_answer, checked=False)
        return local

    def _tools(
        self, registry: ToolRegistry, messages: Sequence[dict[str, Any]], target: SchemaTarget | None
    ) -> list[dict[str, Any]]:
        extra: list[dict[str, Any]] = []
        taken = set(registry.names())
        if self.artifacts and READ_ARTIFACT not in taken:
            extra.append(reader_tool_spec())
        if self.output is not None and self.output.route == "tool":
            extra.append(self.output.tool_spec())
        if self.catalogue is None or (self.tools_payload_limit is None and self.tools_token_limit is None):
            return [*registry.openai_tools(target), *extra]
        selection = self.catalogue.select(
            list(registry),
            context=_recent_text(messages),
            loaded=self.loaded,
            extra=extra,
            payload_limit=self.tools_payload_limit,
            token_limit=self.tools_token_limit,
            count=self.budget.counter if self.budget is not None else None,
            forms=registry.openai_tools_by_name(target) if target is not None else None,
        )
        search = (
            [search_tool_spec(SEARCH_TOOLS)] if selection.searchable and SEARCH_TOOLS not in taken else []
        )
        return [*selection.tools, *search, *extra]

    async def _keep_results(self, messages: Sequence[dict[str, Any]]) -> None:
        assert self.artifacts is not None
        names: dict[str, str] = {}
        for message in messages:
            for call in message.get("tool_calls") or ():
                names[str(call.get("id"))] = str((call.get("function") or {}).get("name", ""))
            if message.get("role") != "tool":
                continue
            call_id = str(message.get("tool_call_id"))
            content = message.get("content")
            if call_id in self.artifacts.by_call or not isinstance(content, str) or len(content) < _MIN_KEPT:
                continue
            await self.artifacts.keep(content, call_id=call_id, tool=names.get(call_id))

    async def _read_artifact(self, arguments: dict[str, Any]) -> tuple[str, bool]:
        if self.artifacts is None:
            return "there are no artifacts: results are not kept outside the conversation here", True
        artifact_id = str(arguments.get("id", ""))
        try:
            text, parsed = await self.artifacts.text_of(artifact_id)
        except KeyError:
            known = ", ".join(list(self.artifacts.refs)[-20:]) or "(none)"
            return f"there is no artifact {artifact_id!r}; the artifacts are: {known}", True
        try:
            return read_part(text, parsed, arguments, is_json=is_json(parsed)), False
        except ReadError as exc:
            return str(exc), True

    async def _search_tools(self, arguments: dict[str, Any]) -> tuple[str, bool]:
        if self.catalogue is None or self._registry is None:
            return "every tool is offered already; there is nothing to search", True
        limit = max(1, min(int(arguments.get("limit") or 5), 10))
        found = self.catalogue.search(list(self._registry), str(arguments.get("query", "")), limit)
        for tool in found:
            if tool.name in self.loaded:
                self.loaded.remove(tool.name)
            self.loaded.append(tool.name)
        del self.loaded[:-_MAX_LOADED]
        return describe_found(found), False

    async def _final_answer(self, arguments: dict[str, Any]) -> tuple[str, bool]:
        assert self.output is not None
        value, problem = self.output.from_data(arguments)
        if problem is None:
            self.final = (value,)
            return "Final answer received.", False
        self.output_failures += 1
        self.last_output_error = problem
        return f"the final answer does not fit its schema: {problem}. Call {FINAL_ANSWER_TOOL} again.", True


def reader_tool_spec() -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": READ_ARTIFACT,
            "description": READER_DESCRIPTION,
            "parameters": READER_PARAMETERS,
        },
    }


def _recent_text(messages: Sequence[dict[str, Any]]) -> str:
    """The latest user message and the text since, to rank tools by."""
    parts: list[str] = []
    size = 0
    for message in reversed(messages):
        content = message.get("content")
        if isinstance(content, str) and message.get("role") in ("user", "assistant"):
            parts.append(content[:_CONTEXT_CHARS])
            size += len(parts[-1])
        for call in message.get("tool_calls") or ():
            parts.append(str((call.get("function") or {}).get("name", "")))
        if message.get("role") == "user" or size > _CONTEXT_CHARS:
            break
    return " ".join(parts)


def tool_names(tools: Sequence[ToolInfo]) -> list[str]:
    return [tool.name for tool in tools]


def dumps(value: Any) -> str:
    return json.dumps(value)

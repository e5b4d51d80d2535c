"""Choosing which tools a request offers, when all of them would not fit.

A gateway limits the ``tools`` list it accepts (about 40 KB at Argo), and every
tool sent costs context. While everything fits, everything is sent. Otherwise,
in this order, until the tools fit:

1. descriptions over ``description_limit`` characters are shortened, with a
   marker (the whole text is one ``search_tools`` call away), and ``search_tools``
   is offered;
2. only the tools most relevant to the conversation are sent, ranked lexically
   (BM25 over names and descriptions, offline), with ``search_tools`` to find
   and load the others: a tool the search returns is offered from the next
   request on.

Pure apart from the index it builds once per tool list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from rank_bm25 import BM25Okapi

    from argo_mcp_client._mcp.registry import ToolInfo

__all__ = ["SEARCH_PARAMETERS", "Selection", "ToolCatalogue", "payload_size"]

DESCRIPTION_LIMIT = 1_024
"""Characters of a description kept when descriptions must be shortened."""
CONTEXT_SHARE = 0.25
"""The share of the context window tools may take before the catalogue is used."""
SEARCH_DESCRIPTION = (
    "Find tools by what they do. The tools offered now are only some of those available: search with "
    "a few keywords to see the others, with their full descriptions. Tools found can be called from "
    "the next step on."
)
SEARCH_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "description": "Keywords: what the tool should do or work on."},
        "limit": {"type": "integer", "minimum": 1, "maximum": 10, "description": "At most this many (5)."},
    },
    "required": ["query"],
}
_WORD = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_MARKER = " [... shortened; search_tools shows the whole description]"


def payload_size(tools: Sequence[Mapping[str, Any]]) -> int:
    """Bytes of the ``tools`` list as JSON, as the gateway measures it."""
    return len(json.dumps(tools).encode()) if tools else 0


def words(text: str) -> list[str]:
    """Lower-case words, with ``snake_case`` and ``camelCase`` names split."""
    return _WORD.findall(_CAMEL.sub(" ", text).replace("_", " ").lower())


@dataclass(frozen=True, slots=True)
class Selection:
    """The tools one request offers."""

    tools: list[dict[str, Any]]
    mode: str
    """``"all"``, ``"shortened"`` (every tool, long descriptions cut) or ``"ranked"`` (a relevant few)."""
    offered: tuple[str, ...] = ()
    """Names of the servers' tools offered (the client's own not included)."""

    @property
    def searchable(self) -> bool:
        return self.mode != "all"


@dataclass(slots=True)
class ToolCatalogue:
    """Decides, per request, which of the servers' tools are sent (see the module docstring)."""

    description_limit: int = DESCRIPTION_LIMIT
    _index_tools: list[ToolInfo] = field(default_factory=list, init=False)
    _sized_tools: list[ToolInfo] = field(default_factory=list, init=False)
    _sized_count: Callable[[str], int] | None = field(default=None, init=False)
    _sized_forms: Mapping[str, dict[str, Any]] | None = field(default=None, init=False)
    _sized_cache: list[_Sized] = field(default_factory=list, init=False)
    _index: BM25Okapi | None = field(default=None, init=False)
    _tools: list[ToolInfo] = field(default_factory=list, init=False)

    def select(
        self,
        tools: Sequence[ToolInfo],
        *,
        context: str,
        loaded: Sequence[str] = (),
        extra: Sequence[dict[str, Any]] = (),
        payload_limit: int | None = None,
        token_limit: int | None = None,
        count: Callable[[str], int] | None = None,
        forms: Mapping[str, dict[str, Any]] | None = None,
    ) -> Selection:
        """The tools for a request.

        Args:
            tools: every tool of the servers.
            context: the recent conversation, to rank tools by.
            loaded: tools the model found with ``search_tools``, newest last; offered first.
            extra: the client's own tools this request offers too; they count against the limits.
            payload_limit: bytes the gateway accepts in ``tools``; ``None`` for no limit.
            token_limit: tokens the tools may take (a share of the context); ``None`` for no limit.
            count: tokens of a text; needed with ``token_limit``.
            forms: each tool's spec in the schema form the model takes, by name, so
                limits are measured on what is sent; ``None`` for the portable form.
        """
        limits = _Limits(payload_limit, token_limit, count)
        sized = self._sized(tools, count, forms)
        fixed = limits.measure(extra)
        full = [entry.full for entry in sized]
        if limits.fits(fixed, (e.full_size for e in sized)):
            return Selection(full, "all", tuple(t.name for t in tools))
        search = [search_tool_spec()]
        fixed = limits.measure([*extra, *search])
        if limits.fits(fixed, (e.short_size for e in sized)):
            return Selection([e.short for e in sized], "shortened", tuple(t.name for t in tools))
        by_name = {tool.name: number for number, tool in enumerate(tools)}
        order = [by_name[name] for name in reversed(loaded) if name in by_name]
        order += [by_name[tool.name] for tool in self.rank(tools, context) if tool.name not in loaded]
        chosen: list[dict[str, Any]] = []
        names: list[str] = []
        used = fixed
        for number in order:
            entry = sized[number]
            grown = (used[0] + entry.short_size[0] + 2, used[1] + entry.short_size[1])
            if limits.within(grown):
                chosen.append(entry.short)
                names.append(tools[number].name)
                used = grown
        return Selection(chosen, "ranked", tuple(names))

    def _sized(
        self,
        tools: Sequence[ToolInfo],
        count: Callable[[str], int] | None,
        forms: Mapping[str, dict[str, Any]] | None,
    ) -> list[_Sized]:
        fresh = self._sized_count is count and self._sized_forms is forms and _same(tools, self._sized_tools)
        if not fresh:
            self._sized_cache = [self._measure(tool, count, forms) for tool in tools]
            self._sized_tools, self._sized_count, self._sized_forms = list(tools), count, forms
        return self._sized_cache

    def _measure(
        self, tool: ToolInfo, count: Callable[[str], int] | None, forms: Mapping[str, dict[str, Any]] | None
    ) -> _Sized:
        full = (forms or {}).get(tool.name) or tool.openai_tool()
        short = self._short(tool, full)
        full_text, short_text = json.dumps(full), json.dumps(short)
        return _Sized(
            full,
            (len(full_text.encode()), count(full_text) if count else 0),
            short,
            (len(short_text.encode()), count(short_text) if count else 0),
        )

    def rank(self, tools: Sequence[ToolInfo], query: str) -> list[ToolInfo]:
        """``tools`` from most to least relevant to ``query`` (ties keep the servers' order)."""
        index = self._indexed(tools)
        terms = words(query)
        if not terms or index is None:
            return list(tools)
        scores = index.get_scores(terms)
        ranked = sorted(range(len(tools)), key=lambda i: -float(scores[i]))
        return [tools[i] for i in ranked]

    def search(self, tools: Sequence[ToolInfo], query: str, limit: int = 5) -> list[ToolInfo]:
        """The tools matching ``query`` best; none when no word of it occurs in any tool."""
        index = self._indexed(tools)
        terms = words(query)
        if not terms or index is None:
            return []
        scores = index.get_scores(terms)
        ranked = sorted(range(len(tools)), key=lambda i: -float(scores[i]))
        hits = [i for i in ranked if scores[i] > 0] or [i for i in ranked if _mentions(tools[i], terms)]
        return [tools[i] for i in hits[:limit]]

    def _indexed(self, tools: Sequence[ToolInfo]) -> BM25Okapi | None:
        if not tools:
            return None
        if self._index is None or not _same(tools, self._index_tools):
            # Imported when first needed: most clients never have more tools than fit.
            from rank_bm25 import BM25Okapi

            corpus = [words(f"{tool.name} {tool.name} {tool.tool} {tool.description}") for tool in tools]
            self._index = BM25Okapi([document or ["_"] for document in corpus])
            self._index_tools = list(tools)
        return self._index

    def _short(self, tool: ToolInfo, full: dict[str, Any]) -> dict[str, Any]:
        description = tool.description
        if len(description) <= self.description_limit:
            return full
        short = description[: self.description_limit].rstrip() + _MARKER
        return {**full, "function": {**full["function"], "description": short}}


@dataclass(frozen=True, slots=True)
class _Sized:
    full: dict[str, Any]
    full_size: tuple[int, int]
    """Bytes and tokens."""
    short: dict[str, Any]
    short_size: tuple[int, int]


@dataclass(frozen=True, slots=True)
class _Limits:
    payload: int | None
    tokens: int | None
    count: Callable[[str], int] | None

    def measure(self, tools: Sequence[dict[str, Any]]) -> tuple[int, int]:
        """Bytes (of a JSON list: brackets, and ", " between items) and tokens of ``tools``."""
        text = json.dumps(list(tools))
        return len(text.encode()), self.count(text) if self.count is not None and tools else 0

    def fits(self, fixed: tuple[int, int], sizes: Iterable[tuple[int, int]]) -> bool:
        size, tokens = fixed
        for item_size, item_tokens in sizes:
            size += item_size + 2
            tokens += item_tokens
        return self.within((size, tokens))

    def within(self, size: tuple[int, int]) -> bool:
        if self.payload is not None and size[0] > self.payload:
            return False
        return not (self.tokens is not None and self.count is not None and size[1] > self.tokens)


def _same(tools: Sequence[ToolInfo], known: Sequence[ToolInfo]) -> bool:
    """The very same tools (a refreshed registry makes new ones, even under the same names)."""
    return len(tools) == len(known) and all(a is b for a, b in zip(tools, known, strict=True))


def _mentions(tool: ToolInfo, terms: Sequence[str]) -> bool:
    text = f"{tool.name} {tool.description}".lower()
    return any(term in text for term in terms)


def search_tool_spec(name: str = "search_tools") -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": SEARCH_DESCRIPTION, "parameters": SEARCH_PARAMETERS},
    }


def describe_found(found: Sequence[ToolInfo]) -> str:
    """The search tool's answer: each tool found, whole."""
    if not found:
        return "No tool matches; try other keywords (words from what the tool should do)."
    parts = [f"{len(found)} tools found; each can be called from the next step on."]
    for tool in found:
        parameters = json.dumps(tool.parameters.get("properties", {}))
        if len(parameters) > 1_500:
            parameters = parameters[:1_500] + "..."
        parts.append(f"## {tool.name}\n{tool.description}\nParameters: {parameters}")
    return "\n\n".join(parts)

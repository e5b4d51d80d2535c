"""Tool calls that Claude, through Argo, leaks into its text as a Python repr.

Instead of a ``tool_calls`` entry the reply's text ends with the Anthropic block
written as a Python dict::

    I'll call get_compound_name.{'id': 'toolu_vrtx_01...', 'input': {'compound_id': 'cpd00027'},
    'name': 'get_compound_name', 'type': 'tool_use', 'cache_control': None}

Each such dict (a Python literal with ``'type': 'tool_use'``, a string ``name`` and a
dict ``input``) is taken out of the text and becomes a call. Pure: text in, text and calls out.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from typing import TYPE_CHECKING, Any

from argo_mcp_client._models.reply import ToolCallRequest, with_unique_ids

if TYPE_CHECKING:
    from argo_mcp_client._models.reply import ModelReply

__all__ = ["decode_leaked_calls", "has_leaked_call"]

_START = re.compile(r"\{\s*'(?:id|input|name|type)'\s*:")
_MARK = re.compile(r"'type'\s*:\s*'tool_use'")


def has_leaked_call(text: str | None) -> bool:
    """Whether ``text`` may hold a leaked ``tool_use`` repr (a cheap test before parsing)."""
    return bool(text) and _MARK.search(text or "") is not None


def decode_leaked_calls(reply: ModelReply) -> ModelReply:
    """``reply`` with leaked ``tool_use`` reprs in its text turned into tool calls.

    A reply that already has native calls only loses the reprs from its text.
    """
    text = reply.content or ""
    calls: list[ToolCallRequest] = []
    pieces: list[str] = []
    position = 0
    for match in _START.finditer(text):
        if match.start() < position:
            continue
        end = _literal_end(text, match.start())
        if end is None:
            continue
        call = _call_of(text[match.start() : end])
        if call is None:
            continue
        pieces.append(text[position : match.start()])
        position = end
        calls.append(call)
    if not calls:
        return reply
    pieces.append(text[position:])
    content = "".join(pieces).strip() or None
    if reply.tool_calls:
        return dataclasses.replace(reply, content=content)
    return dataclasses.replace(
        reply, content=content, tool_calls=with_unique_ids(calls), finish_reason="tool_calls"
    )


def _literal_end(text: str, start: int) -> int | None:
    """The index just past the dict literal starting at ``start`` (quotes respected), if it closes."""
    depth = 0
    quote: str | None = None
    escaped = False
    for i in range(start, len(text)):
        char = text[i]
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _call_of(literal: str) -> ToolCallRequest | None:
    try:
        value: Any = ast.literal_eval(literal)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, dict) or value.get("type") != "tool_use":
        return None
    name, arguments = value.get("name"), value.get("input", {})
    if not isinstance(name, str) or not name or not isinstance(arguments, dict):
        return None
    try:
        encoded = json.dumps(arguments, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    found = value.get("id")
    call_id = found if isinstance(found, str) else ""
    return ToolCallRequest(id=call_id, name=name, arguments=encoded)

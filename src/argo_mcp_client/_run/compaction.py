"""Shortening a history for one request, so that it fits the model's context.

Pure: a list of messages in, a shorter copy out. The conversation the user holds
keeps everything; only the request is shortened, in this order, until it fits:

1. the oldest tool results are replaced by a line saying what they were, with
   the handle of the artifact that keeps them whole (``read_artifact`` reads it);
2. then the oldest exchanges are left out altogether, with one note saying so.

What is never touched: the system messages at the start, the latest user
message (the task), and the latest exchange. An assistant message that calls
tools is kept or left out together with all its results, so every call in the
request stays answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

__all__ = ["Compaction", "compact"]

_SUMMARY_CHARS = 120


@dataclass(frozen=True, slots=True)
class Compaction:
    """A history as it is sent, and what was shortened to make it fit."""

    messages: list[dict[str, Any]]
    tokens_before: int
    tokens_after: int
    shortened: tuple[str, ...] = ()
    """Call ids whose results were replaced by a one-line summary."""
    left_out: int = 0
    """Messages left out of the request altogether."""
    fits: bool = True
    """False when even the untouchable messages do not fit."""

    @property
    def changed(self) -> bool:
        return bool(self.shortened or self.left_out)


def compact(
    messages: Sequence[dict[str, Any]],
    *,
    limit: int,
    count: Callable[[Mapping[str, Any]], int],
    handles: Mapping[str, str] | None = None,
) -> Compaction:
    """``messages`` shortened until they count at most ``limit`` tokens (see the module docstring).

    Args:
        messages: the history, in OpenAI chat format; not modified.
        limit: tokens the messages may take.
        count: tokens of one message.
        handles: the artifact id keeping each tool result whole, by call id.
    """
    sizes = [count(m) for m in messages]
    total = sum(sizes)
    if total <= limit:
        return Compaction(list(messages), total, total)
    handles = handles or {}
    units = _units(messages)
    protected = _protected(messages, units)
    out: list[dict[str, Any]] = list(messages)
    current = total
    names = _call_names(messages)
    shortened: list[str] = []
    for index, message in enumerate(messages):
        if current <= limit:
            break
        if message.get("role") != "tool" or _unit_of(units, index) in protected:
            continue
        call_id = str(message.get("tool_call_id", ""))
        stub = {**message, "content": _stub(message, names.get(call_id, "a tool"), handles.get(call_id))}
        saved = sizes[index] - count(stub)
        if saved <= 0:
            continue
        out[index] = stub
        sizes[index] -= saved
        current -= saved
        shortened.append(call_id)
    left_out = 0
    dropped: set[int] = set()
    note_size = count(_note(len(messages)))  # at least the note's size, whatever the number in it
    for number, (start, end) in enumerate(units):
        if current + (note_size if left_out else 0) <= limit:
            break
        if number in protected:
            continue
        dropped.add(number)
        left_out += end - start
        current -= sum(sizes[start:end])
    if left_out:
        current += count(_note(left_out))
        kept: list[dict[str, Any]] = []
        noted = False
        for number, (start, end) in enumerate(units):
            if number in dropped:
                if not noted:
                    kept.append(_note(left_out))
                    noted = True
                continue
            kept.extend(out[start:end])
        out = kept
    return Compaction(out, total, current, tuple(shortened), left_out, fits=current <= limit)


def _units(messages: Sequence[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """The history cut into units that stand or fall together: an assistant message with its tool results."""
    units: list[tuple[int, int]] = []
    index = 0
    while index < len(messages):
        end = index + 1
        if messages[index].get("tool_calls"):
            while end < len(messages) and messages[end].get("role") == "tool":
                end += 1
        units.append((index, end))
        index = end
    return units


def _protected(messages: Sequence[Mapping[str, Any]], units: Sequence[tuple[int, int]]) -> set[int]:
    """The units never shortened: leading system messages, the latest user message, the latest unit."""
    protected = {len(units) - 1}
    for number, (start, _) in enumerate(units):
        if messages[start].get("role") not in ("system", "developer"):
            break
        protected.add(number)
    for number in range(len(units) - 1, -1, -1):
        if messages[units[number][0]].get("role") == "user":
            protected.add(number)
            break
    return protected


def _unit_of(units: Sequence[tuple[int, int]], index: int) -> int:
    low, high = 0, len(units) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if units[middle][0] <= index:
            low = middle
        else:
            high = middle - 1
    return low


def _call_names(messages: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for message in messages:
        for call in message.get("tool_calls") or ():
            names[str(call.get("id"))] = str((call.get("function") or {}).get("name", "a tool"))
    return names


def _stub(message: Mapping[str, Any], name: str, handle: str | None) -> str:
    content = message.get("content")
    text = content if isinstance(content, str) else str(content)
    first = next((line.strip() for line in text[: _SUMMARY_CHARS * 4].splitlines() if line.strip()), "")
    if len(first) > _SUMMARY_CHARS:
        first = first[:_SUMMARY_CHARS] + "..."
    where = (
        f"read it with read_artifact(id={handle!r})"
        if handle
        else "it is no longer in this request; call the tool again if you need it"
    )
    return (
        f"[Earlier result of {name}, {len(text):,} characters, shortened to fit the context; {where}. "
        f"It began: {first}]"
    )


def _note(left_out: int) -> dict[str, Any]:
    return {
        "role": "user",
        "content": f"[{left_out} earlier messages of this conversation are left out here to fit the "
        "model's context; the task and the latest steps follow.]",
    }

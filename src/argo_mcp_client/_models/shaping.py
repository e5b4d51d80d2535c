"""A request body shaped for the model that receives it, from its profile.

Pure functions: they take a body or a history and return new ones, and say what
they changed (so the caller can log it once per model).

* Reasoning models (o-series, gpt-5) take only their default temperature and
  ``max_completion_tokens`` rather than ``max_tokens``.
* Claude refuses ``temperature`` and ``top_p`` together; ``temperature`` is kept.
* Models that refuse several tool calls in one assistant message of the history
  (Gemini) get each such turn as consecutive single-call steps, each call
  followed by its result. The conversation itself keeps its shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from argo_mcp_client._models.profiles import ModelProfile

__all__ = ["shape_parameters", "unwind_parallel_calls"]

_DEFAULT_TEMPERATURE = 1


def shape_parameters(body: dict[str, Any], profile: ModelProfile) -> tuple[dict[str, Any], list[str]]:
    """``body`` with the parameters ``profile`` refuses translated or dropped, and a note per change."""
    out = dict(body)
    notes: list[str] = []
    if profile.reasoning:
        temperature = out.get("temperature")
        if temperature is not None and temperature != _DEFAULT_TEMPERATURE:
            del out["temperature"]
            notes.append(f"dropped temperature={temperature}: a reasoning model takes only its default")
        if "max_tokens" in out:
            value = out.pop("max_tokens")
            if "max_completion_tokens" not in out and value is not None:
                out["max_completion_tokens"] = value
            notes.append("sent max_tokens as max_completion_tokens, which reasoning models take")
    if profile.exclusive_temperature_top_p and out.get("temperature") is not None and "top_p" in out:
        top_p = out.pop("top_p")
        notes.append(f"dropped top_p={top_p}: the model refuses temperature and top_p together")
    return out, notes


def unwind_parallel_calls(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history with each assistant message of several tool calls split into single-call steps.

    ``assistant(text, [c1, c2]), tool(r1), tool(r2)`` becomes ``assistant(text, [c1]), tool(r1),
    assistant([c2]), tool(r2)``. A call whose result is missing keeps its place (the
    history was not valid before either). ``messages`` is left untouched.
    """
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(messages):
        message = messages[i]
        calls = message.get("tool_calls") if message.get("role") == "assistant" else None
        if not calls or len(calls) < 2:
            out.append(message)
            i += 1
            continue
        j = i + 1
        results: dict[str, dict[str, Any]] = {}
        while j < len(messages) and messages[j].get("role") == "tool":
            results[str(messages[j].get("tool_call_id"))] = messages[j]
            j += 1
        if len(results) != j - i - 1 or any(str(call.get("id")) not in results for call in calls):
            out.extend(messages[i:j])  # results not matched one to one: left as they are
            i = j
            continue
        for n, call in enumerate(calls):
            step = {**message, "tool_calls": [call]}
            if n:
                step["content"] = None
            out.append(step)
            out.append(results[str(call.get("id"))])
        i = j
    return out

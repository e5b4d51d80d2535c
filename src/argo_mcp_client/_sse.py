"""A chat completion cut into OpenAI-style stream chunks, and server-sent-events framing.

Used by the scripted model to answer streaming requests the way OpenAI and
argo-proxy 3.x do: text in small deltas, each tool call's id and name in its
first fragment and its arguments in pieces keyed by index, the finish reason
last, then usage in a chunk with no choices when it was asked for.
"""

from __future__ import annotations

import json
from typing import Any


def completion_chunks(
    completion: dict[str, Any], *, chunk_size: int, include_usage: bool
) -> list[dict[str, Any]]:
    """The stream chunks equivalent to a non-streamed ``completion``."""
    choice = completion["choices"][0]
    message = choice["message"]
    base = {k: completion[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    for piece in _pieces(message.get("content") or "", chunk_size):
        chunks.append(chunk({"content": piece}))
    for index, call in enumerate(message.get("tool_calls") or ()):
        function = call["function"]
        head = {"index": index, "id": call["id"], "type": "function", "function": {"name": function["name"]}}
        chunks.append(
            chunk({"tool_calls": [head | {"function": {"name": function["name"], "arguments": ""}}]})
        )
        for piece in _pieces(function["arguments"], chunk_size):
            chunks.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
    chunks.append(chunk({}, choice["finish_reason"]))
    if include_usage and completion.get("usage"):
        chunks.append(base | {"choices": [], "usage": completion["usage"]})
    return chunks


def sse_body(chunks: list[dict[str, Any]], *, done: bool = True) -> bytes:
    """Frame ``chunks`` as server-sent events, ending with ``[DONE]`` unless told not to."""
    lines = [f"data: {json.dumps(c, ensure_ascii=False)}\n\n" for c in chunks]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] if size > 0 else [text]

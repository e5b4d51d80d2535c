"""Simulated gateways: replies rendered by this module in the shapes other gateways send.

Nothing here is a recording, and no such gateway runs in the tests: each renderer
is this project's own code, written from the gateway's source and from its output
as seen in runs against a fake upstream (argo-proxy 2.8.9, argo_bridge be8c406).
Tests through them show the client handles the shapes as read here, not that it
works with those gateways. Each renderer takes an OpenAI chat completion (what a
scripted model decided to say) and returns the HTTP body that gateway would send
for it, streamed or not:

* argo-proxy 2.x: tool calls pseudo-streamed, each whole in one chunk with
  ``type: null`` and ``finish_reason`` on every tool chunk, text after them in
  30-character chunks, then usage, and never ``[DONE]``; plain text really
  streamed with no finish reason at all.
* argo-bridge: no usage; with tools, a fake stream of a role chunk, the text,
  one chunk per call (``type: null``), a finish chunk and ``[DONE]``.
* argo-bridge for Gemini (prompt-based on the bridge's side): the raw
  ``<tool_call>`` block stays in the content next to the parsed calls, whose
  ids are 22 characters without a ``call_`` prefix.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from typing import Any

from argo_mcp_client._sse import sse_body

Renderer = Callable[[dict[str, Any], bool], tuple[bytes, str]]


def _chunk(base: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def argo_proxy_2(completion: dict[str, Any], stream: bool) -> tuple[bytes, str]:
    if not stream:
        return json.dumps(completion).encode(), "application/json"
    message = completion["choices"][0]["message"]
    base = {
        "id": completion["id"],
        "created": 1795238491,
        "model": completion["model"],
        "object": "chat.completion.chunk",
    }
    usage = base | {"choices": [], "usage": completion["usage"]}
    calls = message.get("tool_calls") or []
    text = message.get("content") or ""
    if not calls:
        pieces = [text[i : i + 30] for i in range(0, len(text), 30)] or [""]
        chunks = [
            _chunk(base, {"content": p, "role": "assistant" if i == 0 else None}, None)
            for i, p in enumerate(pieces)
        ]
        return sse_body([*chunks, usage], done=False), "text/event-stream"
    chunks = []
    for index, call in enumerate(calls):
        whole = {"index": index, "id": call["id"], "function": call["function"], "type": None}
        delta = {"content": None, "role": "assistant" if index == 0 else None, "tool_calls": [whole]}
        chunks.append(_chunk(base, delta, "tool_calls"))
    chunks += [_chunk(base, {"content": text[i : i + 30]}, "tool_calls") for i in range(0, len(text), 30)]
    return sse_body([*chunks, usage], done=False), "text/event-stream"


def argo_bridge(completion: dict[str, Any], stream: bool) -> tuple[bytes, str]:
    completion = {k: v for k, v in completion.items() if k != "usage"} | {"id": "argo"}
    if not stream:
        return json.dumps(completion).encode(), "application/json"
    message = completion["choices"][0]["message"]
    base = {
        "id": "abc",
        "object": "chat.completion.chunk",
        "created": 1795238519,
        "model": completion["model"],
    }
    chunks = [_chunk(base, {"role": "assistant", "content": ""}, None)]
    if message.get("content"):
        chunks.append(_chunk(base, {"content": message["content"]}, None))
    for index, call in enumerate(message.get("tool_calls") or []):
        whole = {"index": index, "id": call["id"], "function": call["function"], "type": None}
        chunks.append(_chunk(base, {"tool_calls": [whole]}, None))
    chunks.append(_chunk(base | {"id": "argo"}, {}, completion["choices"][0]["finish_reason"]))
    return sse_body(chunks), "text/event-stream"


def argo_bridge_gemini(completion: dict[str, Any], stream: bool) -> tuple[bytes, str]:
    message = completion["choices"][0]["message"]
    calls = message.get("tool_calls") or []
    if calls:
        blocks = [
            "<tool_call>\n"
            + json.dumps({"name": c["function"]["name"], "arguments": json.loads(c["function"]["arguments"])})
            + "\n</tool_call>"
            for c in calls
        ]
        alphabet = string.ascii_letters + string.digits
        message["content"] = "\n".join(blocks)
        for call in calls:
            call["id"] = "".join(secrets.choice(alphabet) for _ in range(22))
    return argo_bridge(completion, stream)


FOLLOWS = {
    "argo-proxy 2.x": "argo-proxy 2.8.9",
    "argo-bridge": "argo_bridge be8c406",
    "argo-bridge, Gemini prompt-based": "argo_bridge be8c406",
}
"""The gateway version whose shapes each renderer follows."""

SHAPES: dict[str, Renderer] = {
    "argo-proxy 2.x": argo_proxy_2,
    "argo-bridge": argo_bridge,
    "argo-bridge, Gemini prompt-based": argo_bridge_gemini,
}

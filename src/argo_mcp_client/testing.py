"""Helpers for testing apps built on argo-mcp-client, without a model or a network.

:class:`ScriptedModel` is a simulated model: it answers chat-completion requests
from a script you write, as an HTTP transport plugged into the openai client. The
client's real request path runs (request building, the SDK's parsing, errors,
streaming); only the model is scripted.

Example:
    ```python
    from argo_mcp_client import ArgoMCPClient
    from argo_mcp_client.testing import ScriptedModel, call, reply

    model = ScriptedModel([
        call("run_fba", {"model_id": "m1", "media_id": "glucose"}),
        reply("Growth is 0.87/h."),
    ])
    async with ArgoMCPClient(servers=[...], http_client=model.http_client()) as client:
        result = await client.run("How fast does it grow?")
    assert result.tool_calls[0].tool == "run_fba"
    assert model.requests[1].messages[-1]["role"] == "tool"
    ```
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai

from argo_mcp_client._sse import completion_chunks, sse_body

__all__ = [
    "ScriptedFailure",
    "ScriptedModel",
    "ScriptedRawStream",
    "ScriptedReply",
    "ScriptedRequest",
    "ScriptedToolCall",
    "call",
    "failure",
    "raw_stream",
    "reply",
]


@dataclass(frozen=True, slots=True)
class ScriptedToolCall:
    """A tool call the scripted model makes; ``arguments`` is sent as is, valid JSON or not."""

    name: str
    arguments: str = "{}"
    id: str | None = None


@dataclass(frozen=True, slots=True)
class ScriptedReply:
    """One assistant message: text, tool calls, or both."""

    text: str | None = None
    tool_calls: tuple[ScriptedToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class ScriptedFailure:
    """An HTTP error the scripted gateway answers with."""

    status: int
    message: str = "scripted failure"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScriptedRawStream:
    """Bytes to answer a streaming request with, exactly: to replay a recorded or broken stream."""

    body: bytes


@dataclass(frozen=True, slots=True)
class ScriptedRequest:
    """A chat-completion request the scripted model received."""

    body: dict[str, Any]

    @property
    def model(self) -> str:
        """The model name the request asked for."""
        return str(self.body.get("model", ""))

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages sent, in OpenAI chat format."""
        return list(self.body.get("messages", []))

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tools offered, in OpenAI function-calling format (none for prompt-based tools)."""
        return list(self.body.get("tools", []))

    @property
    def tool_names(self) -> list[str]:
        """The names of the tools offered."""
        return [t["function"]["name"] for t in self.tools]

    @property
    def stream(self) -> bool:
        """Whether the request asked for a streamed reply."""
        return bool(self.body.get("stream"))


Answer = ScriptedReply | ScriptedToolCall | str | tuple[ScriptedToolCall, ...] | list[ScriptedToolCall]
"""An assistant message: a reply, plain text, one tool call, or several parallel ones."""

Step = Answer | ScriptedFailure | ScriptedRawStream
"""A step of a script: an answer, a failure of the gateway, or raw stream bytes."""

Responder = Callable[[ScriptedRequest], Step | Awaitable[Step]]
"""A function of the request that decides the reply; it may be async."""


def reply(text: str) -> ScriptedReply:
    """A plain text answer."""
    return ScriptedReply(text=text)


def call(
    name: str, arguments: Mapping[str, Any] | str | None = None, *, id: str | None = None
) -> ScriptedToolCall:
    """A tool call; a mapping is sent as JSON, a string exactly as given (to test broken arguments)."""
    raw = arguments if isinstance(arguments, str) else json.dumps(dict(arguments or {}))
    return ScriptedToolCall(name=name, arguments=raw, id=id)


def raw_stream(body: bytes | str) -> ScriptedRawStream:
    """Answer the next (streaming) request with exactly these server-sent-event bytes."""
    return ScriptedRawStream(body=body.encode() if isinstance(body, str) else body)


def failure(
    status: int, message: str = "scripted failure", headers: Mapping[str, str] | None = None
) -> ScriptedFailure:
    """An HTTP error response from the scripted gateway."""
    return ScriptedFailure(status=status, message=message, headers=dict(headers or {}))


class ScriptedModel:
    """A simulated OpenAI-compatible model that follows a script.

    Args:
        script: the replies in order, or a function of each request that returns
            the reply (sync or async).
        chunk_size: characters per chunk when a request asks for streaming.
        served_by: the model name replies carry (default: the one asked for), to
            play a gateway that answers unknown names with its default model.

    Attributes:
        requests: every request received, in order, for assertions.
    """

    def __init__(
        self, script: Sequence[Step] | Responder, *, chunk_size: int = 8, served_by: str | None = None
    ) -> None:
        self._script = script
        self._chunk_size = chunk_size
        self._served_by = served_by
        self.requests: list[ScriptedRequest] = []

    def http_client(self) -> httpx2.AsyncClient:
        """An HTTP client whose every chat-completion request this model answers."""
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self.answer))

    def openai_client(self, *, base_url: str = "http://scripted-model.invalid/v1") -> openai.AsyncOpenAI:
        """An openai SDK client wired to this model, with the SDK's retries off."""
        return openai.AsyncOpenAI(
            base_url=base_url, api_key="scripted", http_client=self.http_client(), max_retries=0
        )

    async def answer(self, request: httpx2.Request) -> httpx2.Response:
        """The HTTP response to ``request``; lets the script be served by any HTTP server."""
        if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
            return _error(
                404, f"the scripted model only answers POST .../chat/completions, not {request.url.path}"
            )
        scripted = ScriptedRequest(body=json.loads(request.content))
        self.requests.append(scripted)
        step = await self._next_step(scripted)
        if isinstance(step, ScriptedFailure):
            return _error(step.status, step.message, step.headers)
        if isinstance(step, ScriptedRawStream):
            if not scripted.stream:
                return _error(400, "the script has raw stream bytes for a request that did not ask to stream")
            return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=step.body)
        message = _as_reply(step)
        completion = _completion(scripted, message, len(self.requests))
        if self._served_by is not None:
            completion["model"] = self._served_by
        if not scripted.stream:
            return httpx2.Response(200, json=completion)
        include_usage = bool((scripted.body.get("stream_options") or {}).get("include_usage"))
        chunks = completion_chunks(completion, chunk_size=self._chunk_size, include_usage=include_usage)
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=sse_body(chunks))

    async def _next_step(self, request: ScriptedRequest) -> Step:
        if callable(self._script):
            step = self._script(request)
            return await step if inspect.isawaitable(step) else step
        index = len(self.requests) - 1
        if index >= len(self._script):
            return ScriptedFailure(
                400,
                f"the scripted model has no reply for request {index + 1}; "
                f"its script has {len(self._script)}",
            )
        return self._script[index]


def _as_reply(step: Answer) -> ScriptedReply:
    if isinstance(step, ScriptedReply):
        return step
    if isinstance(step, str):
        return ScriptedReply(text=step)
    if isinstance(step, ScriptedToolCall):
        return ScriptedReply(tool_calls=(step,))
    return ScriptedReply(tool_calls=tuple(step))


def _completion(request: ScriptedRequest, message: ScriptedReply, number: int) -> dict[str, Any]:
    tool_calls = [
        {
            "id": c.id or f"call_{number}_{i}",
            "type": "function",
            "function": {"name": c.name, "arguments": c.arguments},
        }
        for i, c in enumerate(message.tool_calls)
    ]
    assistant: dict[str, Any] = {"role": "assistant", "content": message.text}
    if tool_calls:
        assistant["tool_calls"] = tool_calls
    # Token counts are estimates (about four characters a token), not a real tokenizer's.
    prompt_tokens = len(json.dumps(request.messages)) // 4 + 1
    completion_tokens = (len(message.text or "") + sum(len(c.arguments) for c in message.tool_calls)) // 4 + 1
    return {
        "id": f"chatcmpl-scripted-{number}",
        "object": "chat.completion",
        "created": 0,
        "model": request.model,
        "choices": [
            {"index": 0, "message": assistant, "finish_reason": "tool_calls" if tool_calls else "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> httpx2.Response:
    body = {"error": {"message": message, "type": "scripted_error", "code": None}}
    return httpx2.Response(status, json=body, headers=dict(headers or {}))

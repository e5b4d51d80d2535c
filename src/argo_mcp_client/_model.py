"""Chat-completion requests through the openai SDK, and its errors translated.

This is the only module that talks to the openai SDK: it sends the history and
tools, and turns the reply into a :class:`ModelReply` that the loop can use
without knowing the SDK's types.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import openai

from argo_mcp_client.errors import ModelError
from argo_mcp_client.result import Usage

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from openai.types.chat import ChatCompletion
    from openai.types.completion_usage import CompletionUsage


@dataclass(frozen=True, slots=True)
class ToolCallRequest:
    """A tool call as the model asked for it."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ModelReply:
    """One assistant message from the model."""

    content: str | None
    tool_calls: tuple[ToolCallRequest, ...]
    finish_reason: str | None
    usage: Usage
    model: str | None
    """The model the gateway says answered, which may differ from the one asked for."""

    def assistant_message(self) -> dict[str, Any]:
        """The reply as an OpenAI assistant message for the history."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        return message


class ChatModel:
    """Sends chat-completion requests with fixed request settings."""

    def __init__(self, client: openai.AsyncOpenAI, *, settings: Mapping[str, Any] | None = None) -> None:
        self._client = client
        self._settings = dict(settings or {})

    async def complete(
        self, *, model: str, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]
    ) -> ModelReply:
        """Ask ``model`` for the next assistant message."""
        request: dict[str, Any] = {"model": model, "messages": messages, **self._settings}
        if tools:
            request["tools"] = tools
        try:
            completion = await self._client.chat.completions.create(**request)
        except openai.APIError as exc:
            raise model_error(exc, model=model, base_url=str(self._client.base_url)) from exc
        return _reply_from_completion(completion, model=model)


def model_error(exc: openai.APIError, *, model: str, base_url: str) -> ModelError:
    """Translate an openai SDK error into a :class:`ModelError` that says what to do."""
    if isinstance(exc, openai.APITimeoutError):
        return ModelError(f"model {model!r} did not answer in time at {base_url}", model=model)
    if isinstance(exc, openai.APIConnectionError):
        return ModelError(
            f"cannot reach the model endpoint {base_url} ({exc.__cause__ or exc}); "
            "is argo-proxy running? Set base_url or ARGO_BASE_URL to its /v1 address",
            model=model,
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        hint = {
            401: "; check api_key or ARGO_API_KEY",
            403: "; check that your account may use this model",
            404: "; check the model name (an Argo id like 'gpt4o' or an alias like 'argo:gpt-4o')",
        }.get(status, "")
        return ModelError(
            f"model {model!r} request failed with HTTP {status}: {_status_detail(exc)}{hint}",
            model=model,
            status_code=status,
        )
    return ModelError(f"model {model!r} request failed: {exc}", model=model)


def _status_detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return exc.message


def _reply_from_completion(completion: ChatCompletion, *, model: str) -> ModelReply:
    if not completion.choices:
        raise ModelError(
            f"model {model!r} returned no choices; the gateway may not support this model "
            "or spoke a protocol this client does not (argo-proxy 3.x needs an OpenAI-style upstream)",
            model=model,
        )
    choice = completion.choices[0]
    message = choice.message
    calls: list[ToolCallRequest] = []
    for call in message.tool_calls or ():
        if call.type != "function":
            continue
        calls.append(ToolCallRequest(id=call.id, name=call.function.name, arguments=call.function.arguments))
    return ModelReply(
        content=message.content,
        tool_calls=with_unique_ids(calls),
        finish_reason=choice.finish_reason,
        usage=usage_of(completion.usage),
        model=completion.model or None,
    )


def with_unique_ids(calls: Sequence[ToolCallRequest]) -> tuple[ToolCallRequest, ...]:
    """Give calls without an id, or with a repeated one, a fresh id.

    Some gateways omit ids or repeat them; every call needs its own, because
    the tool message answering it is matched by id.
    """
    seen: set[str] = set()
    out: list[ToolCallRequest] = []
    for call in calls:
        call_id = call.id
        if not call_id or call_id in seen:
            call_id = f"call_{uuid.uuid4().hex[:24]}"
        seen.add(call_id)
        out.append(ToolCallRequest(id=call_id, name=call.name, arguments=call.arguments))
    return tuple(out)


def usage_of(usage: CompletionUsage | None) -> Usage:
    """One request's usage (token counts are zero when the gateway sent none)."""
    if usage is None:
        return Usage(requests=1)
    return Usage(
        requests=1,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
    )

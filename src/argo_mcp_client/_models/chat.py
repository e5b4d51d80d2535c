"""Chat-completion requests through the openai SDK, and its errors translated.

This is the only module that talks to the openai SDK: it sends the history and
tools, streamed or not, and turns the reply into a :class:`ModelReply` that the
loop can use without knowing the SDK's types.
"""

from __future__ import annotations

import email.utils
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import openai
from openai import AsyncStream
from openai.types.chat import ChatCompletion

from argo_mcp_client._models.assembly import StreamAssembler, StreamError
from argo_mcp_client._models.notices import notice_error
from argo_mcp_client._models.quirks import Quirks
from argo_mcp_client._models.reply import ModelReply, ToolCallRequest, with_unique_ids
from argo_mcp_client.errors import ConfigError, EmptyCompletion, GatewayError, ModelError
from argo_mcp_client.result import Usage

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from openai.types.completion_usage import CompletionUsage


class ChatModel:
    """Sends chat-completion requests with fixed request settings and per-model quirks."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        *,
        settings: Mapping[str, Any] | None = None,
        quirks: Quirks | None = None,
    ) -> None:
        self._client = client
        self._settings, self._options = _split_settings(settings or {})
        self.quirks = quirks or Quirks()

    async def complete(
        self,
        *,
        model: str,
        messages: Sequence[dict[str, Any]],
        tools: Sequence[dict[str, Any]],
        overrides: Mapping[str, Any] | None = None,
    ) -> ModelReply:
        """Ask ``model`` for the next assistant message (``overrides``: request fields for this one)."""
        completion = await self._create(model, messages, tools, overrides or {})
        reply = _checked(_reply_from_completion(completion, model=model), model)
        return self.quirks.decode(model, reply, had_tools=bool(tools))

    async def stream(
        self,
        *,
        model: str,
        messages: Sequence[dict[str, Any]],
        tools: Sequence[dict[str, Any]],
        on_text: Callable[[str], Awaitable[None]],
        overrides: Mapping[str, Any] | None = None,
    ) -> ModelReply:
        """Ask ``model`` for the next assistant message as a stream, passing on text as it comes.

        Models using prompt-based tools are asked without streaming, since their
        replies hold tool calls in the text.

        Raises:
            StreamError: the stream could not be assembled; ask again without streaming.
            ModelError: the request failed.
        """
        if tools and self.quirks.prompt_tools(model):
            reply = await self.complete(model=model, messages=messages, tools=tools, overrides=overrides)
            if reply.content:
                await on_text(reply.content)
            return reply
        streaming = {**(overrides or {}), "stream": True, "stream_options": {"include_usage": True}}
        assembler = StreamAssembler()
        try:
            stream = await self._create(model, messages, tools, streaming)
            # Leaving this block, however it is left, closes the HTTP response.
            async with stream:
                async for chunk in stream:
                    if text := assembler.feed(chunk):
                        await on_text(text)
        except openai.APIError as exc:
            raise model_error(exc, model=model, base_url=str(self._client.base_url)) from exc
        except ValueError as exc:
            # The SDK parses each event as JSON; a malformed one ends up here.
            raise StreamError(f"a stream chunk was not valid JSON ({exc})") from exc
        return self.quirks.decode(model, _checked(assembler.reply(), model), had_tools=bool(tools))

    async def _create(
        self,
        model: str,
        messages: Sequence[dict[str, Any]],
        tools: Sequence[dict[str, Any]],
        extra: Mapping[str, Any],
    ) -> Any:
        """Send the request; once more, adjusted, if the model refused it for a quirk it has.

        Streamed, the answer is an ``AsyncStream`` of plain chunk dicts; otherwise a ``ChatCompletion``.
        """
        while True:
            body = self.quirks.shape(
                model,
                {"model": model, **self.quirks.request(model, messages, tools), **self._settings, **extra},
            )
            try:
                return await self._post(body)
            except openai.APIStatusError as exc:
                error = model_error(exc, model=model, base_url=str(self._client.base_url))
                if not self.quirks.learn(model, error, had_tools=bool(tools)):
                    raise error from exc
                if extra.get("stream") and self.quirks.prompt_tools(model):
                    # Prompt-based replies are read whole; the caller asks again without streaming.
                    raise StreamError(f"model {model!r} now uses prompt-based tool calls") from exc
            except openai.APIError as exc:
                raise model_error(exc, model=model, base_url=str(self._client.base_url)) from exc
            except ValueError as exc:
                # The SDK parses a non-streamed body without a guard: a body cut short lands here.
                raise ModelError(
                    f"model {model!r} sent an answer that is not valid JSON ({exc}); probably cut short",
                    model=model,
                    transient=True,
                ) from exc

    async def _post(self, body: dict[str, Any]) -> Any:
        # ``chat.completions.create`` would walk the whole history and every tool
        # schema against its typed parameters on each request, and build a typed
        # model of each stream chunk, to hand back what is JSON already: our body
        # is plain JSON, and the assembler reads chunks as dicts. The client's
        # documented ``post`` keeps its auth, headers, timeouts, SSE decoding and
        # error translation, without that work.
        return await self._client.post(
            "/chat/completions",
            body=body,
            options=cast("Any", self._options),
            cast_to=ChatCompletion,
            stream=bool(body.get("stream")),
            stream_cls=AsyncStream[object],
        )


def _split_settings(settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request settings as body fields, and as the request options ``create`` would make of them.

    Raises:
        ConfigError: a setting is not plain JSON, so it could never be sent.
    """
    body: dict[str, Any] = {}
    options: dict[str, Any] = {"security": {"bearer_auth": True}}
    for key, value in settings.items():
        if isinstance(value, openai.NotGiven | openai.Omit):
            continue  # what ``create`` leaves out
        if key == "timeout":
            options["timeout"] = value
        elif key in _OPTION_MAPPINGS:
            if value is not None:
                options[_OPTION_MAPPINGS[key]] = dict(value)
        else:
            body[key] = value
    for key, value in {**body, **options.get("extra_json", {})}.items():
        if isinstance(value, openai.Omit):
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"request setting {key!r} cannot be sent as JSON ({exc}); give plain JSON values "
                "(a response_format as a dict, for example, not a pydantic class)"
            ) from None
    return body, options


# The ``create`` keywords that are request options rather than body fields, and the
# option each becomes (the SDK merges ``extra_json`` into the body, leaving out omit).
_OPTION_MAPPINGS = {"extra_headers": "headers", "extra_query": "params", "extra_body": "extra_json"}


def _checked(reply: ModelReply, model: str) -> ModelReply:
    if error := notice_error(reply.content, model=model):
        raise error
    if is_empty(reply):
        raise EmptyCompletion(model)
    return reply


def is_empty(reply: ModelReply) -> bool:
    """Whether a reply is an empty completion: a clean stop with no text, no calls and no output tokens."""
    return (
        reply.finish_reason in ("stop", None)
        and not (reply.content or "").strip()
        and not reply.tool_calls
        and reply.usage.completion_tokens == 0
    )


def model_error(exc: openai.APIError, *, model: str, base_url: str) -> ModelError:
    """Translate an openai SDK error into a :class:`ModelError` that says what to do."""
    if isinstance(exc, openai.APITimeoutError):
        return ModelError(
            f"model {model!r} did not answer in time at {base_url}", model=model, transient=True
        )
    if isinstance(exc, openai.APIConnectionError):
        # By name, so a legacy httpx client (which the SDK still accepts) is told apart too.
        if type(exc.__cause__).__name__ in ("ConnectError", "ConnectTimeout") or isinstance(
            exc.__cause__, OSError
        ):
            return ModelError(
                f"cannot reach the model endpoint {base_url} ({exc.__cause__}); "
                "is argo-proxy running? Set the base URL (base_url=, --base-url or ARGO_BASE_URL) "
                "to its /v1 address",
                model=model,
                transient=True,
            )
        return ModelError(
            f"the connection to {base_url} broke during model {model!r}'s answer ({exc.__cause__ or exc})",
            model=model,
            transient=True,
        )
    if not isinstance(exc, openai.APIStatusError):
        # An error event inside a stream: the upstream gave up mid-answer.
        detail = exc.body.get("message") if isinstance(exc.body, dict) else None
        return notice_error(str(detail), model=model) or ModelError(
            f"model {model!r} failed mid-answer: {detail or exc.message}", model=model, transient=True
        )
    status = exc.status_code
    detail = _status_detail(exc)
    if notice := notice_error(detail, model=model):
        notice.status_code = status
        return notice
    hint = {
        401: "; check api_key or ARGO_API_KEY",
        403: "; check that your account may use this model",
        404: "; check the model name (an Argo id like 'gpt4o' or an alias like 'argo:gpt-4o')",
    }.get(status, "")
    return ModelError(
        f"model {model!r} request failed with HTTP {status}: {detail}{hint}",
        model=model,
        status_code=status,
        retry_after=_retry_after(exc.response.headers),
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a response asks to wait: ``retry-after-ms``, else ``retry-after`` (seconds or a date)."""
    if (millis := headers.get("retry-after-ms")) is not None:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo or UTC)).total_seconds())


def _status_detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return exc.message


def _reply_from_completion(completion: ChatCompletion, *, model: str) -> ModelReply:
    if not isinstance(completion, ChatCompletion):
        # The SDK hands back the body as text when it is not JSON: an HTML page
        # from a portal or proxy in front of the gateway, typically.
        raise GatewayError(
            f"the endpoint answered model {model!r} with something that is not an OpenAI chat completion "
            f"({str(completion)[:80]!r}...); check that base_url is the /v1 address of argo-proxy or another "
            "OpenAI-compatible server",
            model=model,
        )
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

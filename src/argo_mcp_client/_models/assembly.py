"""Chat-completion stream chunks assembled into one assistant message.

Gateways stream tool calls in different shapes, and this accepts all we know of:

* fragments keyed by ``index``, with the id and name only in the first one
  (OpenAI, argo-proxy 3.x, native passthrough);
* each call whole in one chunk, ``type: null``, ``finish_reason`` repeated on
  every tool chunk, text after the calls, no ``[DONE]`` (argo-proxy 2.x);
* parallel calls that reuse one index with different ids;
* arguments only in the last fragment, or none at all;
* usage in a final chunk with no choices.

A stream is complete when it names a finish reason, or, for argo-proxy 2.x's
plain text streams, which never do, when it ends with a usage chunk. Anything
else (argo-proxy turns a dropped upstream connection into a clean-looking end
of stream) raises :class:`IncompleteStream`, so a half-built call never reaches
a tool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from argo_mcp_client._models.reply import ModelReply, ToolCallRequest, with_unique_ids
from argo_mcp_client.result import Usage


class StreamError(Exception):
    """The stream cannot be turned into a message; the turn must be asked for again."""


class IncompleteStream(StreamError):
    """The stream ended without saying it was finished."""


@dataclass(slots=True)
class _PartialCall:
    id: str | None
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StreamAssembler:
    """Feed it chunks (as JSON objects) in order; then :meth:`reply` gives the message."""

    text: list[str] = field(default_factory=list)
    calls: list[_PartialCall] = field(default_factory=list)
    by_index: dict[int, int] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str | None = None

    def feed(self, chunk: object) -> str:
        """Take one chunk, as decoded from JSON; return the text it adds ("" if none).

        Raises:
            StreamError: the chunk is not shaped like a chat-completion chunk.
        """
        if not isinstance(chunk, dict):
            raise StreamError(f"a stream chunk was not a JSON object: {str(chunk)[:80]!r}")
        try:
            return self._feed(chunk)
        except (AttributeError, TypeError, ValueError, OverflowError) as exc:
            raise StreamError(f"a stream chunk was not shaped like a chat-completion chunk ({exc})") from exc

    def _feed(self, chunk: dict[str, Any]) -> str:
        if chunk.get("error"):
            raise StreamError(f"the stream carried an error: {chunk['error']}")
        self.model = chunk.get("model") or self.model
        if usage := chunk.get("usage"):
            self.usage = Usage(
                requests=1,
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
                total_tokens=int(usage.get("total_tokens") or 0),
            )
        added = ""
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue  # only one choice is ever asked for
            delta = choice.get("delta") or {}
            if content := delta.get("content"):
                self.text.append(content)
                added += content
            for fragment in delta.get("tool_calls") or ():
                self._add_fragment(fragment)
            if reason := choice.get("finish_reason"):
                self.finish_reason = reason
        return added

    def reply(self) -> ModelReply:
        """The assembled message; raises :class:`StreamError` if the stream was not whole."""
        if self.finish_reason is None and self.usage is None:
            raise IncompleteStream("the stream ended without a finish reason; it was cut short")
        calls: list[ToolCallRequest] = []
        for call in self.calls:
            if not call.name:
                raise StreamError("a streamed tool call never received its name")
            calls.append(ToolCallRequest(id=call.id or "", name=call.name, arguments="".join(call.arguments)))
        finish_reason = self.finish_reason or ("tool_calls" if calls else "stop")
        return ModelReply(
            content="".join(self.text) or None,
            tool_calls=with_unique_ids(calls),
            finish_reason=finish_reason,
            usage=self.usage or Usage(requests=1),
            model=self.model,
        )

    def _add_fragment(self, fragment: dict[str, Any]) -> None:
        index = fragment.get("index")
        call_id = fragment.get("id") or None
        position = self.by_index.get(index) if isinstance(index, int) else None
        if position is None and not isinstance(index, int) and call_id is None and self.calls:
            position = len(self.calls) - 1  # no index and no id: the fragment continues the last call
        current = self.calls[position] if position is not None else None
        if current is None or (call_id is not None and current.id is not None and call_id != current.id):
            # A new call: a new index, or a known index reused with another id
            # (some servers number parallel calls all 0).
            current = _PartialCall(id=call_id)
            self.calls.append(current)
            if isinstance(index, int):
                self.by_index[index] = len(self.calls) - 1
        elif current.id is None:
            current.id = call_id
        function = fragment.get("function") or {}
        if name := function.get("name"):
            if current.name and current.name != name:
                raise StreamError(f"a streamed tool call was named both {current.name!r} and {name!r}")
            current.name = name
        if arguments := function.get("arguments"):
            current.arguments.append(arguments)

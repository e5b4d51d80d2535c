"""One assistant message from the model, as the loop uses it, whatever the wire looked like."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from argo_mcp_client.result import Usage


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

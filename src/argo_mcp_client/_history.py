"""Checks on conversation histories in OpenAI chat format.

A history the gateway would reject (a tool call left unanswered, a tool message
answering nothing) is refused before any request is made, with a message that
says which message is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from argo_mcp_client.errors import ConfigError

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


def start_messages(
    prompt: str | Sequence[dict[str, Any]],
    *,
    history: Sequence[dict[str, Any]] = (),
    system_prompt: str | None = None,
) -> list[dict[str, Any]]:
    """The messages a run starts from: history, then the prompt, and a system prompt first if none is there.

    Raises:
        ConfigError: the prompt or history is not a valid conversation.
    """
    if isinstance(prompt, str):
        if not prompt.strip():
            raise ConfigError("the prompt is empty; pass the user's message as a non-empty string")
        new: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
    else:
        new = [dict(m) if isinstance(m, dict) else _not_a_message(m) for m in _sequence(prompt, "prompt")]
    messages = [dict(m) if isinstance(m, dict) else _not_a_message(m) for m in _sequence(history, "history")]
    messages += new
    if system_prompt and not any(m.get("role") in ("system", "developer") for m in messages):
        messages.insert(0, {"role": "system", "content": system_prompt})
    check_history(messages)
    return messages


def check_history(messages: Sequence[dict[str, Any]]) -> None:
    """Raise :class:`ConfigError` unless every tool call is answered exactly once, in place.

    Each assistant message with ``tool_calls`` must be followed directly by one
    ``tool`` message per call id; no ``tool`` message may stand anywhere else.
    """
    if not messages:
        raise ConfigError("the conversation has no messages; give a prompt")
    pending: dict[str, int] = {}
    for index, message in enumerate(messages):
        role = message.get("role")
        if role not in _ROLES:
            raise ConfigError(f"message {index} has role {role!r}; use one of {', '.join(sorted(_ROLES))}")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in pending:
                raise ConfigError(
                    f"message {index} is a tool result for call {call_id!r}, which no preceding assistant "
                    "message asked for (or which was already answered); remove it or fix its tool_call_id"
                )
            del pending[call_id]
            continue
        if pending:
            raise ConfigError(_unanswered(pending))
        if role == "assistant":
            for call in message.get("tool_calls") or ():
                call_id = call.get("id") if isinstance(call, dict) else None
                if not isinstance(call_id, str) or not call_id:
                    raise ConfigError(f"message {index} has a tool call without an id")
                pending[call_id] = index
    if pending:
        raise ConfigError(_unanswered(pending))


def _unanswered(pending: dict[str, int]) -> str:
    call_id, index = next(iter(pending.items()))
    return (
        f"tool call {call_id!r} in message {index} has no tool result right after it; "
        "add a {'role': 'tool', 'tool_call_id': ...} message for each call, or drop the call"
    )


def _sequence(value: object, what: str) -> Sequence[Any]:
    if isinstance(value, str | bytes | dict) or not isinstance(value, Sequence):
        raise ConfigError(
            f"{what} must be a list of messages in OpenAI chat format, got {type(value).__name__}"
        )
    return value


def _not_a_message(value: object) -> dict[str, Any]:
    raise ConfigError(
        f"messages must be dicts in OpenAI chat format, got {type(value).__name__}; "
        "convert SDK objects with .model_dump(exclude_none=True)"
    )

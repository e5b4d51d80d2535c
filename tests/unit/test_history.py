"""Conversation histories checked before they reach the gateway."""

from __future__ import annotations

from typing import Any

import pytest

from argo_mcp_client import ConfigError
from argo_mcp_client._history import check_history, start_messages


def assistant_calling(*ids: str) -> dict[str, Any]:
    calls = [{"id": i, "type": "function", "function": {"name": "f", "arguments": "{}"}} for i in ids]
    return {"role": "assistant", "content": None, "tool_calls": calls}


def tool(call_id: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": "ok"}


def test_answered_calls_pass() -> None:
    check_history([{"role": "user", "content": "hi"}, assistant_calling("1", "2"), tool("2"), tool("1")])


def test_an_unanswered_call_is_named() -> None:
    with pytest.raises(ConfigError, match="tool call '2' in message 1 has no tool result"):
        check_history([{"role": "user", "content": "hi"}, assistant_calling("1", "2"), tool("1")])


def test_a_call_answered_after_another_message_is_refused() -> None:
    with pytest.raises(ConfigError, match="no tool result right after it"):
        check_history([assistant_calling("1"), {"role": "user", "content": "and?"}, tool("1")])


def test_a_stray_tool_result_is_refused() -> None:
    with pytest.raises(ConfigError, match="message 1 is a tool result for call '9'"):
        check_history([{"role": "user", "content": "hi"}, tool("9")])


def test_a_call_answered_twice_is_refused() -> None:
    with pytest.raises(ConfigError, match="already answered"):
        check_history([assistant_calling("1"), tool("1"), tool("1")])


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(ConfigError, match="role 'robot'"):
        check_history([{"role": "robot", "content": "beep"}])


def test_an_empty_prompt_is_refused() -> None:
    with pytest.raises(ConfigError, match="prompt is empty"):
        start_messages("   ")


def test_a_non_dict_message_is_refused_with_a_hint() -> None:
    with pytest.raises(ConfigError, match="model_dump"):
        start_messages([object()])  # type: ignore[list-item]


def test_the_system_prompt_is_added_only_when_none_is_there() -> None:
    assert start_messages("hi", system_prompt="S")[0] == {"role": "system", "content": "S"}
    given = [{"role": "system", "content": "mine"}]
    assert start_messages("hi", history=given, system_prompt="S")[0] == given[0]


def test_the_callers_history_is_not_modified() -> None:
    history = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    start_messages("c", history=history, system_prompt="S")

    assert history == [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]

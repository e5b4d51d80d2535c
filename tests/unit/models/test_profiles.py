"""Model profiles: the table, overrides, learned facts, and requests shaped from them."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from argo_mcp_client import ModelProfile
from argo_mcp_client._models.chat import is_empty
from argo_mcp_client._models.leaked import decode_leaked_calls
from argo_mcp_client._models.profiles import ProfileBook, profile_for
from argo_mcp_client._models.quirks import Quirks
from argo_mcp_client._models.reply import ModelReply
from argo_mcp_client._models.retry import RetryPolicy, retry_delay
from argo_mcp_client._models.shaping import shape_parameters, unwind_parallel_calls
from argo_mcp_client.errors import ModelError
from argo_mcp_client.result import Usage


def test_profiles_are_found_by_argo_id_alias_and_family() -> None:
    assert profile_for("argo:gpt-4o") == profile_for("gpt4o")
    assert profile_for("argo:gemini-2.5-pro").parallel_calls_in_history is False
    assert profile_for("argo:o3-mini").reasoning is True
    assert profile_for("claude-sonnet-4-5-20250929").exclusive_temperature_top_p is True
    assert profile_for("gpt-9-unknown").strict_tools is True  # family defaults


def test_user_overrides_win_by_id_or_glob() -> None:
    local = ModelProfile(family="other", context_window=32_000)
    assert profile_for("mylocal-7b", {"mylocal*": local}) is local
    assert profile_for("gpt4o", {"argo:gpt-4o": local}) is local


def test_reasoning_models_lose_non_default_temperature_and_take_max_completion_tokens() -> None:
    body, notes = shape_parameters({"temperature": 0.2, "max_tokens": 100}, profile_for("gpt5"))
    assert body == {"max_completion_tokens": 100}
    assert len(notes) == 2


def test_claude_keeps_temperature_when_top_p_is_also_set() -> None:
    body, _ = shape_parameters({"temperature": 0.2, "top_p": 0.9}, profile_for("claudesonnet45"))
    assert body == {"temperature": 0.2}


def test_gpt4o_parameters_pass_unchanged() -> None:
    body, notes = shape_parameters({"temperature": 0.2, "top_p": 0.9, "max_tokens": 5}, profile_for("gpt4o"))
    assert body == {"temperature": 0.2, "top_p": 0.9, "max_tokens": 5}
    assert not notes


def _call(i: int) -> dict[str, Any]:
    return {"id": f"c{i}", "type": "function", "function": {"name": "t", "arguments": "{}"}}


def test_parallel_calls_unwound_into_single_call_steps() -> None:
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": "two calls", "tool_calls": [_call(1), _call(2)]},
        {"role": "tool", "tool_call_id": "c2", "content": "r2"},
        {"role": "tool", "tool_call_id": "c1", "content": "r1"},
    ]
    out = unwind_parallel_calls(history)
    assert [(m["role"], m.get("tool_call_id")) for m in out] == [
        ("user", None),
        ("assistant", None),
        ("tool", "c1"),
        ("assistant", None),
        ("tool", "c2"),
    ]
    assert out[1]["content"] == "two calls"
    assert out[3]["content"] is None
    assert len(history[1]["tool_calls"]) == 2  # the conversation keeps its shape


def test_gemini_request_is_unwound_but_gpt_request_is_not() -> None:
    history: list[dict[str, Any]] = [
        {"role": "assistant", "content": None, "tool_calls": [_call(1), _call(2)]},
        {"role": "tool", "tool_call_id": "c1", "content": "r1"},
        {"role": "tool", "tool_call_id": "c2", "content": "r2"},
    ]
    tools = [{"type": "function", "function": {"name": "t", "parameters": {"type": "object"}}}]
    quirks = Quirks()
    assert len(quirks.request("argo:gemini-2.5-pro", history, tools)["messages"]) == 4
    assert quirks.request("argo:gpt-4o", history, tools)["messages"] == history


def test_learned_quirk_amends_the_profile_and_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    book = ProfileBook()
    quirks = Quirks(profiles=book, tool_choice="auto")
    error = ModelError("tool_choice: Input should be a valid dictionary", model="claude", status_code=400)
    with caplog.at_level(logging.WARNING, logger="argo_mcp_client"):
        assert quirks.learn("argo:claude-sonnet-4", error, had_tools=True)
        assert not quirks.learn("claudesonnet4", error, had_tools=True)
    assert book.profile("claudesonnet4").tool_choice_object
    assert book.profile("claudesonnet4").learned
    assert len([r for r in caplog.records if "tool_choice" in r.getMessage()]) == 1


def test_refused_parallel_history_is_learned_not_switched_to_prompt_tools() -> None:
    book = ProfileBook({"gemini*": ModelProfile(family="google", parallel_calls_in_history=True)})
    quirks = Quirks(profiles=book)
    message = (
        "400 INVALID_ARGUMENT: Please ensure that the number of function response parts is equal "
        "to the number of function call parts of the function call turn."
    )
    assert quirks.learn("gemini25pro", ModelError(message, model="g", status_code=400), had_tools=True)
    assert not book.profile("gemini25pro").parallel_calls_in_history
    assert not quirks.prompt_tools("gemini25pro")


def test_refused_temperature_teaches_an_unknown_model_it_reasons() -> None:
    quirks = Quirks()
    message = (
        "Unsupported value: 'temperature' does not support 0.2 with this model. "
        "Only the default (1) value is supported."
    )
    assert quirks.learn("newmodel", ModelError(message, model="n", status_code=400), had_tools=False)
    assert quirks.shape("newmodel", {"temperature": 0.2}) == {}


def _reply(content: str | None, tokens: int = 0) -> ModelReply:
    return ModelReply(content, (), "stop", Usage(requests=1, completion_tokens=tokens), "m")


def test_empty_completion_is_recognised() -> None:
    assert is_empty(_reply(None))
    assert is_empty(_reply(""))
    assert not is_empty(_reply("hi", 1))


LEAKED = (
    "I'll call get_compound_name.{'id': 'toolu_vrtx_01ABC', 'input': {'compound_id': 'cpd00027'}, "
    "'name': 'get_compound_name', 'type': 'tool_use', 'cache_control': None}"
)


def test_leaked_tool_use_repr_becomes_a_call() -> None:
    reply = decode_leaked_calls(_reply(LEAKED, 5))
    assert reply.content == "I'll call get_compound_name."
    assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [
        ("toolu_vrtx_01ABC", "get_compound_name", '{"compound_id": "cpd00027"}')
    ]
    assert reply.finish_reason == "tool_calls"


def test_text_that_only_looks_like_a_dict_is_left_alone() -> None:
    text = "The config is {'type': 'tool_use', 'name': 3} and that is all."
    assert decode_leaked_calls(_reply(text, 5)).tool_calls == ()


def test_429_waits_longer_than_a_5xx_and_outlasts_a_two_second_limit() -> None:
    policy = RetryPolicy()
    limited = ModelError("429", model="m", status_code=429)
    failed = ModelError("503", model="m", status_code=503)
    assert retry_delay(policy, 1, limited, lambda: 0.0) >= 2.0
    assert retry_delay(policy, 1, limited, lambda: 0.0) > retry_delay(policy, 1, failed, lambda: 0.0)
    assert retry_delay(policy, 10, limited, lambda: 1.0) == policy.rate_limit_max_delay


def test_docs_table_lists_every_known_profile() -> None:
    from pathlib import Path

    from argo_mcp_client._models.profiles import KNOWN_PROFILES

    page = (Path(__file__).parents[3] / "docs" / "argo.md").read_text()
    assert [key for key in KNOWN_PROFILES if f"| `{key}` |" not in page] == []

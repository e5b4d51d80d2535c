"""Prompt-based tool calling: the history a model without native tools sees, and the calls read back."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from argo_mcp_client._models.prompt_tools import (
    decode_model_reply,
    decode_reply,
    encode_messages,
    tools_prompt,
)
from argo_mcp_client._models.reply import ModelReply, ToolCallRequest
from argo_mcp_client.result import Usage

WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
    },
}
PARIS = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris"}}\n</tool_call>'


def call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def history() -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {
            "role": "assistant",
            "content": "Checking both.",
            "tool_calls": [
                call("c1", "get_weather", '{"location": "Paris"}'),
                call("c2", "get_weather", '{"location": "Rome"}'),
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "c2", "content": "rain"},
        {"role": "assistant", "content": "Sunny in Paris, rain in Rome."},
    ]


def reply(content: str | None, *calls: ToolCallRequest) -> ModelReply:
    return ModelReply(
        content=content,
        tool_calls=tuple(calls),
        finish_reason="tool_calls" if calls else "stop",
        usage=Usage(requests=1),
        model="gemini25flash",
    )


def names_and_arguments(calls: list[ToolCallRequest]) -> list[tuple[str, Any]]:
    return [(c.name, json.loads(c.arguments)) for c in calls]


# tools_prompt


def test_prompt_lists_each_tool_as_one_json_line() -> None:
    line = json.dumps(
        {
            "name": "get_weather",
            "description": "Get the weather",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
        }
    )
    assert line in tools_prompt([WEATHER]).splitlines()


def test_prompt_shows_the_call_format_and_the_rules() -> None:
    prompt = tools_prompt([WEATHER])
    assert (
        '<tool_call>\n{"name": "tool_name", "arguments": {"argument_name": "value"}}\n</tool_call>' in prompt
    )
    assert "several blocks" in prompt
    assert "plain text" in prompt
    assert "never invent" in prompt


def test_prompt_accepts_a_bare_function_spec() -> None:
    assert '"name": "get_weather"' in tools_prompt([WEATHER["function"]])


# encode_messages


def test_prompt_is_appended_to_the_first_system_message() -> None:
    encoded = encode_messages(history(), [WEATHER])
    assert encoded[0]["role"] == "system"
    assert encoded[0]["content"] == "Be brief.\n\n" + tools_prompt([WEATHER])
    assert [m["role"] for m in encoded].count("system") == 1


def test_a_system_message_is_inserted_when_there_is_none() -> None:
    encoded = encode_messages([{"role": "user", "content": "hi"}], [WEATHER])
    assert encoded == [
        {"role": "system", "content": tools_prompt([WEATHER])},
        {"role": "user", "content": "hi"},
    ]


def test_a_system_message_made_of_parts_gets_a_text_part() -> None:
    system = {"role": "system", "content": [{"type": "text", "text": "Be brief."}]}
    encoded = encode_messages([system], [WEATHER])
    assert encoded[0]["content"][-1] == {"type": "text", "text": tools_prompt([WEATHER])}


def test_no_tools_means_no_prompt_but_history_is_still_rewritten() -> None:
    encoded = encode_messages(history(), [])
    assert encoded[0] == {"role": "system", "content": "Be brief."}
    assert all("tool_calls" not in m and m["role"] != "tool" for m in encoded)


def test_assistant_calls_become_text_followed_by_blocks() -> None:
    assistant = encode_messages(history(), [WEATHER])[2]
    assert assistant == {
        "role": "assistant",
        "content": "Checking both.\n\n"
        '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Rome"}}\n</tool_call>',
    }


def test_assistant_without_text_becomes_just_the_blocks() -> None:
    message = {"role": "assistant", "content": None, "tool_calls": [call("c1", "get_weather", "")]}
    encoded = encode_messages([message], [])
    assert encoded[0]["content"] == '<tool_call>\n{"name": "get_weather", "arguments": {}}\n</tool_call>'


def test_arguments_that_are_not_json_are_shown_as_the_raw_string() -> None:
    message = {"role": "assistant", "content": None, "tool_calls": [call("c1", "f", "{location: Paris")]}
    assert '"arguments": "{location: Paris"' in encode_messages([message], [])[0]["content"]


def test_consecutive_tool_results_share_one_user_message() -> None:
    encoded = encode_messages(history(), [WEATHER])
    assert encoded[3] == {
        "role": "user",
        "content": '<tool_result name="get_weather" id="c1">\nsunny\n</tool_result>\n\n'
        '<tool_result name="get_weather" id="c2">\nrain\n</tool_result>',
    }
    assert encoded[4] == {"role": "assistant", "content": "Sunny in Paris, rain in Rome."}
    assert len(encoded) == 5


def test_tool_result_parts_are_joined_as_text() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "assistant", "content": None, "tool_calls": [call("c1", "f", "{}")]},
        {
            "role": "tool",
            "tool_call_id": "c1",
            "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
        },
    ]
    assert (
        encode_messages(messages, [])[1]["content"] == '<tool_result name="f" id="c1">\na\nb\n</tool_result>'
    )


def test_encoded_history_has_no_tool_calls_and_no_tool_role() -> None:
    encoded = encode_messages(history(), [WEATHER])
    assert all("tool_calls" not in m for m in encoded)
    assert all(m["role"] in {"system", "user", "assistant"} for m in encoded)


def test_encoding_does_not_mutate_the_input() -> None:
    messages = history()
    before = copy.deepcopy(messages)
    encoded = encode_messages(messages, [WEATHER])
    encoded[1]["content"] = "changed"
    assert messages == before


def test_encoded_calls_decode_back_to_the_same_calls() -> None:
    text, calls = decode_reply(encode_messages(history(), [WEATHER])[2]["content"])
    assert text == "Checking both."
    assert names_and_arguments(calls) == [
        ("get_weather", {"location": "Paris"}),
        ("get_weather", {"location": "Rome"}),
    ]


def test_a_closing_tag_inside_an_argument_does_not_end_the_block() -> None:
    arguments = '{"q": "</tool_call> <tool_call>"}'
    message = {"role": "assistant", "content": None, "tool_calls": [call("c1", "f", arguments)]}
    _, calls = decode_reply(encode_messages([message], [])[0]["content"])
    assert names_and_arguments(calls) == [("f", {"q": "</tool_call> <tool_call>"})]


# decode_reply


def test_the_argo_bridge_reply_is_one_call_and_no_text() -> None:
    text, calls = decode_reply(PARIS)
    assert text is None
    assert names_and_arguments(calls) == [("get_weather", {"location": "Paris"})]


def test_decoded_arguments_are_a_json_string() -> None:
    _, calls = decode_reply(PARIS)
    assert calls[0].arguments == '{"location": "Paris"}'


def test_decoded_calls_get_fresh_distinct_ids() -> None:
    _, calls = decode_reply(PARIS + "\n" + PARIS)
    assert all(c.id for c in calls)
    assert calls[0].id != calls[1].id


def test_plain_text_has_no_calls() -> None:
    assert decode_reply("  Just an answer.\n") == ("Just an answer.", [])


def test_empty_and_missing_text_decode_to_none() -> None:
    assert decode_reply(None) == (None, [])
    assert decode_reply("") == (None, [])
    assert decode_reply("  \n") == (None, [])


def test_text_before_and_after_calls_is_kept() -> None:
    text, calls = decode_reply(f"Let me check.\n{PARIS}\nOne moment.")
    assert text == "Let me check.\n\nOne moment."
    assert len(calls) == 1


def test_parallel_calls_are_found_in_order() -> None:
    rome = PARIS.replace("Paris", "Rome")
    _, calls = decode_reply(f"{PARIS}\n\n{rome}")
    assert names_and_arguments(calls) == [
        ("get_weather", {"location": "Paris"}),
        ("get_weather", {"location": "Rome"}),
    ]


def test_a_code_fence_around_the_json_is_tolerated() -> None:
    text, calls = decode_reply(
        '<tool_call>\n```json\n{"name": "f", "arguments": {"a": 1}}\n```\n</tool_call>'
    )
    assert text is None
    assert names_and_arguments(calls) == [("f", {"a": 1})]


def test_a_code_fence_around_the_whole_block_leaves_no_empty_fence() -> None:
    text, calls = decode_reply(f"Calling:\n```xml\n{PARIS}\n```")
    assert text == "Calling:"
    assert len(calls) == 1


def test_one_fence_around_several_blocks_is_removed() -> None:
    text, calls = decode_reply(f"Calling:\n```\n{PARIS}\n\n{PARIS}\n```\nDone.")
    assert text == "Calling:\n\nDone."
    assert len(calls) == 2


def test_a_real_code_block_before_a_call_is_kept() -> None:
    code = "```python\nprint(1)\n```"
    text, _ = decode_reply(f"{code}\n{PARIS}\n```sh\nls\n```")
    assert text == f"{code}\n\n```sh\nls\n```"


def test_a_missing_closing_tag_at_the_end_is_tolerated() -> None:
    text, calls = decode_reply('Sure.\n<tool_call>\n{"name": "f", "arguments": {"a": 1}}\n')
    assert text == "Sure."
    assert names_and_arguments(calls) == [("f", {"a": 1})]


def test_extra_whitespace_and_loose_tags_are_tolerated() -> None:
    _, calls = decode_reply('<TOOL_CALL >  \n\n  {"name":"f" ,  "arguments" : {"a":1}}  \n\n</ tool_call>')
    assert names_and_arguments(calls) == [("f", {"a": 1})]


def test_arguments_given_as_a_json_string_are_tolerated() -> None:
    _, calls = decode_reply('<tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</tool_call>')
    assert calls[0].arguments == '{"a": 1}'


def test_parameters_instead_of_arguments_is_tolerated() -> None:
    _, calls = decode_reply('<tool_call>{"name": "f", "parameters": {"a": 1}}</tool_call>')
    assert names_and_arguments(calls) == [("f", {"a": 1})]


def test_missing_arguments_become_an_empty_object() -> None:
    _, calls = decode_reply('<tool_call>{"name": "f"}</tool_call>')
    assert calls[0].arguments == "{}"


def test_raw_newlines_inside_json_strings_are_tolerated() -> None:
    _, calls = decode_reply('<tool_call>{"name": "f", "arguments": {"text": "two\nlines"}}</tool_call>')
    assert names_and_arguments(calls) == [("f", {"text": "two\nlines"})]


def test_arguments_string_that_is_not_json_is_passed_on_as_written() -> None:
    _, calls = decode_reply('<tool_call>{"name": "f", "arguments": "location=Paris"}</tool_call>')
    assert calls[0].arguments == "location=Paris"


def test_a_block_that_is_not_json_stays_in_the_text() -> None:
    raw = "<tool_call>\nget_weather(location='Paris')\n</tool_call>"
    assert decode_reply(raw) == (raw, [])


def test_a_block_without_a_name_stays_in_the_text() -> None:
    raw = '<tool_call>{"arguments": {"a": 1}}</tool_call>'
    assert decode_reply(raw) == (raw, [])


def test_a_block_with_trailing_garbage_stays_in_the_text() -> None:
    raw = '<tool_call>{"name": "f", "arguments": {}}}</tool_call>'
    assert decode_reply(raw) == (raw, [])


def test_a_malformed_block_stays_while_its_neighbour_is_decoded() -> None:
    bad = "<tool_call>\nnot json\n</tool_call>"
    text, calls = decode_reply(f"{bad}\n{PARIS}")
    assert text == bad
    assert [c.name for c in calls] == ["get_weather"]


def test_an_unclosed_block_followed_by_another_block_stays_in_the_text() -> None:
    text, calls = decode_reply('<tool_call>{"name": "f"}\n' + PARIS)
    assert text == '<tool_call>{"name": "f"}'
    assert [c.name for c in calls] == ["get_weather"]


# decode_model_reply


def test_a_reply_with_blocks_becomes_a_tool_call_reply() -> None:
    decoded = decode_model_reply(reply(PARIS))
    assert decoded.content is None
    assert decoded.finish_reason == "tool_calls"
    assert [c.name for c in decoded.tool_calls] == ["get_weather"]
    assert decoded.model == "gemini25flash"


def test_a_plain_reply_is_returned_unchanged() -> None:
    plain = reply("Hello.")
    assert decode_model_reply(plain) is plain


def test_native_calls_are_kept_and_the_blocks_leave_the_text() -> None:
    # argo-bridge's Gemini path: parsed calls plus the raw blocks as content.
    native = ToolCallRequest(
        id="VRprodujXjcwQAeQvPgJeA", name="get_weather", arguments='{"location": "Paris"}'
    )
    decoded = decode_model_reply(reply(PARIS, native))
    assert decoded.tool_calls == (native,)
    assert decoded.content is None


# round trip property

NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,30}", fullmatch=True)
TEXT = st.text(max_size=8) | st.sampled_from(["<tool_call>", "</tool_call>", "```", "<", "\n"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
ARGUMENTS = st.dictionaries(TEXT, JSON_VALUES, max_size=4)


@settings(max_examples=200, deadline=None)
@given(
    calls=st.lists(st.tuples(NAMES, ARGUMENTS), min_size=1, max_size=4),
    content=st.sampled_from([None, "", "Let me look.", "  Two\nlines  "]),
)
def test_encoded_assistant_calls_decode_to_the_same_names_and_arguments(
    calls: list[tuple[str, dict[str, Any]]], content: str | None
) -> None:
    message = {
        "role": "assistant",
        "content": content,
        "tool_calls": [call(f"c{i}", name, json.dumps(args)) for i, (name, args) in enumerate(calls)],
    }
    text, decoded = decode_reply(encode_messages([message], [])[0]["content"])
    assert names_and_arguments(decoded) == calls
    assert text == ((content or "").strip() or None)

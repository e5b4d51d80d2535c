"""Stream assembly, pure: chunks in, one assistant message out."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argo_mcp_client._models.assembly import IncompleteStream, StreamAssembler, StreamError


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def fragment(
    index: int | None = None, id: str | None = None, name: str | None = None, arguments: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"function": {}}
    if index is not None:
        out["index"] = index
    if id is not None:
        out["id"] = id
    if name is not None:
        out["function"]["name"] = name
    if arguments is not None:
        out["function"]["arguments"] = arguments
    return out


def assemble(*chunks: dict[str, Any]) -> Any:
    assembler = StreamAssembler()
    for c in chunks:
        assembler.feed(c)
    return assembler.reply()


def test_an_error_chunk_stops_the_stream() -> None:
    with pytest.raises(StreamError, match="carried an error"):
        StreamAssembler().feed({"error": {"message": "upstream ended"}})


def test_a_stream_without_finish_reason_or_usage_is_incomplete() -> None:
    with pytest.raises(IncompleteStream):
        assemble(chunk({"content": "half an ans"}))


def test_a_usage_chunk_completes_a_stream_that_never_says_finished() -> None:
    reply = assemble(
        chunk({"content": "done"}),
        {"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}},
    )

    assert (reply.content, reply.finish_reason) == ("done", "stop")


def test_a_call_that_never_got_its_name_is_refused() -> None:
    with pytest.raises(StreamError, match="never received its name"):
        assemble(chunk({"tool_calls": [fragment(0, "c1", None, "{}")]}, "tool_calls"))


def test_a_call_given_two_names_is_refused() -> None:
    with pytest.raises(StreamError, match="named both"):
        assemble(
            chunk({"tool_calls": [fragment(0, "c1", "a", "")]}),
            chunk({"tool_calls": [fragment(0, None, "b", "{}")]}, "tool_calls"),
        )


def test_a_repeated_name_in_later_fragments_is_accepted() -> None:
    reply = assemble(
        chunk({"tool_calls": [fragment(0, "c1", "a", "{")]}),
        chunk({"tool_calls": [fragment(0, "c1", "a", "}")]}, "tool_calls"),
    )

    assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [("c1", "a", "{}")]


def test_a_call_without_an_id_gets_one() -> None:
    reply = assemble(chunk({"tool_calls": [fragment(0, None, "a", "{}")]}, "tool_calls"))

    assert reply.tool_calls[0].id.startswith("call_")


def test_fragments_without_an_index_continue_the_last_call() -> None:
    reply = assemble(
        chunk({"tool_calls": [fragment(None, "c1", "a", '{"x"')]}),
        chunk({"tool_calls": [fragment(None, None, None, ": 1}")]}, "tool_calls"),
    )

    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("a", '{"x": 1}')]


@pytest.mark.parametrize(
    "bad",
    [
        ["not", "an", "object"],
        "text",
        {"choices": "none"},
        {"choices": [{"delta": "text"}]},
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": "ping"}]}}]},
        {"usage": {"prompt_tokens": "many"}},
        {"usage": {"prompt_tokens": float("inf")}},
        None,
    ],
    ids=[
        "list",
        "string",
        "choices-string",
        "delta-string",
        "function-string",
        "usage-not-a-number",
        "usage-infinite",
        "null",
    ],
)
def test_a_chunk_of_the_wrong_shape_is_a_stream_error(bad: object) -> None:
    with pytest.raises(StreamError, match="stream chunk"):
        StreamAssembler().feed(bad)


def test_choices_other_than_the_first_are_ignored() -> None:
    other = {"choices": [{"index": 1, "delta": {"content": "ignored"}, "finish_reason": "stop"}]}

    assert assemble(other, chunk({"content": "kept"}, "stop")).content == "kept"


# Property: however a reply is cut into chunks, and in whichever gateway's
# shape, it assembles into the reply that was cut.

names = st.sampled_from(["build_model", "gapfill_model", "run_fba", "list_media"])
json_args = st.dictionaries(
    st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=12), st.booleans()), max_size=3
)
calls = st.lists(st.tuples(names, json_args.map(json.dumps)), max_size=3)
texts = st.one_of(st.just(""), st.text(max_size=60))


def cuts(draw: st.DrawFn, text: str) -> list[str]:
    points = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=5))) if len(text) > 1 else []
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@st.composite
def streamed(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, str]], list[dict[str, Any]]]:
    text = draw(texts)
    made = [(f"call_{i}", name, arguments) for i, (name, arguments) in enumerate(draw(calls))]
    shape = draw(st.sampled_from(["fragments", "whole", "reused_index"]))
    finish = "tool_calls" if made else "stop"
    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": piece}) for piece in cuts(draw, text)]
    for index, (call_id, name, arguments) in enumerate(made):
        if shape == "whole":
            whole = fragment(index, call_id, name, arguments) | {"type": None}
            chunks.append(chunk({"tool_calls": [whole]}, "tool_calls"))
            continue
        at = 0 if shape == "reused_index" else index
        chunks.append(chunk({"tool_calls": [fragment(at, call_id, name, "")]}))
        chunks += [
            chunk({"tool_calls": [fragment(at, None, None, piece)]}) for piece in cuts(draw, arguments)
        ]
    chunks.append(chunk({}, finish))
    if draw(st.booleans()):
        chunks.append(
            {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}
        )
    return text, made, chunks


@settings(max_examples=300, deadline=None)
@given(streamed())
def test_any_split_assembles_into_the_unsplit_reply(
    case: tuple[str, list[tuple[str, str, str]], list[dict[str, Any]]],
) -> None:
    text, made, chunks = case
    assembler = StreamAssembler()

    passed_on = "".join(assembler.feed(c) for c in chunks)
    reply = assembler.reply()

    assert passed_on == text
    assert reply.content == (text or None)
    assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == made
    assert reply.finish_reason == ("tool_calls" if made else "stop")

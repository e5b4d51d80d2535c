"""Compaction: a history shortened for one request, never separating a tool call from its results."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from argo_mcp_client._history import check_history
from argo_mcp_client._run.budget import ContextBudget
from argo_mcp_client._run.compaction import compact

BUDGET = ContextBudget(context_window=100_000, reserve=0)
count = BUDGET.message_tokens


def exchange(number: int, size: int, calls: int = 1) -> list[dict[str, Any]]:
    ids = [f"c{number}_{i}" for i in range(calls)]
    assistant = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": i, "type": "function", "function": {"name": "run_fba", "arguments": "{}"}} for i in ids
        ],
    }
    return [
        assistant,
        *({"role": "tool", "tool_call_id": i, "content": f"result {i}\n" + "x" * size} for i in ids),
    ]


def history(exchanges: int, size: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You model metabolism."},
        {"role": "user", "content": "Build and simulate."},
    ]
    for number in range(exchanges):
        messages += exchange(number, size)
    return messages


def test_a_history_that_fits_is_sent_as_it_is() -> None:
    messages = history(3, 100)

    result = compact(messages, limit=10_000, count=count)

    assert result.messages == messages
    assert not result.changed


def test_the_oldest_tool_results_are_replaced_first_by_their_handle_and_a_summary() -> None:
    messages = history(6, 3_000)
    total = sum(count(m) for m in messages)

    result = compact(messages, limit=total - 1_500, count=count, handles={"c0_0": "a1", "c1_0": "a2"})

    assert result.shortened == ("c0_0", "c1_0")
    assert result.left_out == 0
    stub = result.messages[3]["content"]
    assert "read_artifact(id='a1')" in stub
    assert "run_fba" in stub
    assert "It began: result c0_0" in stub
    assert result.messages[5]["content"].startswith("[Earlier result of run_fba")
    assert result.messages[7] == messages[7]
    assert result.tokens_after <= total - 1_500


def test_the_conversation_itself_is_not_changed() -> None:
    messages = history(6, 3_000)
    before = [dict(m) for m in messages]

    compact(messages, limit=500, count=count)

    assert messages == before


def test_system_prompt_task_and_latest_exchange_are_never_touched() -> None:
    messages = history(8, 5_000)

    result = compact(messages, limit=200, count=count)

    assert result.messages[0] == messages[0]
    assert messages[1] in result.messages
    assert result.messages[-2:] == messages[-2:]
    assert not result.fits


def test_older_exchanges_are_left_out_whole_with_a_note_when_summaries_are_not_enough() -> None:
    messages = history(30, 50)
    total = sum(count(m) for m in messages)

    result = compact(messages, limit=total // 3, count=count)

    assert result.left_out > 0
    assert result.left_out % 2 == 0  # an assistant call and its one result go together
    notes = [m for m in result.messages if "left out here" in str(m.get("content"))]
    assert len(notes) == 1
    assert result.fits
    check_history(result.messages)


def test_a_result_without_an_artifact_says_it_is_gone_from_the_request() -> None:
    messages = history(4, 4_000)

    result = compact(messages, limit=sum(count(m) for m in messages) - 1_000, count=count)

    assert "no longer in this request" in result.messages[3]["content"]


@settings(max_examples=100, deadline=None)
@given(
    sizes=st.lists(st.tuples(st.integers(0, 4_000), st.integers(1, 3)), min_size=1, max_size=25),
    limit=st.integers(50, 20_000),
)
def test_every_tool_call_stays_paired_with_its_results(sizes: list[tuple[int, int]], limit: int) -> None:
    messages: list[dict[str, Any]] = [{"role": "system", "content": "s"}, {"role": "user", "content": "go"}]
    for number, (size, calls) in enumerate(sizes):
        messages += exchange(number, size, calls)
        if number % 5 == 4:
            messages += [
                {"role": "assistant", "content": "so far so good"},
                {"role": "user", "content": "go on"},
            ]

    result = compact(messages, limit=limit, count=count, handles={"c0_0": "a0"})

    check_history(result.messages)
    assert result.messages[0] == messages[0]
    if result.fits:
        assert sum(count(m) for m in result.messages) <= limit

"""The CLI's renderer: progress lines, failure marks and the verbose request lines, on a recorded console."""

from __future__ import annotations

import io

from rich.console import Console

from argo_mcp_client import (
    CircuitOpenError,
    ModelRequestStarted,
    ModelRetrying,
    ToolCallFinished,
    ToolCallRecord,
    ToolCallStarted,
    ToolProgress,
    TurnFinished,
    Usage,
)
from argo_mcp_client.cli._render import Renderer, progress_bar


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _renderer(*, verbose: bool = False) -> tuple[Renderer, io.StringIO, Clock]:
    out = io.StringIO()
    clock = Clock()
    console = Console(file=out, width=200, color_system=None, force_terminal=False)
    return Renderer(console, verbose=verbose, clock=clock), out, clock


def _started() -> ToolCallStarted:
    return ToolCallStarted(turn=1, call_id="c1", name="gapfill_model", server="gemflux", tool="gapfill_model",
                           arguments={})  # fmt: skip


def _finished(output: str, structured: object = None, *, is_error: bool = False) -> ToolCallFinished:
    record = ToolCallRecord(
        call_id="c1", name="run_fba", server="gemflux", tool="run_fba", raw_arguments="{}", arguments={},
        output=output, structured_content=structured, is_error=is_error, duration=0.5,
    )  # fmt: skip
    return ToolCallFinished(turn=1, call=record)


def test_progress_bar_shows_the_share_done_and_the_count() -> None:
    assert progress_bar(1, 4, width=8) == "[██░░░░░░] 1/4"
    assert progress_bar(7, None) == "7"


def test_progress_is_a_line_with_bar_message_and_elapsed_time() -> None:
    renderer, out, clock = _renderer()
    renderer.show(_started())
    clock.now += 2.5

    renderer.show(ToolProgress(turn=1, call_id="c1", progress=1, total=4, message="testing media"))

    assert (
        out.getvalue().splitlines()[-1]
        == "  ⋯ gapfill_model [█████░░░░░░░░░░░░░░░] 1/4 testing media · 2.5 s"
    )


def test_progress_of_a_task_names_the_task_and_its_state() -> None:
    renderer, out, clock = _renderer()
    renderer.show(_started())
    clock.now += 1.0

    renderer.show(
        ToolProgress(turn=1, call_id="c1", progress=2, total=None, message="gapfilling", task_id="t-7",
                     status="working")
    )  # fmt: skip

    assert out.getvalue().splitlines()[-1] == "  ⋯ gapfill_model (task t-7: working) 2 gapfilling · 1.0 s"


def test_progress_with_the_same_message_is_shown_at_most_once_a_second() -> None:
    renderer, out, clock = _renderer()
    renderer.show(_started())
    for step in (1, 2, 3):
        clock.now += 0.3
        renderer.show(ToolProgress(turn=1, call_id="c1", progress=step, total=10, message="working"))
    clock.now += 1.0
    renderer.show(ToolProgress(turn=1, call_id="c1", progress=4, total=10, message="working"))

    assert [line.split("] ")[1] for line in out.getvalue().splitlines() if "⋯" in line] == [
        "1/10 working · 0.3 s",
        "4/10 working · 1.9 s",
    ]


def test_a_result_reporting_failure_is_marked_failed_and_an_error_result_error() -> None:
    renderer, out, _ = _renderer()

    renderer.show(_finished('{"success":false}', {"success": False}))
    renderer.show(_finished("Error calling tool", is_error=True))
    renderer.show(_finished('{"success":true}', {"success": True}))

    assert [line.split(" ")[1] for line in out.getvalue().splitlines()] == ["failed", "error", "ok"]


def test_a_retry_line_keeps_the_whole_reason() -> None:
    renderer, out, _ = _renderer()
    reason = "x" * 150 + " set ARGO_API_KEY"

    renderer.show(ModelRetrying(turn=1, model="gpt4o", attempt=2, delay=1.0, reason=reason))

    assert out.getvalue().strip().endswith("set ARGO_API_KEY")


def test_verbose_shows_each_request_and_its_time() -> None:
    renderer, out, clock = _renderer(verbose=True)

    renderer.show(ModelRequestStarted(turn=1, model="gpt4o", attempt=2))
    clock.now += 1.25
    renderer.show(TurnFinished(turn=1, model="gpt4o", usage=Usage(prompt_tokens=90, completion_tokens=10,
                                                                  total_tokens=100)))  # fmt: skip

    assert out.getvalue().splitlines() == [
        "· turn 1: asking gpt4o, attempt 2",
        "· gpt4o: 100 tokens (90 in, 10 out) in 1.25 s",
    ]


def test_a_skipped_model_with_a_fallback_names_the_fallback_not_the_missing_option() -> None:
    with_fallback = CircuitOpenError("claude", retry_in=60, next_model="gpt4o")
    alone = CircuitOpenError("claude", retry_in=60)

    assert str(with_fallback).endswith("rested for 60 s more; 'gpt4o' answers meanwhile")
    assert str(alone).endswith("give fallback_models to carry on meanwhile")

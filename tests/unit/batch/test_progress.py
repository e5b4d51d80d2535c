"""The batch's tally behind its progress bar and summary."""

from __future__ import annotations

import io

from rich.console import Console

from argo_mcp_client import BatchResult, ModelRequestStarted, RateLimited
from argo_mcp_client.batch._progress import BatchProgress, BatchTally


def test_conversations_waiting_for_a_rate_limit_are_counted_until_their_request_starts() -> None:
    tally = BatchTally(total=3)
    tally.hear("a", RateLimited(turn=1, model="gpt4o", delay=2.0, reason="rate limit"))
    tally.hear("b", RateLimited(turn=1, model="gpt4o", delay=4.0, reason="rate limit"))
    assert tally.waiting == {"a", "b"}
    tally.hear("a", ModelRequestStarted(turn=1, model="gpt4o"))
    assert tally.waiting == {"b"}
    assert tally.waits == 2


def test_the_summary_counts_done_failed_and_tokens() -> None:
    tally = BatchTally(total=4, skipped=1)
    tally.add(BatchResult(id="a", ok=True, tokens=100, cost=0.5))
    tally.add(BatchResult(id="b", ok=False, error="boom"))
    summary = tally.summary()
    assert {k: summary[k] for k in ("total", "skipped", "done", "ok", "failed", "tokens", "cost")} == {
        "total": 4, "skipped": 1, "done": 2, "ok": 1, "failed": 1, "tokens": 100, "cost": 0.5
    }  # fmt: skip


def test_the_progress_bar_shows_failures_tokens_and_waiting() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=150)
    with BatchProgress(console, BatchTally(total=2)) as progress:
        progress.hear("a", RateLimited(turn=1, model="gpt4o", delay=2.0, reason="rate limit"))
        progress.add(BatchResult(id="b", ok=False, tokens=1234, error="boom"))
    shown = screen.getvalue()
    assert "1/2" in shown
    assert "1 failed" in shown
    assert "1,234 tokens" in shown
    assert "1 waiting for the rate limit" in shown

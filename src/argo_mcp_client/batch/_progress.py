"""A batch's progress in the terminal (done, failed, rate, ETA, tokens, waiting) and its summary."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TimeRemainingColumn
from rich.text import Text

from argo_mcp_client.events import ModelRequestStarted, RateLimited

if TYPE_CHECKING:
    from types import TracebackType

    from rich.console import Console
    from rich.progress import Task

    from argo_mcp_client.batch._items import BatchResult
    from argo_mcp_client.events import Event

__all__ = ["BatchProgress", "BatchTally"]


@dataclass
class BatchTally:
    """What a batch has done so far."""

    total: int
    skipped: int = 0
    """Ids already in the output when the batch started (resumed)."""
    done: int = 0
    failed: int = 0
    tokens: int = 0
    cost: float = 0.0
    cost_known: bool = True
    waiting: set[str] = field(default_factory=set)
    """Conversations waiting for a rate limit right now."""
    waits: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, result: BatchResult) -> None:
        """Count a finished conversation."""
        self.done += 1
        self.failed += 0 if result.ok else 1
        self.tokens += result.tokens
        if result.cost is None:
            self.cost_known = self.cost_known and result.tokens == 0
        else:
            self.cost += result.cost
        self.waiting.discard(result.id)

    def hear(self, item_id: str, event: Event) -> None:
        """Follow a conversation's rate-limit waits."""
        if isinstance(event, RateLimited):
            self.waiting.add(item_id)
            self.waits += 1
        elif isinstance(event, ModelRequestStarted):
            self.waiting.discard(item_id)

    def summary(self) -> dict[str, Any]:
        """The batch's figures, for people and for ``--json``."""
        elapsed = time.monotonic() - self.started
        return {
            "total": self.total,
            "skipped": self.skipped,
            "done": self.done,
            "ok": self.done - self.failed,
            "failed": self.failed,
            "tokens": self.tokens,
            "cost": round(self.cost, 6) if self.cost_known else None,
            "rate_limit_waits": self.waits,
            "seconds": round(elapsed, 3),
            "per_second": round(self.done / elapsed, 3) if elapsed > 0 else None,
        }


class _Figures(ProgressColumn):
    """Failed, rate, tokens and waiting, from the tally."""

    def __init__(self, tally: BatchTally) -> None:
        super().__init__()
        self._tally = tally

    def render(self, task: Task) -> Text:
        tally = self._tally
        elapsed = time.monotonic() - tally.started
        rate = tally.done / elapsed if elapsed > 0 else 0.0
        text = Text()
        text.append(f"{tally.failed} failed", style="red" if tally.failed else "dim")
        text.append(f"  {rate:.1f}/s  {tally.tokens:,} tokens")
        if tally.waiting:
            text.append(f"  {len(tally.waiting)} waiting for the rate limit", style="yellow")
        return text


class BatchProgress:
    """A live progress bar on ``console`` while the batch runs; use with ``with``."""

    def __init__(self, console: Console, tally: BatchTally, *, enabled: bool = True) -> None:
        self.tally = tally
        self._progress = Progress(
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            _Figures(tally),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self._task = self._progress.add_task("batch", total=tally.total, completed=tally.skipped)

    def __enter__(self) -> BatchProgress:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.refresh()
        self._progress.stop()

    def add(self, result: BatchResult) -> None:
        """A conversation finished."""
        self.tally.add(result)
        self._progress.advance(self._task)

    def hear(self, item_id: str, event: Event) -> None:
        """An event of a conversation (rate-limit waits show in the bar)."""
        self.tally.hear(item_id, event)

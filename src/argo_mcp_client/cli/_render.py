"""Showing a run in the terminal, and asking the user things while it goes."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from rich.markup import escape
from rich.prompt import Confirm, FloatPrompt, IntPrompt, Prompt
from rich.text import Text

from argo_mcp_client.events import (
    Event,
    HistoryCompacted,
    ModelRequestStarted,
    ModelRetrying,
    ModelSwitched,
    ServerLog,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolProgress,
    TurnFinished,
    TurnRestarted,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console
    from rich.status import Status

    from argo_mcp_client._mcp.host import ElicitationRequest

T = TypeVar("T")

_LINE = 100
_BAR = 20
"""Characters of a progress bar."""
_PROGRESS_EVERY = 1.0
"""Seconds between progress lines of one call, unless its message changes or it is done."""


def one_line(text: str, width: int = _LINE) -> str:
    """``text`` collapsed to one line of at most ``width`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def call_line(event: ToolCallStarted) -> str:
    """How a tool call is shown: where it goes, and its arguments."""
    where = f"{event.server}.{event.tool}" if event.server else event.name
    arguments = (
        json.dumps(event.arguments, ensure_ascii=False) if event.arguments is not None else "(invalid)"
    )
    return f"→ {where} {one_line(arguments)}"


def progress_bar(progress: float, total: float | None, width: int = _BAR) -> str:
    """``[██████░░░░] 3/5`` for a known total, ``3`` when the server gave none."""
    if not total or total <= 0:
        return f"{progress:g}"
    filled = max(0, min(width, round(width * progress / total)))
    return f"[{'█' * filled}{'░' * (width - filled)}] {progress:g}/{total:g}"


@dataclass
class _Running:
    """A tool call under way: what it is, since when, and the last progress it reported."""

    name: str
    started: float
    progress: str = ""
    shown_at: float = 0.0
    message: str | None = None


class _RunningCalls:
    """What the terminal's status line says while tool calls run: each name, its progress, the time."""

    def __init__(self, calls: dict[str, _Running], clock: Callable[[], float]) -> None:
        self._calls = calls
        self._clock = clock

    def __rich__(self) -> Text:
        now = self._clock()
        parts = [
            f"{call.name} {call.progress + ' ' if call.progress else ''}· {now - call.started:.1f} s"
            for call in self._calls.values()
        ]
        return Text(f"running {'; '.join(parts)} (Ctrl-C cancels)", style="cyan")


class Renderer:
    """Prints a run's events as they come: text as it streams, tools, progress, model changes, usage.

    In a terminal, a status line shows the tool calls under way with their
    elapsed time while they run; progress a server reports is printed as lines.
    With ``verbose``, each model request is shown with its size, and each turn
    with its tokens and time.
    """

    def __init__(
        self,
        console: Console,
        *,
        stream_text: bool = True,
        verbose: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self.stream_text = stream_text
        self.verbose = verbose
        self._clock = clock
        self._mid_line = False
        self._running: dict[str, _Running] = {}
        self._status: Status | None = None
        self._request_started: dict[int, float] = {}

    def _line(self, markup: str) -> None:
        if self._mid_line:
            self.console.print()
            self._mid_line = False
        self.console.print(markup, highlight=False, soft_wrap=True)

    def end(self) -> None:
        """Finish the current line of streamed text, if any, and take the status line away."""
        self._stop_status()
        self._running.clear()
        if self._mid_line:
            self.console.print()
            self._mid_line = False

    def _start_status(self) -> None:
        if self._status is None and self.console.is_terminal and not self.console.is_dumb_terminal:
            self._status = self.console.status(_RunningCalls(self._running, self._clock), spinner="dots")
            self._status.start()

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _progress(self, event: ToolProgress) -> None:
        call = self._running.get(event.call_id)
        now = self._clock()
        if call is None:
            call = self._running[event.call_id] = _Running(event.call_id, now)
        call.progress = progress_bar(event.progress, event.total)
        done = event.total is not None and event.progress >= event.total
        if event.message == call.message and not done and now - call.shown_at < _PROGRESS_EVERY:
            return
        call.shown_at, call.message = now, event.message
        message = f" {one_line(event.message, 60)}" if event.message else ""
        # A call the server runs as an MCP task says so, with the task's state.
        task = f" (task {event.task_id}: {event.status or 'working'})" if event.task_id else ""
        self._line(
            f"[cyan]  ⋯ {escape(call.name)}{escape(task)} {escape(call.progress)}{escape(message)}[/] "
            f"[dim]· {now - call.started:.1f} s[/]"
        )

    def show(self, event: Event) -> None:
        """Print one event."""
        match event:
            case TextDelta(text=text) if self.stream_text:
                self._stop_status()
                self.console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
                self._mid_line = not text.endswith("\n")
            case TurnRestarted(reason=reason):
                self._line(f"[yellow]↻ reply restarted ({escape(one_line(reason))}); it follows again[/]")
            case ModelRetrying(model=model, attempt=attempt, delay=delay, reason=reason):
                # Whole, not cut: the end of the reason is often what to do about it.
                self._line(
                    f"[yellow]↻ retrying {escape(model)} (attempt {attempt}) in {delay:.1f} s: "
                    f"{escape(' '.join(reason.split()))}[/]"
                )
            case ModelSwitched(from_model=old, to_model=new, reason=reason):
                self._line(
                    f"[yellow]⇄ switched {escape(old)} → {escape(new)}: {escape(' '.join(reason.split()))}[/]"
                )
            case ModelRequestStarted(turn=turn, model=model, attempt=attempt):
                self._request_started[turn] = self._clock()
                if self.verbose:
                    again = f", attempt {attempt}" if attempt > 1 else ""
                    self._line(f"[dim]· turn {turn}: asking {escape(model)}{again}[/]")
            case ToolCallStarted():
                self._line(f"[cyan]{escape(call_line(event))}[/]")
                self._running[event.call_id] = _Running(event.tool or event.name, self._clock())
                self._start_status()
            case ToolProgress():
                self._progress(event)
            case ToolCallFinished(call=record):
                self._running.pop(record.call_id, None)
                if not self._running:
                    self._stop_status()
                status = (
                    "[red]error[/]"
                    if record.is_error
                    else "[red]failed[/]"
                    if record.reported_failure
                    else "[green]ok[/]"
                )
                self._line(
                    f"[dim]←[/] {status} [dim]{record.duration:.2f} s[/] "
                    f"{escape(one_line(record.output, _LINE - 20))}"
                )
            case ServerLog(server=server, level=level, data=data):
                self._line(f"[dim]\\[{escape(server)} {escape(level)}] {escape(one_line(str(data)))}[/]")
            case TurnFinished(turn=turn, model=model, usage=usage, served_by=served_by):
                by = f" (served by {served_by})" if served_by and served_by != model else ""
                took = ""
                if self.verbose and turn in self._request_started:
                    took = f" in {self._clock() - self._request_started.pop(turn):.2f} s"
                self._line(
                    f"[dim]· {escape(model)}{escape(by)}: {usage.total_tokens} tokens "
                    f"({usage.prompt_tokens} in, {usage.completion_tokens} out){took}[/]"
                )
            case HistoryCompacted(
                tokens_before=before, tokens_after=after, shortened=shortened, left_out=out
            ):
                self._line(
                    f"[dim]· history shortened for this request: about {before:,} → {after:,} tokens "
                    f"({len(shortened)} results summarised, {out} messages left out)[/]"
                )
            case _:
                pass


async def in_daemon_thread(function: Callable[[], T]) -> T:
    """Run a blocking terminal read in a daemon thread, so Ctrl-C never waits for it."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def work() -> None:
        try:
            value = function()
        except BaseException as exc:  # handed to the awaiting task
            failure = exc
            loop.call_soon_threadsafe(settle, lambda: future.set_exception(failure))
        else:
            loop.call_soon_threadsafe(settle, lambda: future.set_result(value))

    threading.Thread(target=work, name="argo-mcp terminal input", daemon=True).start()
    return await future


class TerminalAsker:
    """Asks the user in the terminal: elicitation forms and tool-call approvals."""

    def __init__(self, console: Console, renderer: Renderer) -> None:
        self.console = console
        self.renderer = renderer
        self._lock = asyncio.Lock()
        self.read_only: Callable[[str], bool] = lambda name: False
        """Whether the tool the model calls by this name is marked read-only (approval defaults to yes)."""

    async def elicit(self, request: ElicitationRequest) -> dict[str, Any] | None:
        """Ask the fields the server's schema names; ``None`` when the user declines."""
        async with self._lock:
            self.renderer.end()
            return await in_daemon_thread(lambda: self._form(request))

    def _form(self, request: ElicitationRequest) -> dict[str, Any] | None:
        self.console.print(f"[magenta]? {escape(request.server)} asks:[/] {escape(request.message)}")
        if request.url:
            self.console.print(f"  open {escape(request.url)}")
            return {} if Confirm.ask("  done?", console=self.console) else None
        if not Confirm.ask("  answer?", default=True, console=self.console):
            return None
        properties: dict[str, Any] = request.schema.get("properties") or {}
        required = set(request.schema.get("required") or [])
        answer: dict[str, Any] = {}
        for name, field in properties.items():
            value = self._ask_field(name, field if isinstance(field, dict) else {}, name in required)
            if value is not None:
                answer[name] = value
        return answer

    def _ask_field(self, name: str, field: dict[str, Any], required: bool) -> Any:
        label = f"  {escape(field.get('title') or name)}"
        if field.get("description"):
            label += f" [dim]({escape(one_line(str(field['description']), 60))})[/]"
        default = field.get("default")
        kind = field.get("type")
        choices = field.get("enum")
        if kind == "boolean":
            return Confirm.ask(label, default=bool(default), console=self.console)
        if kind == "integer":
            return IntPrompt.ask(label, default=default, console=self.console)
        if kind == "number":
            return FloatPrompt.ask(label, default=default, console=self.console)
        if choices:
            return Prompt.ask(label, choices=[str(c) for c in choices], default=default, console=self.console)
        text = Prompt.ask(label, default=default, console=self.console)
        return text if text or required else None

    async def approve(self, event: ToolCallStarted) -> bool:
        """Whether the user lets this tool call run; yes by default only for tools marked read-only."""
        async with self._lock:
            self.renderer.end()
            question = f"[magenta]? run[/] {escape(call_line(event))}"
            default = self.read_only(event.name)
            return await in_daemon_thread(
                lambda: Confirm.ask(question, default=default, console=self.console)
            )

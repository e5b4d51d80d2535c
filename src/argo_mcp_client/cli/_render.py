"""Showing a run in the terminal, and asking the user things while it goes."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from rich.markup import escape
from rich.prompt import Confirm, FloatPrompt, IntPrompt, Prompt

from argo_mcp_client.events import (
    Event,
    HistoryCompacted,
    ModelRetrying,
    ModelSwitched,
    ServerLog,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
    TurnRestarted,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from argo_mcp_client._mcp.host import ElicitationRequest

T = TypeVar("T")

_LINE = 100


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


class Renderer:
    """Prints a run's events as they come: text as it streams, tools, model changes, usage."""

    def __init__(self, console: Console, *, stream_text: bool = True) -> None:
        self.console = console
        self.stream_text = stream_text
        self._mid_line = False

    def _line(self, markup: str) -> None:
        if self._mid_line:
            self.console.print()
            self._mid_line = False
        self.console.print(markup, highlight=False, soft_wrap=True)

    def end(self) -> None:
        """Finish the current line of streamed text, if any."""
        if self._mid_line:
            self.console.print()
            self._mid_line = False

    def show(self, event: Event) -> None:
        """Print one event."""
        match event:
            case TextDelta(text=text) if self.stream_text:
                self.console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
                self._mid_line = not text.endswith("\n")
            case TurnRestarted(reason=reason):
                self._line(f"[yellow]↻ reply restarted ({escape(one_line(reason))}); it follows again[/]")
            case ModelRetrying(model=model, attempt=attempt, delay=delay, reason=reason):
                self._line(
                    f"[yellow]↻ retrying {escape(model)} (attempt {attempt}) in {delay:.1f} s: "
                    f"{escape(one_line(reason))}[/]"
                )
            case ModelSwitched(from_model=old, to_model=new, reason=reason):
                self._line(f"[yellow]⇄ switched {escape(old)} → {escape(new)}: {escape(one_line(reason))}[/]")
            case ToolCallStarted():
                self._line(f"[cyan]{escape(call_line(event))}[/]")
            case ToolCallFinished(call=record):
                status = "[red]error[/]" if record.is_error else "[green]ok[/]"
                self._line(
                    f"[dim]←[/] {status} [dim]{record.duration:.2f} s[/] "
                    f"{escape(one_line(record.output, _LINE - 20))}"
                )
            case ServerLog(server=server, level=level, data=data):
                self._line(f"[dim]\\[{escape(server)} {escape(level)}] {escape(one_line(str(data)))}[/]")
            case TurnFinished(model=model, usage=usage, served_by=served_by):
                by = f" (served by {served_by})" if served_by and served_by != model else ""
                self._line(
                    f"[dim]· {escape(model)}{escape(by)}: {usage.total_tokens} tokens "
                    f"({usage.prompt_tokens} in, {usage.completion_tokens} out)[/]"
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
        """Whether the user lets this tool call run."""
        async with self._lock:
            self.renderer.end()
            question = f"[magenta]? run[/] {escape(call_line(event))}"
            return await in_daemon_thread(lambda: Confirm.ask(question, default=True, console=self.console))

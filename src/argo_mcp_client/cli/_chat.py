"""``argo-mcp chat``: a conversation in the terminal, saved and resumable."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from pydantic import ValidationError
from rich.markup import escape

from argo_mcp_client.cli._options import client_options, endpoint_from, servers_from
from argo_mcp_client.cli._render import Renderer, TerminalAsker, in_daemon_thread, one_line
from argo_mcp_client.client import ArgoMCPClient
from argo_mcp_client.conversation import Conversation
from argo_mcp_client.errors import ArgoMCPError, ConfigError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

    from rich.console import Console

HELP = "/save FILE saves the conversation, /quit (or Ctrl-D) leaves, /help shows this"


def load_conversation(path: Path) -> Conversation:
    """A conversation saved as JSON, or a ``ConfigError`` saying why it cannot be read."""
    try:
        return Conversation.from_json(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"conversation file {path} does not exist") from None
    except (OSError, ValidationError, ConfigError) as exc:
        problem = one_line(str(exc), 160)
        raise ConfigError(f"cannot read conversation {path}: {problem}") from None


def save_conversation(conversation: Conversation, where: str | Path) -> None:
    """Write ``conversation`` as JSON to ``where`` (``~`` expanded), replacing the file whole."""
    path = Path(where).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(conversation.to_json(), encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        raise ConfigError(f"cannot save the conversation to {path}: {exc.strerror or exc}") from None


def show_history(console: Console, messages: list[dict[str, Any]]) -> None:
    """Print the earlier messages of a resumed conversation, tool traffic collapsed."""
    for message in messages:
        role, content = message.get("role"), message.get("content")
        text = content if isinstance(content, str) else json.dumps(content) if content else ""
        if role == "user":
            console.print(f"[bold green]you>[/] {escape(text)}", highlight=False, soft_wrap=True)
        elif role == "assistant":
            for tool_call in message.get("tool_calls") or []:
                function = tool_call.get("function", {})
                line = f"→ {function.get('name')} {one_line(str(function.get('arguments', '')))}"
                console.print(f"[cyan]{escape(line)}[/]", highlight=False, soft_wrap=True)
            if text:
                console.print(escape(text), highlight=False, soft_wrap=True)
        elif role == "tool":
            console.print(f"[dim]← {escape(one_line(text))}[/]", highlight=False, soft_wrap=True)


async def chat_command(args: argparse.Namespace, out: Console, err: Console) -> int:
    """Read messages from the terminal until ``/quit`` or end of input, showing each run live."""
    endpoint = endpoint_from(args)
    source: Path | None = args.resume or (args.history if args.history and args.history.exists() else None)
    conversation = load_conversation(source) if source else Conversation(system_prompt=args.system)
    renderer = Renderer(out, verbose=args.verbose)
    asker = TerminalAsker(out, renderer)
    options = client_options(args, endpoint)
    async with ArgoMCPClient(
        servers=servers_from(args),
        elicit=asker.elicit,
        approve_tool=asker.approve if args.confirm else None,
        **options,
    ) as client:
        read_only = {tool.name for tool in client.tools if tool.read_only}
        asker.read_only = read_only.__contains__
        where = (
            "the built-in simulated model (no LLM)"
            if endpoint.offline
            else f"{options['model']} at {endpoint.base_url}"
        )
        out.print(
            f"[dim]argo-mcp chat · {escape(where)} · {plural(len(client.tools), 'tool')} · {HELP}[/]",
            highlight=False,
        )
        if source is not None:
            out.print(f"[dim]resumed {escape(str(source))}:[/]", highlight=False)
            show_history(out, [m for m in conversation.messages if m.get("role") != "system"])
            restarted = client.restarted_servers(conversation)
            if restarted:
                err.print(
                    f"[yellow]warning:[/] {escape(', '.join(restarted))} started anew since this "
                    "conversation last ran: what they kept in memory (models, media) is gone, so ids "
                    "from earlier results may not be found; ask again for what you need",
                    highlight=False,
                    soft_wrap=True,
                )
        while True:
            try:
                line = (await in_daemon_thread(lambda: out.input("[bold green]you>[/] "))).strip()
            except EOFError:
                out.print()
                break
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            if line == "/help":
                out.print(HELP, highlight=False)
                continue
            if line.startswith("/save"):
                target = line.removeprefix("/save").strip()
                if not target:
                    out.print("[red]usage: /save FILE[/]")
                    continue
                save_conversation(conversation, target)
                out.print(f"[dim]saved to {escape(target)}[/]", highlight=False)
                continue
            await _exchange(client, conversation, line, renderer, err)
            if args.history:
                save_conversation(conversation, args.history)
    return 0


def plural(count: int, noun: str) -> str:
    """``1 tool``, ``2 tools``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


@contextlib.contextmanager
def interrupt_cancels(scope: anyio.CancelScope) -> Iterator[None]:
    """While inside, Ctrl-C (SIGINT) cancels ``scope`` instead of ending the program."""
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, scope.cancel)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, previous)


async def _exchange(
    client: ArgoMCPClient, conversation: Conversation, line: str, renderer: Renderer, err: Console
) -> None:
    """One message and the run it starts; Ctrl-C cancels the run (and its tool calls), not the chat."""
    try:
        with anyio.CancelScope() as scope, interrupt_cancels(scope):
            async with client.stream(line, conversation=conversation) as events:
                async for event in events:
                    renderer.show(event)
    except ArgoMCPError as exc:
        renderer.end()
        err.print(f"[red]error:[/] {escape(one_line(str(exc), 300))}", highlight=False)
    else:
        renderer.end()
        if scope.cancelled_caught:
            err.print(
                "[yellow]cancelled:[/] the run was stopped; the conversation keeps its complete steps",
                highlight=False,
            )

"""The ``argo-mcp`` command: chat, run a prompt, list tools, or check the setup.

    argo-mcp chat --server "python my_server.py"
    argo-mcp run "Build a model of E. coli" --config mcp.json --json
    argo-mcp tools --server "python my_server.py"
    argo-mcp doctor --config mcp.json
    argo-mcp batch genomes.jsonl --out results.jsonl --config mcp.json --concurrency 16

``--offline`` answers with a built-in simulated model instead of an LLM.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import anyio
from rich.console import Console
from rich.markup import escape

from argo_mcp_client.cli._batch import batch_command
from argo_mcp_client.cli._chat import chat_command
from argo_mcp_client.cli._commands import run_command, tools_command
from argo_mcp_client.cli._doctor import doctor_command
from argo_mcp_client.cli._options import build_parser
from argo_mcp_client.errors import ArgoMCPError

if TYPE_CHECKING:
    import argparse

__all__ = ["main"]

Command = Callable[["argparse.Namespace", Console, Console], Awaitable[int]]

COMMANDS: dict[str, Command] = {
    "chat": chat_command,
    "run": run_command,
    "tools": tools_command,
    "doctor": doctor_command,
    "batch": batch_command,
}


def _argo_error(exc: BaseException) -> ArgoMCPError | None:
    """The ArgoMCPError behind ``exc``, looking inside exception groups."""
    if isinstance(exc, ArgoMCPError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _argo_error(inner)
            if found is not None:
                return found
    return None


def run_cli(argv: Sequence[str] | None = None) -> int:
    """Run ``argo-mcp`` with ``argv`` and return its exit status (1 on errors, 130 on Ctrl-C)."""
    args = build_parser().parse_args(argv)
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    command = COMMANDS[args.command]

    async def start() -> int:
        return await command(args, out, err)

    try:
        return anyio.run(start)
    except KeyboardInterrupt:
        err.print("\ninterrupted", highlight=False)
        return 130
    except BaseException as exc:
        error = _argo_error(exc)
        if error is None:
            raise
        message = " ".join(str(error).split())
        err.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
        return 1


def main(argv: Sequence[str] | None = None) -> None:
    """The console-script entry point: run and exit with the command's status."""
    sys.exit(run_cli(argv))

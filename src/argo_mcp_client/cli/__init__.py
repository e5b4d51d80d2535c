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

from argo_mcp_client.cli._options import build_parser

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from argo_mcp_client.errors import ArgoMCPError

__all__ = ["main"]

Command = Callable[["argparse.Namespace", "Console", "Console"], Awaitable[int]]


def command_for(name: str) -> Command:
    """The coroutine running subcommand ``name``; imported only now, as it loads openai and mcp."""
    if name == "chat":
        from argo_mcp_client.cli._chat import chat_command

        return chat_command
    if name == "run":
        from argo_mcp_client.cli._commands import run_command

        return run_command
    if name == "tools":
        from argo_mcp_client.cli._commands import tools_command

        return tools_command
    if name == "batch":
        from argo_mcp_client.cli._batch import batch_command

        return batch_command
    from argo_mcp_client.cli._doctor import doctor_command

    return doctor_command


def _argo_error(exc: BaseException) -> ArgoMCPError | None:
    """The ArgoMCPError behind ``exc``, looking inside exception groups."""
    from argo_mcp_client.errors import ArgoMCPError

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
    args = build_parser().parse_args(argv)  # --help and argument errors end here, before the imports
    import anyio
    from rich.console import Console
    from rich.markup import escape

    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    command = command_for(args.command)

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

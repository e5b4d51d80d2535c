"""The command line: its options, and the client settings they make."""

from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argo_mcp_client._version import __version__

if TYPE_CHECKING:
    from argo_mcp_client.config import HttpServer, StdioServer

SIMULATED_MODEL = "simulated"
"""The model name the built-in simulation answers as (``--offline``)."""


def build_parser() -> argparse.ArgumentParser:
    """The ``argo-mcp`` parser with its subcommands, each taking the common options."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("model and servers")
    group.add_argument(
        "--server",
        action="append",
        default=[],
        metavar='"COMMAND ARGS"',
        help="an MCP server to start over stdio (repeatable)",
    )
    group.add_argument("--config", type=Path, help='an mcp.json file with {"mcpServers": {...}}')
    group.add_argument(
        "--protocol",
        choices=["auto", "legacy"],
        default="auto",
        help="MCP protocol for --server servers; legacy is needed for elicitation (default: auto)",
    )
    group.add_argument("--model", help="model name (default: $ARGO_MODEL or argo:gpt-4o)")
    group.add_argument(
        "--fallback", action="append", default=[], metavar="MODEL", help="fallback model (repeatable)"
    )
    group.add_argument("--base-url", help="OpenAI-compatible endpoint (default: $ARGO_BASE_URL)")
    group.add_argument("--api-key", help="bearer token (default: $ARGO_API_KEY)")
    group.add_argument(
        "--offline",
        action="store_true",
        help="answer with the built-in simulated model (no LLM): it runs the Gem-Flux workflow "
        "(build, gapfill, FBA) you ask for, or calls the tool you name",
    )
    group.add_argument("--no-stream", action="store_true", help="ask for whole replies, not streamed ones")
    group.add_argument(
        "--verbose", action="store_true", help="show each model request: model, attempt, tokens and time"
    )

    parser = argparse.ArgumentParser(
        prog="argo-mcp", description="An LLM behind the Argo gateway, in front of MCP tool servers."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", parents=[common], help="chat in the terminal")
    chat.add_argument(
        "--confirm",
        action="store_true",
        help="ask before each tool call (the answer defaults to no unless the tool is marked read-only)",
    )
    chat.add_argument("--resume", type=Path, metavar="FILE", help="continue a saved conversation")
    chat.add_argument(
        "--history", type=Path, metavar="FILE", help="save the conversation here after each exchange"
    )
    chat.add_argument("--system", help="system prompt for a new conversation")

    run = commands.add_parser("run", parents=[common], help="send one prompt and print the answer")
    run.add_argument("prompt", help="the message to send")
    run.add_argument("--json", action="store_true", help="print the result and events as JSON")
    run.add_argument("--system", help="system prompt")

    tools = commands.add_parser("tools", parents=[common], help="list the tools as the model sees them")
    tools.add_argument("--json", action="store_true", help="print the tools as JSON")

    commands.add_parser("doctor", parents=[common], help="check the endpoint, models and servers")

    batch = commands.add_parser(
        "batch", parents=[common], help="run many conversations from a JSON Lines file (resumable)"
    )
    batch.add_argument("input", type=Path, metavar="IN.jsonl", help='one {"id": ..., "prompt": ...} per line')
    batch.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="OUT.jsonl",
        help="results, appended; ids in it are skipped",
    )
    batch.add_argument("--concurrency", type=int, default=8, help="conversations at once (default: 8)")
    batch.add_argument("--json", action="store_true", help="print the summary as JSON")
    batch.add_argument("--system", help="system prompt for items that have none")
    batch.add_argument(
        "--shared-state", metavar="redis://HOST:PORT/DB", help="share breakers and rate limits through Redis"
    )
    return parser


_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def server_name(words: list[str], taken: set[str]) -> str:
    """A unique server name from a command line: the script's stem, else the command's."""
    scripts = [w for w in words[1:] if w.endswith(".py")] or [w for w in words[1:] if "/" in w]
    base = Path(scripts[-1] if scripts else words[0]).stem or "server"
    if len(words) > 2 and words[1] == "-m":
        base = words[2].rsplit(".", 1)[-1]
    name = _NAME_CHARS.sub("_", base)[:28] or "server"
    if not (name[0].isalpha() or name[0] == "_"):
        name = f"_{name}"[:28]
    unique, number = name, 2
    while unique in taken:
        unique, number = f"{name}-{number}", number + 1
    return unique


def servers_from(args: argparse.Namespace) -> list[StdioServer | HttpServer]:
    """The servers of ``--server`` options, then those of ``--config``."""
    from argo_mcp_client.config import StdioServer, load_servers
    from argo_mcp_client.errors import ConfigError

    servers: list[StdioServer | HttpServer] = []
    taken: set[str] = set()
    for line in args.server:
        words = shlex.split(line)
        if not words:
            raise ConfigError("--server needs a command, e.g. --server 'python my_server.py'")
        name = server_name(words, taken)
        taken.add(name)
        servers.append(
            StdioServer(name=name, command=words[0], args=tuple(words[1:]), protocol=args.protocol)
        )
    if args.config:
        servers.extend(load_servers(args.config))
    return servers


@dataclass
class Endpoint:
    """Where model requests go, as the options and the environment say."""

    base_url: str
    model: str
    fallbacks: list[str] = field(default_factory=list)
    api_key: str | None = None
    offline: bool = False


def endpoint_from(args: argparse.Namespace) -> Endpoint:
    """The endpoint, model and key from the options, else from ``ARGO_*``."""
    from argo_mcp_client.config import ArgoSettings

    settings = ArgoSettings()
    key = args.api_key or (settings.api_key.get_secret_value() if settings.api_key else None)
    return Endpoint(
        base_url=args.base_url or settings.base_url,
        model=SIMULATED_MODEL if args.offline and not args.model else args.model or settings.model,
        fallbacks=list(args.fallback),
        api_key=key,
        offline=args.offline,
    )


def client_options(args: argparse.Namespace, endpoint: Endpoint) -> dict[str, Any]:
    """Keyword arguments for ``ArgoMCPClient`` from the options (servers excluded)."""
    options: dict[str, Any] = {
        "model": endpoint.model,
        "fallback_models": endpoint.fallbacks,
        "streaming": not args.no_stream,
    }
    if endpoint.offline:
        from argo_mcp_client.simulation import simulated_model

        options["http_client"] = simulated_model().http_client()
    else:
        options["base_url"] = endpoint.base_url
        options["api_key"] = endpoint.api_key
    return options

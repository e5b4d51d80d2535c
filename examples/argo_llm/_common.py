"""What the numbered tutorials share: command-line options, servers, and choosing a model.

Every tutorial talks to a real model through an OpenAI-compatible endpoint
(argo-proxy by default) when one answers, and otherwise to the built-in
scripted model: a simulation that follows a fixed plan of tool calls, so the
tutorial still shows the whole loop on a machine with no model access.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from argo_mcp_client import ArgoSettings, StdioServer, load_servers
from argo_mcp_client.testing import ScriptedModel, ScriptedReply, ScriptedRequest, call, reply

HERE = Path(__file__).resolve().parent
REFERENCE_SERVER = HERE / "gem_flux_server.py"


def parse_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", help="model name (default: $ARGO_MODEL or argo:gpt-4o)")
    parser.add_argument(
        "--base-url", help="OpenAI-compatible endpoint (default: $ARGO_BASE_URL or argo-proxy's)"
    )
    parser.add_argument(
        "--offline", action="store_true", help="use the built-in scripted model, not an endpoint"
    )
    parser.add_argument(
        "--server",
        action="append",
        default=[],
        metavar='"COMMAND ARGS"',
        help="an MCP server to start over stdio (repeatable; default: the Gem-Flux reference server)",
    )
    parser.add_argument("--config", type=Path, help='an mcp.json file with {"mcpServers": {...}}')
    return parser.parse_args(argv)


def servers_from(args: argparse.Namespace) -> list[Any]:
    """The servers named on the command line, or the Gem-Flux reference server."""
    servers: list[Any] = []
    for index, line in enumerate(args.server, start=1):
        command, *rest = shlex.split(line)
        servers.append(StdioServer(name=f"server{index}", command=command, args=tuple(rest)))
    if args.config:
        servers.extend(load_servers(args.config))
    if not servers:
        servers.append(StdioServer(name="gemflux", command=sys.executable, args=(str(REFERENCE_SERVER),)))
    return servers


@dataclass
class Backend:
    """The model a tutorial runs against, and how to say so."""

    description: str
    client_options: dict[str, Any] = field(default_factory=dict)
    scripted: bool = False


async def choose_backend(args: argparse.Namespace, plan: Sequence[tuple[str, dict[str, Any]]]) -> Backend:
    """The live endpoint if it answers, else the scripted model following ``plan``."""
    settings = ArgoSettings()
    base_url = args.base_url or settings.base_url
    model = args.model or settings.model
    if not args.offline:
        problem = await _endpoint_problem(base_url, settings)
        if problem is None:
            return Backend(f"model {model} at {base_url}", {"base_url": base_url, "model": model})
        reason = f"no endpoint answered at {base_url} ({problem})"
    else:
        reason = "--offline was given"
    scripted = ScriptedModel(plan_responder(plan))
    return Backend(
        f"the built-in scripted model, a simulation that calls no LLM, because {reason}. "
        "Start argo-proxy (or pass --base-url) to use a real model",
        {"http_client": scripted.http_client(), "model": "scripted"},
        scripted=True,
    )


async def _endpoint_problem(base_url: str, settings: ArgoSettings) -> str | None:
    key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
    try:
        async with httpx2.AsyncClient(timeout=3) as http:
            response = await http.get(
                f"{base_url.rstrip('/')}/models", headers={"Authorization": f"Bearer {key}"}
            )
    except httpx2.HTTPError as exc:
        return type(exc).__name__
    return None if response.status_code == 200 else f"HTTP {response.status_code} from /models"


def plan_responder(plan: Sequence[tuple[str, dict[str, Any]]]) -> Any:
    """A scripted model that makes the planned tool calls in order, then sums up the last result.

    A planned tool the servers do not offer is replaced by the first offered
    tool that needs no arguments, so the plan also runs against other servers.
    """

    def respond(request: ScriptedRequest) -> ScriptedReply | str:
        done = sum(1 for m in request.messages if m["role"] == "tool")
        if done < len(plan):
            name, arguments = plan[done]
            if name not in request.tool_names:
                name, arguments = _argument_free_tool(request), {}
            if name:
                return ScriptedReply(tool_calls=(call(name, arguments),))
        return reply(_summary(request.messages))

    return respond


def _argument_free_tool(request: ScriptedRequest) -> str:
    for tool in request.tools:
        if not tool["function"]["parameters"].get("required"):
            return str(tool["function"]["name"])
    return ""


def _summary(messages: Sequence[dict[str, Any]]) -> str:
    results = [m for m in messages if m["role"] == "tool"]
    if not results:
        return "(scripted) There was no tool I could call without arguments, so I have nothing to report."
    text = str(results[-1]["content"])
    try:
        value = json.loads(text)
    except ValueError:
        return f"(scripted) The tool answered: {text[:300]}"
    if isinstance(value, dict):
        facts = [f"{k} = {v}" for k, v in value.items() if isinstance(v, str | int | float | bool)][:8]
        return "(scripted) The tool reported: " + "; ".join(facts) + "."
    return f"(scripted) The tool answered: {text[:300]}"

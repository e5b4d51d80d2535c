"""What the numbered tutorials share: command-line options, servers, and choosing a model.

Every tutorial talks to a real model through an OpenAI-compatible endpoint
(argo-proxy by default) when one answers, and otherwise to the library's
simulated model (``argo_mcp_client.simulation``, the one ``argo-mcp --offline``
uses): no LLM, but it takes a plain request through the real Gem-Flux tools, so
the tutorial still shows the whole loop on a machine with no model access.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import anyio
import httpx2

from argo_mcp_client import ArgoMCPError, ArgoSettings, StdioServer, load_servers
from argo_mcp_client.simulation import SAMPLE_SEQUENCES, respond
from argo_mcp_client.testing import (
    ScriptedFailure,
    ScriptedModel,
    ScriptedRawStream,
    ScriptedReply,
    ScriptedRequest,
)

Responder = Callable[[ScriptedRequest], ScriptedReply | ScriptedFailure | ScriptedRawStream | str]
"""How the scripted model answers each request it gets."""

HERE = Path(__file__).resolve().parent
REFERENCE_SERVER = HERE / "gem_flux_server.py"

# The Gem-Flux workflow's inputs, as the tutorials ask for it.
SEQUENCES = dict(SAMPLE_SEQUENCES)
MEDIUM = "glucose_minimal_aerobic"


def parse_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    return make_parser(description).parse_args(argv)


def make_parser(description: str) -> argparse.ArgumentParser:
    """The options every tutorial takes; a tutorial may add its own before parsing."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
    return parser


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
    responder: Responder | None = None
    """How the simulated model answers, when ``scripted``."""

    def fresh_options(self) -> dict[str, Any]:
        """Client options for one more client: the endpoint's, or a simulated model of its own."""
        if not self.scripted or self.responder is None:
            return dict(self.client_options)
        scripted = ScriptedModel(self.responder, chunk_size=4)
        return {**self.client_options, "http_client": scripted.http_client()}


async def choose_backend(args: argparse.Namespace, *, responder: Responder | None = None) -> Backend:
    """The live endpoint if it answers, else the simulated model (``responder`` instead, when given)."""
    settings = ArgoSettings()
    base_url = args.base_url or settings.base_url
    model = args.model or settings.model
    if not args.offline:
        problem = await _endpoint_problem(base_url, settings)
        if problem is None:
            return Backend(f"model {model} at {base_url}", {"base_url": base_url, "model": model})
        reason, advice = problem
    else:
        reason, advice = "--offline was given", "Drop --offline to use a real model"
    answer = responder or respond
    scripted = ScriptedModel(answer, chunk_size=4)
    return Backend(
        f"the built-in simulated model, which calls no LLM, because {reason}. {advice}",
        {"http_client": scripted.http_client(), "model": "simulated"},
        scripted=True,
        responder=answer,
    )


async def _endpoint_problem(base_url: str, settings: ArgoSettings) -> tuple[str, str] | None:
    """``None`` when the endpoint lists its models, else what went wrong and what to do about it."""
    key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
    try:
        async with httpx2.AsyncClient(timeout=3) as http:
            response = await http.get(
                f"{base_url.rstrip('/')}/models", headers={"Authorization": f"Bearer {key}"}
            )
    except httpx2.HTTPError as exc:
        return (
            f"no endpoint answered at {base_url} ({type(exc).__name__})",
            "Start argo-proxy (or pass --base-url) to use a real model",
        )
    if response.status_code in (401, 403):
        return (
            f"the endpoint at {base_url} refused the key (HTTP {response.status_code} from /models)",
            "Set ARGO_API_KEY to a key it accepts to use a real model",
        )
    if response.status_code != 200:
        return (
            f"the endpoint at {base_url} answered HTTP {response.status_code} to GET /models",
            "Check --base-url (it usually ends in /v1) to use a real model",
        )
    return None


def run_tutorial(main: Callable[[], Awaitable[int]]) -> NoReturn:
    """Run a tutorial's ``main`` and exit: one line and status 1 on a library error, 130 on Ctrl-C.

    Ctrl-C cancels the run; the servers are closed on the way out, and no traceback is printed.
    """
    try:
        status = anyio.run(main)
    except BaseException as exc:
        if _find(exc, KeyboardInterrupt) is not None:
            print("interrupted", file=sys.stderr)
            sys.exit(130)
        error = _find(exc, ArgoMCPError)
        if error is None:
            raise
        sys.exit(f"error: {' '.join(str(error).split())}")
    sys.exit(status)


def _find(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """``exc`` if it is a ``kind``, else the first ``kind`` inside it (exception groups)."""
    if isinstance(exc, kind):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _find(inner, kind)
            if found is not None:
                return found
    return None

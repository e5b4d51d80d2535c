"""``argo-mcp doctor``: is the endpoint up, are the models there, do the servers start?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx2
from rich.markup import escape

from argo_mcp_client._models.aliases import canonical_model
from argo_mcp_client.cli._options import Endpoint, client_options, endpoint_from, servers_from
from argo_mcp_client.cli._render import one_line
from argo_mcp_client.client import ArgoMCPClient
from argo_mcp_client.errors import ArgoMCPError, ServerStartError

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from argo_mcp_client.config import HttpServer, StdioServer


@dataclass
class Checkup:
    """What the checks found: lines that passed, and problems, each with its fix."""

    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def check_endpoint(endpoint: Endpoint, found: Checkup) -> None:
    """``GET {base_url}/models``, and whether the model and fallbacks are listed."""
    url = endpoint.base_url.rstrip("/")
    headers = {"Authorization": f"Bearer {endpoint.api_key or 'not-needed'}"}
    try:
        async with httpx2.AsyncClient(timeout=10) as http:
            response = await http.get(f"{url}/models", headers=headers)
    except httpx2.HTTPError as exc:
        found.problems.append(
            f"endpoint {url} unreachable ({type(exc).__name__}): "
            "start argo-proxy or set --base-url / ARGO_BASE_URL"
        )
        return
    if response.status_code in (401, 403):
        found.problems.append(
            f"endpoint {url} refused the key (HTTP {response.status_code}): set --api-key / ARGO_API_KEY"
        )
        return
    if response.status_code != 200:
        found.problems.append(
            f"endpoint {url} answered HTTP {response.status_code} to GET /models: "
            "check that --base-url / ARGO_BASE_URL is the API root (it usually ends in /v1)"
        )
        return
    try:
        listed = [str(item["id"]) for item in response.json()["data"]]
    except (ValueError, KeyError, TypeError):
        found.problems.append(
            f"endpoint {url} answered GET /models with no model list: "
            "check that --base-url / ARGO_BASE_URL points at an OpenAI-compatible API"
        )
        return
    found.passed.append(f"endpoint {url} answers, listing {len(listed)} models")
    ids = {canonical_model(name) for name in listed}
    for role, model in [("model", endpoint.model), *(("fallback", m) for m in endpoint.fallbacks)]:
        if canonical_model(model) in ids:
            found.passed.append(f"{role} {model} is offered")
        else:
            sample = ", ".join(listed[:8]) + (", ..." if len(listed) > 8 else "")
            found.problems.append(
                f"{role} {model} is not offered by {url} (it lists: {sample or 'nothing'}): "
                f"pass {'--model' if role == 'model' else '--fallback'} with one of them"
            )


async def check_server(
    server: StdioServer | HttpServer, args: argparse.Namespace, endpoint: Endpoint, found: Checkup
) -> None:
    """Connect to one server alone and report its status, or why it did not start."""
    try:
        async with ArgoMCPClient(servers=[server], **client_options(args, endpoint)) as client:
            status = client.servers[server.name]
            offered = len(client.tools)
    except ArgoMCPError as exc:
        message = one_line(str(exc), 300)
        if not isinstance(exc, ServerStartError):
            message += "; fix its command or config, then run it by hand to see its errors"
        found.problems.append(f"server {server.name}: {message}")
        return
    who = " ".join(part for part in (status.server_name, status.server_version) if part)
    found.passed.append(
        f"server {server.name} ({who or 'unnamed'}) speaks MCP {status.protocol_version}, "
        f"lists {status.tools} tools, {offered} offered to the model"
    )


async def doctor_command(args: argparse.Namespace, out: Console, err: Console) -> int:
    """Run every check; print what passed and, for each problem, what is wrong and the fix."""
    endpoint = endpoint_from(args)
    servers = servers_from(args)
    found = Checkup()
    if endpoint.offline:
        found.passed.append("model: the built-in simulated model (--offline); no endpoint checked")
    else:
        await check_endpoint(endpoint, found)
    for server in servers:
        await check_server(server, args, endpoint, found)
    for line in found.passed:
        out.print(f"[green]ok[/]    {escape(line)}", highlight=False, soft_wrap=True)
    if not servers and not found.problems:
        out.print("[dim]note  no MCP servers given (--server or --config)[/]", highlight=False)
    for line in found.problems:
        out.print(f"[red]FAIL[/]  {escape(line)}", highlight=False, soft_wrap=True)
    return 1 if found.problems else 0

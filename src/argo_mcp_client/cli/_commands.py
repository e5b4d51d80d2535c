"""``argo-mcp run`` and ``argo-mcp tools``."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from rich.markup import escape

from argo_mcp_client.cli._options import client_options, endpoint_from, servers_from
from argo_mcp_client.cli._render import Renderer, one_line
from argo_mcp_client.client import ArgoMCPClient
from argo_mcp_client.events import Event, RunFinished, TextDelta, ToolCallFinished

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from argo_mcp_client.result import RunResult


OFFLINE_NOTICE = (
    "--offline: the built-in simulated model answers (no LLM); the tool calls and their results are real"
)


def plural(count: int, noun: str) -> str:
    """``1 tool``, ``2 tools``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def event_summary(event: Event) -> dict[str, Any]:
    """An event as a small JSON object (a tool call's record reduced to its outcome)."""
    if isinstance(event, ToolCallFinished):
        record = event.call
        return {
            "kind": event.kind,
            "turn": event.turn,
            "call_id": record.call_id,
            "name": record.name,
            "is_error": record.is_error,
            "reported_failure": record.reported_failure,
            "duration": record.duration,
        }
    summary: dict[str, Any] = {}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        summary[field.name] = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    return summary


def events_summary(events: list[Event]) -> dict[str, Any]:
    """How many events of each kind, and each one but the text pieces and the final result."""
    counts = Counter(event.kind for event in events)
    shown = [event_summary(e) for e in events if not isinstance(e, TextDelta | RunFinished)]
    return {"event_counts": dict(counts), "events": json.loads(json.dumps(shown, default=str))}


async def run_command(args: argparse.Namespace, out: Console, err: Console) -> int:
    """Send one prompt; print the answer (tool calls and usage go to stderr), or JSON with ``--json``."""
    endpoint = endpoint_from(args)
    renderer = Renderer(err, stream_text=False, verbose=args.verbose)
    seen: list[Event] = []
    result: RunResult | None = None
    async with ArgoMCPClient(servers=servers_from(args), **client_options(args, endpoint)) as client:
        if endpoint.offline and not args.json:
            err.print(f"[dim]{OFFLINE_NOTICE}[/]", highlight=False, soft_wrap=True)
        async with client.stream(args.prompt, system_prompt=args.system) as events:
            async for event in events:
                seen.append(event)
                if isinstance(event, RunFinished):
                    result = event.result
                elif not args.json:
                    renderer.show(event)
    assert result is not None, "a run that ends without error ends with RunFinished"
    if args.json:
        document = result.model_dump(mode="json") | events_summary(seen)
        out.print_json(json.dumps(document), highlight=False)
    else:
        out.print(result.output, markup=False, highlight=False, soft_wrap=True)
    return 0


async def tools_command(args: argparse.Namespace, out: Console, err: Console) -> int:
    """List the tools as the model sees them, each with what the schema conversion changed."""
    endpoint = endpoint_from(args)
    servers = servers_from(args)
    async with ArgoMCPClient(servers=servers, **client_options(args, endpoint)) as client:
        tools = client.tools
    if args.json:
        document = [
            {
                "name": t.name,
                "server": t.server,
                "tool": t.tool,
                "description": t.description,
                "parameters": t.parameters,
                "input_schema": t.input_schema,
                "read_only": t.read_only,
                "idempotent": t.idempotent,
                "report": str(t.report),
                "changes": [dataclasses.asdict(change) for change in t.report.changes],
            }
            for t in tools
        ]
        out.print_json(json.dumps(document), highlight=False)
        return 0
    if not tools:
        err.print("no tools: pass servers with --server or --config", highlight=False)
        return 0
    for tool in tools:
        head = one_line(tool.description.split("\n\n")[0], 90) if tool.description else "(no description)"
        out.print(
            f"[bold]{escape(tool.name)}[/]  [dim]{escape(tool.server)}.{escape(tool.tool)}[/]",
            highlight=False,
            soft_wrap=True,
        )
        out.print(f"  {escape(head)}", highlight=False, soft_wrap=True)
        for line in str(tool.report).splitlines():
            out.print(f"  [dim]schema: {escape(line)}[/]", highlight=False, soft_wrap=True)
    out.print(f"{plural(len(tools), 'tool')} from {plural(len(servers), 'server')}", highlight=False)
    return 0

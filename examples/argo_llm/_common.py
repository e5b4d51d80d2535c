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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from argo_mcp_client import ArgoSettings, StdioServer, load_servers
from argo_mcp_client.testing import (
    ScriptedFailure,
    ScriptedModel,
    ScriptedRawStream,
    ScriptedReply,
    ScriptedRequest,
    call,
    reply,
)

Responder = Callable[[ScriptedRequest], ScriptedReply | ScriptedFailure | ScriptedRawStream | str]
"""How the scripted model answers each request it gets."""

HERE = Path(__file__).resolve().parent
REFERENCE_SERVER = HERE / "gem_flux_server.py"


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


async def choose_backend(
    args: argparse.Namespace,
    plan: Sequence[tuple[str, dict[str, Any]]] = (),
    *,
    responder: Responder | None = None,
) -> Backend:
    """The live endpoint if it answers, else the scripted model.

    The scripted model follows ``responder`` when given, else makes the tool
    calls of ``plan`` in order.
    """
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
    scripted = ScriptedModel(responder or plan_responder(plan))
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


# The Gem-Flux workflow, as the scripted model plays it.
SEQUENCES = {"prot_001": "MKLVINLVGNSGLGKSTFTQRLIN", "prot_002": "MKQHKAMIVALERFRKEKRDAALL"}
MEDIUM = "glucose_minimal_aerobic"
_STEPS = (("build", "build_model"), ("gapfill", "gapfill_model"), ("fba", "run_fba"))


def workflow_responder(request: ScriptedRequest) -> ScriptedReply | str:
    """A scripted model that knows the Gem-Flux workflow, for multi-turn tutorials.

    An instruction (a user message not ending in "?") that names "build",
    "gapfill" or "FBA" gets those tool calls, one per turn, in that order, each
    taking its model id from the result before it, as a real model would; then a
    summary. A question is answered from the tool results already in the
    conversation: what gapfilling added, or the growth rate. Against other
    servers it calls the first tool that needs no arguments instead.
    """
    messages = request.messages
    last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
    text = str(messages[last_user]["content"]).strip()
    done_now = sum(1 for m in messages[last_user:] if m["role"] == "tool")
    if text.endswith("?"):
        return reply(_answer_from_history(text.lower(), messages))
    wanted = [tool for word, tool in _STEPS if word in text.lower()]
    if done_now < len(wanted):
        tool = wanted[done_now]
        if tool not in request.tool_names:
            other = _argument_free_tool(request)
            return ScriptedReply(tool_calls=(call(other, {}),)) if other else reply(_summary(messages))
        return ScriptedReply(tool_calls=(call(tool, _workflow_arguments(tool, messages)),))
    if not wanted:
        return reply(
            "(scripted) I am a simulation: ask me to build, gapfill or run FBA on a model, "
            "or ask what gapfilling added or how fast the model grows."
        )
    fba = _latest_result(messages, "run_fba")
    if "run_fba" in wanted and fba and "objective_value" in fba:
        return reply(
            f"(scripted) Done: FBA of {fba['model_id']} on {fba['media_id']} is {fba.get('status')}, "
            f"with a growth rate of {float(fba['objective_value']):.3f} per hour."
        )
    return reply(_summary(messages))


def _workflow_arguments(tool: str, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if tool == "build_model":
        return {"protein_sequences": SEQUENCES, "template": "GramNegative", "model_name": "E_coli_K12"}
    source = "build_model" if tool == "gapfill_model" else "gapfill_model"
    previous = _latest_result(messages, source) or {}
    fallback = "E_coli_K12.draft" if tool == "gapfill_model" else "E_coli_K12.draft.gf"
    return {"model_id": previous.get("model_id", fallback), "media_id": MEDIUM}


def _latest_result(messages: Sequence[dict[str, Any]], tool: str) -> dict[str, Any] | None:
    """The parsed result of the latest successful call of ``tool`` in the history."""
    names: dict[str, str] = {}
    found: dict[str, Any] | None = None
    for message in messages:
        for tool_call in message.get("tool_calls") or ():
            names[tool_call["id"]] = tool_call["function"]["name"]
        if message["role"] == "tool" and names.get(str(message.get("tool_call_id"))) == tool:
            try:
                value = json.loads(str(message["content"]))
            except ValueError:
                continue
            if isinstance(value, dict) and value.get("success", True):
                found = value
    return found


def _answer_from_history(question: str, messages: Sequence[dict[str, Any]]) -> str:
    if "add" in question:
        gapfill = _latest_result(messages, "gapfill_model")
        if gapfill is None:
            return "(scripted) Nothing has been gapfilled in this conversation yet."
        added = gapfill.get("genomescale_gapfill", {}).get("new_reactions", [])
        listed = ", ".join(f"{r['id']} ({r['name']})" for r in added) or "no reactions"
        return f"(scripted) Gapfilling {gapfill['original_model_id']} added {len(added)}: {listed}."
    fba = _latest_result(messages, "run_fba")
    if fba is None or "objective_value" not in fba:
        return "(scripted) No FBA has been run in this conversation yet."
    return (
        f"(scripted) FBA of {fba['model_id']} on {fba['media_id']} gave a growth rate of "
        f"{float(fba['objective_value']):.3f} per hour."
    )


def genome_responder(request: ScriptedRequest) -> ScriptedReply | str:
    """The scripted workflow for one genome of a batch: its model is named after the genome.

    A prompt such as "Genome g07: build, gapfill and run FBA" gets the calls of
    :func:`workflow_responder`, the draft model being built as ``g07``. Module-level,
    so that Parsl workers can import it (tutorial 07).
    """
    answer = workflow_responder(request)
    first = next((str(m["content"]) for m in request.messages if m["role"] == "user"), "")
    words = first.replace(":", " ").split()
    name = words[words.index("Genome") + 1] if "Genome" in words[:-1] else None
    if name is None or not isinstance(answer, ScriptedReply):
        return answer
    calls = tuple(
        call(c.name, json.loads(c.arguments) | {"model_name": name}) if c.name == "build_model" else c
        for c in answer.tool_calls
    )
    return ScriptedReply(text=answer.text, tool_calls=calls)

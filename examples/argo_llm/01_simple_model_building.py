"""Tutorial 01: one prompt, one tool call.

Asks the model to build a draft metabolic model; the model calls the
``build_model`` tool of the Gem-Flux reference server (or of any server given
with ``--server``), gets the result back, and answers.

    python examples/argo_llm/01_simple_model_building.py            # argo-proxy if it answers
    python examples/argo_llm/01_simple_model_building.py --offline  # the simulated model
    python examples/argo_llm/01_simple_model_building.py --server "python my_server.py"

With no endpoint reachable it runs the built-in simulated model, which is a
simulation: the tool calls and their results are real, the "model" is not.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from argo_mcp_client import ArgoMCPClient

# Run as a script, this folder is on sys.path; the type checker reads it from the repository root.
if TYPE_CHECKING:
    from examples.argo_llm._common import choose_backend, parse_args, run_tutorial, servers_from
else:
    from _common import choose_backend, parse_args, run_tutorial, servers_from

SEQUENCES = {"prot_001": "MKLVINLVGNSGLGKSTFTQRLIN", "prot_002": "MKQHKAMIVALERFRKEKRDAALL"}
PROMPT = (
    "Build a draft genome-scale metabolic model named E_coli_K12 with the GramNegative template "
    f"from these protein sequences: {json.dumps(SEQUENCES)}. "
    "Then tell me how many reactions and metabolites the draft has."
)


async def main() -> int:
    args = parse_args(__doc__ or "")
    backend = await choose_backend(args)
    print(f"Model: {backend.description}.")
    servers = servers_from(args)
    async with ArgoMCPClient(servers=servers, **backend.client_options) as client:
        print(f"Servers: {', '.join(s.name for s in servers)} ({len(client.tools)} tools)")
        print(f"\nYou: {PROMPT}\n")
        result = await client.run(PROMPT)
    for record in result.tool_calls:
        status = "failed" if record.failed else "ok"
        where = f"{record.server}.{record.tool}({json.dumps(record.arguments)})"
        print(f"Tool call: {where} -> {status}, {record.duration:.2f} s")
    print(f"\nAssistant: {result.output}\n")
    usage = result.total_usage
    print(f"{result.turns} model requests, {usage.total_tokens} tokens.")
    return 0


if __name__ == "__main__":
    run_tutorial(main)

"""Tutorial 02: a whole workflow in a conversation, a follow-up question, then save and resume.

One request asks for the full Gem-Flux workflow: build a draft model, gapfill
it on glucose, run flux balance analysis. The model makes the three tool calls
over several turns of a single ``client.chat(conversation, ...)``, passing each
result's model id on to the next call. A follow-up question in the same
conversation ("which reactions did gapfilling add?") is answered from what is
already there. Finally the conversation is saved as JSON, loaded back, and
continued.

A saved conversation keeps what was said, not what the servers hold: Gem-Flux
keeps its models in the server's memory, so a conversation resumed in a new
process (with new servers) refers to model ids that are gone.
``client.restarted_servers(conversation)`` names the servers started anew since
the conversation last ran (and a run continuing it logs a warning); ask the
model to build again what it needs.

    python examples/argo_llm/02_complete_workflow.py            # argo-proxy if it answers
    python examples/argo_llm/02_complete_workflow.py --offline  # the simulated model
    python examples/argo_llm/02_complete_workflow.py --save my_chat.json   # default: a temporary file

With no endpoint reachable it runs the built-in simulated model, which is a
simulation: the tool calls and their results are real, the "model" is not.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from argo_mcp_client import ArgoMCPClient, Conversation, RunResult

# Run as a script, this folder is on sys.path; the type checker reads it from the repository root.
if TYPE_CHECKING:
    from examples.argo_llm._common import (
        MEDIUM,
        SEQUENCES,
        choose_backend,
        make_parser,
        run_tutorial,
        servers_from,
    )
else:
    from _common import MEDIUM, SEQUENCES, choose_backend, make_parser, run_tutorial, servers_from

SYSTEM_PROMPT = (
    "You are a metabolic modelling assistant with Gem-Flux tools. "
    "Use the model ids the tools return; do not invent them."
)
WORKFLOW = (
    "Build a draft genome-scale metabolic model named E_coli_K12 with the GramNegative template "
    f"from these protein sequences: {json.dumps(SEQUENCES)}. "
    f"Then gapfill the draft on the {MEDIUM} medium, run FBA on the gapfilled model "
    "on the same medium, and tell me the growth rate."
)
FOLLOW_UP = "Which reactions did gapfilling add?"
AFTER_RESUME = "What growth rate did FBA predict for the gapfilled model?"


def show(result: RunResult) -> None:
    """Print the tool calls of one exchange, then the model's answer."""
    for record in result.tool_calls:
        status = "failed" if record.failed else "ok"
        print(f"  Tool call: {record.server}.{record.tool}({json.dumps(record.arguments)}) -> {status}")
    print(f"Assistant: {result.output}")


async def main() -> int:
    parser = make_parser(__doc__ or "")
    parser.add_argument(
        "--save",
        type=Path,
        default=Path(tempfile.gettempdir()) / "argo_mcp_tutorial_02.json",
        help="where to save the conversation (default: a file in the temporary folder)",
    )
    args = parser.parse_args()
    backend = await choose_backend(args)
    print(f"Model: {backend.description}.")
    servers = servers_from(args)

    async with ArgoMCPClient(servers=servers, **backend.client_options) as client:
        print(f"Servers: {', '.join(s.name for s in servers)} ({len(client.tools)} tools)")

        # 1. The whole workflow in one chat: the model calls tools turn after turn until it answers.
        conversation = Conversation(system_prompt=SYSTEM_PROMPT)
        print(f"\nYou: {WORKFLOW}")
        result = await client.chat(conversation, WORKFLOW)
        show(result)
        print(f"({result.turns} model requests in this exchange)")

        # 2. A follow-up in the same conversation: the model sees everything said and done so far.
        print(f"\nYou: {FOLLOW_UP}")
        show(await client.chat(conversation, FOLLOW_UP))

        # 3. Save the conversation as JSON: a plain file you can keep, share or inspect.
        args.save.write_text(conversation.to_json())
        print(f"\nSaved {len(conversation.messages)} messages to {args.save}")

        # 4. Resume it and go on. Here the servers are the same ones; resumed in a new process they
        #    would be new, without the models built above, and restarted_servers() would name them.
        resumed = Conversation.from_json(args.save.read_text())
        print(f"Resumed {len(resumed.messages)} messages from {args.save}")
        restarted = client.restarted_servers(resumed)
        print(f"Servers started anew since: {', '.join(restarted) or 'none (the same servers)'}")
        print(f"\nYou: {AFTER_RESUME}")
        show(await client.chat(resumed, AFTER_RESUME))
        print(f"\nThe resumed conversation now has {len(resumed.messages)} messages.")
    return 0


if __name__ == "__main__":
    run_tutorial(main)

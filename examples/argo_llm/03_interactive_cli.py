"""Tutorial 03: a small interactive chat with streaming.

Type a message; the answer is printed as the model generates it, and each tool
call is shown as it starts and as it finishes. Every message goes into one
conversation, so later messages can refer to earlier results. ``/quit`` (or
end of input, Ctrl-D) ends the chat. Input can also be piped in, one message
a line:

    python examples/argo_llm/03_interactive_cli.py            # argo-proxy if it answers
    python examples/argo_llm/03_interactive_cli.py --offline  # the simulated model
    printf 'Build a model of E. coli\\nWhat did gapfilling add?\\n' | \\
        python examples/argo_llm/03_interactive_cli.py --offline

With no endpoint reachable it runs the built-in simulated model, which is a
simulation: the tool calls and their results are real, the "model" is not.
Ask it to build, gapfill or run FBA, or what gapfilling added.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import anyio

from argo_mcp_client import (
    ArgoMCPClient,
    ArgoMCPError,
    Conversation,
    RunFinished,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnRestarted,
)

# Run as a script, this folder is on sys.path; the type checker reads it from the repository root.
if TYPE_CHECKING:
    from examples.argo_llm._common import choose_backend, parse_args, run_tutorial, servers_from
else:
    from _common import choose_backend, parse_args, run_tutorial, servers_from

SYSTEM_PROMPT = (
    "You are a metabolic modelling assistant with Gem-Flux tools. "
    "Use the model ids the tools return; do not invent them."
)


async def read_line(prompt: str) -> str | None:
    """The next line typed (or piped in), or ``None`` at end of input."""
    try:
        # input() blocks, so it runs in a worker thread, leaving the event loop free.
        line = await anyio.to_thread.run_sync(input, prompt, abandon_on_cancel=True)
    except EOFError:
        print()
        return None
    if not sys.stdin.isatty():
        print(line)  # echo piped input, so the transcript reads like a session
    return line.strip()


async def answer(client: ArgoMCPClient, conversation: Conversation, message: str) -> None:
    """Send one message and print the reply as it streams in."""
    speaking = False  # whether an "Assistant:" line is open
    async with client.stream(message, conversation=conversation) as events:
        async for event in events:
            match event:
                case TextDelta(text=text):
                    if not speaking:
                        print("Assistant: ", end="")
                        speaking = True
                    print(text, end="", flush=True)
                case TurnRestarted(reason=reason):
                    # The text of this turn so far is void: the reply is being asked for again.
                    print(f" [reply restarted: {reason}]" if speaking else f"[reply restarted: {reason}]")
                    speaking = False
                case ToolCallStarted(server=server, tool=tool, arguments=arguments):
                    if speaking:
                        print()
                        speaking = False
                    print(f"  -> {server}.{tool}({json.dumps(arguments)})", flush=True)
                case ToolCallFinished(call=call):
                    status = "failed" if call.failed else "ok"
                    print(f"  <- {call.tool}: {status} in {call.duration:.2f} s", flush=True)
                case RunFinished():
                    if speaking:
                        print()


async def main() -> int:
    args = parse_args(__doc__ or "")
    backend = await choose_backend(args)
    print(f"Model: {backend.description}.")
    servers = servers_from(args)
    async with ArgoMCPClient(servers=servers, **backend.client_options) as client:
        print(f"Servers: {', '.join(s.name for s in servers)} ({len(client.tools)} tools)")
        print("Type a message, or /quit to leave.\n")
        conversation = Conversation(system_prompt=SYSTEM_PROMPT)
        while (message := await read_line("You: ")) is not None:
            if message == "/quit":
                break
            if not message:
                continue
            try:
                await answer(client, conversation, message)
            except ArgoMCPError as exc:
                # The conversation keeps every complete step, so the chat can go on.
                print(f"\n[error: {exc}]")
            print()
    print(f"Bye ({len(conversation.messages)} messages in the conversation).")
    return 0


if __name__ == "__main__":
    run_tutorial(main)

"""``argo-mcp batch IN.jsonl --out OUT.jsonl``: many conversations, resumable, with a progress bar."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.markup import escape

from argo_mcp_client.batch import ResultWriter, done_ids, read_items
from argo_mcp_client.batch._progress import BatchProgress, BatchTally
from argo_mcp_client.cli._options import client_options, endpoint_from, servers_from
from argo_mcp_client.client import ArgoMCPClient

if TYPE_CHECKING:
    import argparse

    from rich.console import Console


async def batch_command(args: argparse.Namespace, out: Console, err: Console) -> int:
    """Run every item of the input not yet in the output; append each result as it ends."""
    items = read_items(args.input)
    done = done_ids(args.out)
    todo = [item for item in items if item.id not in done]
    tally = BatchTally(total=len(items), skipped=len(items) - len(todo))
    if tally.skipped and not args.json:
        err.print(f"resuming: {tally.skipped} of {len(items)} already in {escape(str(args.out))}")
    options = client_options(args, endpoint_from(args))
    if args.shared_state:
        options["shared_state"] = args.shared_state
    with BatchProgress(err, tally, enabled=err.is_terminal) as progress, ResultWriter(args.out) as writer:
        if todo:
            async with (
                ArgoMCPClient(servers=servers_from(args), system_prompt=args.system, **options) as client,
                client.map(todo, concurrency=args.concurrency, on_event=progress.hear) as results,
            ):
                async for result in results:
                    writer.write(result)
                    progress.add(result)
    summary = tally.summary() | {"output": str(args.out)}
    if args.json:
        out.print_json(json.dumps(summary), highlight=False)
    else:
        cost = f", ${summary['cost']:.4f}" if summary["cost"] else ""
        err.print(
            f"{summary['done']} conversations in {summary['seconds']:.1f} s "
            f"({summary['ok']} ok, [{'red' if tally.failed else 'dim'}]{summary['failed']} failed[/]; "
            f"{summary['tokens']:,} tokens{cost}); {tally.skipped} were already done; "
            f"results in {escape(str(args.out))}",
            highlight=False,
            soft_wrap=True,
        )
    return 1 if tally.failed else 0

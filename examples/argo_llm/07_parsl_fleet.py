"""Tutorial 07: twenty genomes at once, each conversation a Parsl app on a worker.

"Build, gapfill and run FBA for these genomes" is one conversation per genome.
Here Parsl runs them: the batch is cut into chunks, each chunk is a Parsl app,
and each app opens its own client on its worker, with its own Gem-Flux server
started on that node. Results come back as the batch's output lines, written
as chunks finish, so a stopped batch resumes where it was (run it twice: the
second run has nothing left to do).

This runs on Parsl's HighThroughputExecutor on this machine. On a cluster only
the Parsl configuration changes (a PBSProProvider for Polaris: see
docs/batches.md); with ``--redis`` every worker shares the models' circuit
breakers and rate limits.

    python examples/argo_llm/07_parsl_fleet.py                  # scripted model unless argo-proxy answers
    python examples/argo_llm/07_parsl_fleet.py --offline --genomes 5 --out results.jsonl
    python examples/argo_llm/07_parsl_fleet.py --redis redis://127.0.0.1:6379/0

With no endpoint reachable it runs the built-in scripted model, which is a
simulation: the tool calls and their results are real, the "model" is not.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import parsl
from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.providers import LocalProvider

from argo_mcp_client import simulation
from argo_mcp_client.batch.fleet import FleetSettings, run_fleet

# Run as a script, this folder is on sys.path; the type checker reads it from the repository root.
if TYPE_CHECKING:
    from examples.argo_llm._common import HERE, choose_backend, make_parser, servers_from
else:
    from _common import HERE, choose_backend, make_parser, servers_from


def local_config(workers: int, run_dir: Path) -> Config:
    """Parsl on this machine: one block of ``workers`` worker processes, over loopback."""
    executor = HighThroughputExecutor(
        label="local",
        address="127.0.0.1",
        max_workers_per_node=workers,
        provider=LocalProvider(init_blocks=1, min_blocks=1, max_blocks=1),  # type: ignore[no-untyped-call]
    )
    return Config(executors=[executor], run_dir=str(run_dir), usage_tracking=0)


def main() -> int:
    parser = make_parser(__doc__ or "")
    parser.add_argument("--genomes", type=int, default=20, help="how many genomes (default: 20)")
    parser.add_argument("--workers", type=int, default=2, help="Parsl worker processes (default: 2)")
    parser.add_argument("--chunk", type=int, default=10, help="conversations per Parsl app (default: 10)")
    parser.add_argument("--out", type=Path, help="results file (default: a new temporary file)")
    parser.add_argument("--redis", metavar="URL", help="share breakers and rate limits through this Redis")
    args = parser.parse_args()

    backend = anyio.run(choose_backend, args)
    print(f"Model: {backend.description}.")
    settings = FleetSettings(
        servers=servers_from(args),
        client_options={"model": backend.client_options["model"]}
        | ({} if backend.scripted else {"base_url": backend.client_options["base_url"]}),
        shared_state=args.redis,
        concurrency=2,
        scripted=simulation.respond if backend.scripted else None,
    )
    # Workers import this folder's modules (the scripted model's responder) as the script does, and
    # Parsl starts its interchange and workers by command name, from this Python's environment.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    scratch = Path(tempfile.mkdtemp(prefix="argo-mcp-parsl-"))
    out = args.out or scratch / "results.jsonl"
    items = [
        {
            "id": f"g{n:02d}",
            "prompt": f"Genome g{n:02d}: build a draft model named g{n:02d}, gapfill it on glucose, run FBA.",
        }
        for n in range(1, args.genomes + 1)
    ]
    with parsl.load(local_config(args.workers, scratch / "runinfo")):
        summary = run_fleet(
            items,
            out,
            settings,
            chunk_size=args.chunk,
            on_result=lambda r: print(f"  {r.id}: {'ok' if r.ok else 'FAILED'}  {r.output or r.error}"),
        )
    parsl.clear()
    print(json.dumps(summary))
    return 0 if summary["failed"] == 0 and summary["chunks_lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

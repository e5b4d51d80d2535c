"""A batch spread over machines with Parsl: each chunk of conversations is a Parsl app on a worker.

On the worker, the app opens its own :class:`ArgoMCPClient` (so its stdio MCP
servers start on that node), runs its chunk through :meth:`ArgoMCPClient.map`,
and returns the result lines; breakers and rate limits are shared by every
worker through Redis when ``shared_state`` names one. The driver writes the
lines to the batch's output as chunks come back, so a batch run this way
resumes as ``argo-mcp batch`` does.

Parsl decides where apps run: its local ``HighThroughputExecutor`` on a laptop,
or a ``PBSProProvider`` / ``SlurmProvider`` on a cluster (see the docs' page on
batches and fleets for Polaris). Needs ``pip install 'argo-mcp-client[parsl]'``.

Example:
    ```python
    import parsl
    from argo_mcp_client.batch.fleet import FleetSettings, run_fleet

    settings = FleetSettings(servers=[gemflux], client_options={"model": "argo:gpt-4o"},
                             shared_state="redis://login-node:6379/0")
    with parsl.load(config):
        summary = run_fleet(items, "results.jsonl", settings, chunk_size=10)
    ```
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import anyio

from argo_mcp_client.batch._files import ResultWriter, done_ids
from argo_mcp_client.batch._items import BatchItem, BatchResult
from argo_mcp_client.batch._map import map_conversations
from argo_mcp_client.batch._progress import BatchTally
from argo_mcp_client.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from argo_mcp_client.config import HttpServer, StdioServer
    from argo_mcp_client.testing import Responder

__all__ = ["FleetSettings", "run_chunk", "run_fleet"]


@dataclass(frozen=True)
class FleetSettings:
    """What each worker needs to open its own client; sent to the workers, so it must pickle.

    Args:
        servers: the MCP servers each worker starts for itself (stdio ones run on its node).
        client_options: further ``ArgoMCPClient`` keyword arguments, as plain values
            (``model``, ``base_url``, ``fallback_models``, ``max_turns``, ``rate_limits``...).
        shared_state: a ``redis://`` URL every worker shares breakers and rate limits through.
        concurrency: conversations at once within one app.
        scripted: a module-level responder for a simulated model (``ScriptedModel``)
            instead of an endpoint: for tutorials and tests.
    """

    servers: Sequence[StdioServer | HttpServer] = ()
    client_options: Mapping[str, Any] = field(default_factory=dict)
    shared_state: str | None = None
    concurrency: int = 4
    scripted: Responder | None = None


def run_chunk(settings: FleetSettings, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Parsl app: run ``items`` on this worker with its own client and servers; their result lines."""
    from argo_mcp_client.client import ArgoMCPClient
    from argo_mcp_client.testing import ScriptedModel

    async def run() -> list[dict[str, Any]]:
        options = dict(settings.client_options)
        if settings.scripted is not None:
            options["http_client"] = ScriptedModel(settings.scripted).http_client()
        if settings.shared_state is not None:
            options["shared_state"] = settings.shared_state
        lines: list[dict[str, Any]] = []
        async with (
            ArgoMCPClient(servers=list(settings.servers), **options) as client,
            map_conversations(
                items, run=client.run, stream=client.stream, concurrency=settings.concurrency
            ) as results,
        ):
            async for result in results:
                lines.append(result.model_dump(mode="json"))
        return lines

    return anyio.run(run)


def run_fleet(
    items: Iterable[BatchItem | Mapping[str, Any]],
    out: str | Path,
    settings: FleetSettings,
    *,
    chunk_size: int = 8,
    executors: list[str] | Literal["all"] = "all",
    on_result: Callable[[BatchResult], None] | None = None,
) -> dict[str, Any]:
    """Run the items not yet in ``out`` as Parsl apps of ``chunk_size`` conversations; append their lines.

    Needs a loaded Parsl configuration (``with parsl.load(config):``). A chunk whose
    app fails (its worker died, its servers would not start) writes nothing, so its
    items run again when the batch is resumed. Returns the batch's summary.
    """
    try:
        import parsl
    except ImportError as exc:
        raise ConfigError("running a batch on Parsl needs: pip install 'argo-mcp-client[parsl]'") from exc
    if chunk_size < 1:
        raise ConfigError(f"chunk_size must be at least 1, got {chunk_size}")
    path = Path(out)
    checked = [item if isinstance(item, BatchItem) else BatchItem.model_validate(item) for item in items]
    if len({item.id for item in checked}) != len(checked):
        raise ConfigError("two items of the batch have the same id; ids must be unique")
    done = done_ids(path)
    todo = [item.model_dump(mode="json") for item in checked if item.id not in done]
    tally = BatchTally(total=len(checked), skipped=len(checked) - len(todo))
    app = parsl.python_app(run_chunk, executors=executors)
    futures = [app(settings, todo[start : start + chunk_size]) for start in range(0, len(todo), chunk_size)]
    lost = 0
    with ResultWriter(path) as writer:
        for future in concurrent.futures.as_completed(futures):
            try:
                lines = future.result()
            except Exception:  # the chunk's items are left for the next run
                lost += 1
                continue
            for line in lines:
                result = BatchResult.model_validate(line)
                writer.write(result)
                tally.add(result)
                if on_result is not None:
                    on_result(result)
    return tally.summary() | {"output": str(path), "chunks": len(futures), "chunks_lost": lost}

"""A blocking entry point for scripts and notebooks."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import anyio

from argo_mcp_client.client import ArgoMCPClient

if TYPE_CHECKING:
    from collections.abc import Sequence

    from argo_mcp_client.result import RunResult


def run_sync(
    prompt: str | Sequence[dict[str, Any]], *, model: str | None = None, **client_options: Any
) -> RunResult:
    """Connect, run one prompt to its answer, and disconnect, blocking until done.

    ``client_options`` are :class:`ArgoMCPClient`'s arguments. Works in a
    notebook too, whose event loop is already running: the run then happens on
    a thread of its own.

    Example:
        ```python
        result = run_sync("List the media", servers=[gemflux], model="argo:gpt-4o")
        print(result.output)
        ```
    """

    async def main() -> RunResult:
        async with ArgoMCPClient(**client_options) as client:
            return await client.run(prompt, model=model)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return anyio.run(main)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="argo-mcp-run-sync") as pool:
        return pool.submit(anyio.run, main).result()

"""Many conversations at once: ``ArgoMCPClient.map``.

A fixed number of worker tasks (the concurrency) take the next item, run its
conversation and hand its :class:`BatchResult` over; a worker takes another item
only once its result is taken, so at most ``concurrency`` conversations are in
flight and the consumer sets the pace. Results come in completion order, each
tagged with its item's id; a conversation that fails gives a result with its
error, and the batch goes on.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio

from argo_mcp_client.batch._items import BatchItem, BatchResult
from argo_mcp_client.errors import ConfigError
from argo_mcp_client.events import RunFinished

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from contextlib import AbstractAsyncContextManager

    from anyio.streams.memory import MemoryObjectReceiveStream

    from argo_mcp_client.events import Event
    from argo_mcp_client.result import RunResult

__all__ = ["BatchResults", "ItemSource", "map_conversations"]

ItemSource = Iterable[BatchItem | Mapping[str, Any]] | AsyncIterable[BatchItem | Mapping[str, Any]]
"""Items to run: BatchItems or mappings of their fields, from a list, a generator or an async one."""


class BatchResults:
    """The results of a batch in completion order; iterate with ``async for``."""

    def __init__(self, receive: MemoryObjectReceiveStream[BatchResult]) -> None:
        self._receive = receive

    def __aiter__(self) -> BatchResults:
        return self

    async def __anext__(self) -> BatchResult:
        try:
            return await self._receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            raise StopAsyncIteration from None


@asynccontextmanager
async def map_conversations(
    items: ItemSource,
    *,
    run: Callable[..., Awaitable[RunResult]],
    stream: Callable[..., AbstractAsyncContextManager[AsyncIterator[Event]]],
    concurrency: int,
    on_event: Callable[[str, Event], None] | None = None,
    output_type: type[Any] | None = None,
) -> AsyncIterator[BatchResults]:
    """Run every item's conversation, ``concurrency`` at a time; yields their results as they end."""
    if concurrency < 1:
        raise ConfigError(f"concurrency must be at least 1, got {concurrency}")
    source = _items(items)
    taking = anyio.Lock()
    send, receive = anyio.create_memory_object_stream[BatchResult]()

    async def next_item() -> BatchItem | None:
        async with taking:
            return await anext(source, None)

    async def work() -> None:
        while (item := await next_item()) is not None:
            result = await _converse(item, run, stream, on_event, output_type)
            await send.send(result)

    async def workers() -> None:
        async with send, anyio.create_task_group() as group:
            for number in range(concurrency):
                group.start_soon(work, name=f"argo-mcp-batch-worker:{number}")

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(workers, name="argo-mcp-batch")
            try:
                async with receive:
                    yield BatchResults(receive)
            finally:
                group.cancel_scope.cancel()
    except BaseExceptionGroup as group_error:
        error = _single(group_error)
        raise error from error.__cause__


def _single(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The one error inside nested groups, or the group itself."""
    while len(group.exceptions) == 1:
        inner = group.exceptions[0]
        if not isinstance(inner, BaseExceptionGroup):
            return inner
        group = inner
    return group


async def _items(items: ItemSource) -> AsyncIterator[BatchItem]:
    seen: set[str] = set()

    def checked(raw: BatchItem | Mapping[str, Any]) -> BatchItem:
        item = raw if isinstance(raw, BatchItem) else BatchItem.model_validate(raw)
        if item.id in seen:
            raise ConfigError(f"two items of the batch have the id {item.id!r}; ids must be unique")
        seen.add(item.id)
        return item

    if isinstance(items, AsyncIterable):
        async for raw in items:
            yield checked(raw)
    else:
        for raw in items:
            yield checked(raw)


async def _converse(
    item: BatchItem,
    run: Callable[..., Awaitable[RunResult]],
    stream: Callable[..., AbstractAsyncContextManager[AsyncIterator[Event]]],
    on_event: Callable[[str, Event], None] | None,
    output_type: type[Any] | None = None,
) -> BatchResult:
    options: dict[str, Any] = {
        "model": item.model,
        "fallback_models": item.fallback_models,
        "max_turns": item.max_turns,
        "deadline": item.deadline,
        "system_prompt": item.system_prompt,
    }
    if output_type is not None:
        options["output_type"] = output_type
    started = time.perf_counter()
    try:
        result: RunResult | None = None
        if on_event is None:
            result = await run(item.prompt, **options)
        else:
            async with stream(item.prompt, **options) as events:
                async for event in events:
                    on_event(item.id, event)
                    if isinstance(event, RunFinished):
                        result = event.result
    except Exception as error:  # one conversation's failure is its line's, not the batch's
        return BatchResult.of_error(item, error, time.perf_counter() - started)
    assert result is not None, "a run that ends without error ends with RunFinished"
    return BatchResult.of_run(item, result, time.perf_counter() - started)

"""The consumer's side of a run's events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from anyio.streams.memory import MemoryObjectReceiveStream

    from argo_mcp_client.events import Event
    from argo_mcp_client.result import RunResult


@dataclass(slots=True)
class Outcome:
    """How the run producing the events ended, once it has."""

    result: RunResult | None = None
    error: Exception | None = None


class EventStream:
    """The events of one run, in order; iterate with ``async for``.

    The run's own error (a model failure, too many turns) is raised from the
    iteration, after the events that came before it.
    """

    def __init__(self, receive: MemoryObjectReceiveStream[Event], outcome: Outcome) -> None:
        self._receive = receive
        self._outcome = outcome

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        try:
            return await self._receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            error, self._outcome.error = self._outcome.error, None
            if error is not None:
                raise error  # noqa: B904 - keep the error's own cause, not this
            raise StopAsyncIteration from None

    @property
    def result(self) -> RunResult | None:
        """The run's result once it has finished, else ``None``."""
        return self._outcome.result

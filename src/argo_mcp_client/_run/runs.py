"""A run as a stream of events, or run to its end with nobody listening.

Both drive the same loop (:meth:`Runs.execute`): :meth:`Runs.open` in a task of
its own, handing the events over as they come; :meth:`Runs.to_end` in the
caller's task, where no event needs to go anywhere.
"""

from __future__ import annotations

import contextlib
import math
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import anyio

from argo_mcp_client._run.loop import RunOptions, RunState, run_loop
from argo_mcp_client._run.planner import RequestPlanner
from argo_mcp_client._telemetry import run_id, span
from argo_mcp_client.errors import RunTimeout
from argo_mcp_client.events import Event

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from anyio.streams.memory import MemoryObjectReceiveStream

    from argo_mcp_client._mcp.host import ServerHost
    from argo_mcp_client._models.chain import ModelChain
    from argo_mcp_client._run.catalogue import ToolCatalogue
    from argo_mcp_client._run.tools import Dispatcher
    from argo_mcp_client.conversation import Conversation
    from argo_mcp_client.events import Emit
    from argo_mcp_client.result import RunResult


@dataclass(slots=True)
class Outcome:
    """How the run producing the events ended, once it has."""

    result: RunResult[Any] | None = None
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
    def result(self) -> RunResult[Any] | None:
        """The run's result once it has finished, else ``None``."""
        return self._outcome.result


@dataclass(frozen=True, slots=True)
class Runs:
    """Starts runs: what every run needs from the client, whichever way it is consumed."""

    chain: ModelChain
    dispatcher: Dispatcher
    """Runs the tool calls; each run gets a copy that passes its progress events on."""
    host: ServerHost
    catalogue: ToolCatalogue | None = None
    """Chooses the tools of a request when they would not all fit; ``None`` always sends all."""

    @asynccontextmanager
    async def open(
        self, state: RunState, options: RunOptions, conversation: Conversation | None = None
    ) -> AsyncIterator[EventStream]:
        """Run the loop in a task of its own and hand its events to the caller as they come.

        The run is stopped when the caller leaves the block, whenever that is; the
        conversation, if any, then takes the history as it stands.
        """
        # Unbounded, so that nothing sending an event (the MCP reader passing on a
        # server's progress or log) ever waits on the consumer.
        send, receive = anyio.create_memory_object_stream[Event](math.inf)
        outcome = Outcome()

        def notify(event: Event) -> None:
            with contextlib.suppress(anyio.WouldBlock, anyio.BrokenResourceError, anyio.ClosedResourceError):
                send.send_nowait(event)

        async def produce() -> None:
            async with send:
                try:
                    outcome.result = await self.execute(state, options, emit=send.send, notify=notify)
                except Exception as exc:
                    # Handed to the consumer by the event stream, where it belongs.
                    outcome.error = exc

        try:
            async with anyio.create_task_group() as group:
                group.start_soon(produce, name=f"argo-mcp-run:{state.run_id}")
                try:
                    async with receive:
                        yield EventStream(receive, outcome)
                finally:
                    group.cancel_scope.cancel()
        except BaseExceptionGroup as group_error:
            # The producer never raises, so the group holds just what the
            # consumer's block raised: hand that back unwrapped.
            error = group_error.exceptions[0] if len(group_error.exceptions) == 1 else group_error
            raise error from error.__cause__
        finally:
            if conversation is not None:
                conversation.messages = list(state.messages)
                conversation.note_tasks(state.tool_calls)

    async def to_end(
        self, state: RunState, options: RunOptions, conversation: Conversation | None = None
    ) -> RunResult[Any]:
        """Run the same loop, in the caller's task, for a caller that wants no events.

        Without a consumer there is nobody to hand events to, so none are queued
        and no task is started; the run's errors are raised here directly.
        """
        try:
            return await self.execute(state, options, emit=_discard, notify=None)
        finally:
            if conversation is not None:
                conversation.messages = list(state.messages)
                conversation.note_tasks(state.tool_calls)

    async def execute(
        self, state: RunState, options: RunOptions, *, emit: Emit, notify: Callable[[Event], None] | None
    ) -> RunResult[Any]:
        """The run: its span, its deadline, the servers' notices passed on (to ``notify``), and the loop."""
        if notify is not None:
            self.host.listeners.add(notify)
        # Reset on the way out: run() works in the caller's task, whose later log
        # records must not carry a finished run's id.
        run_token = run_id.set(state.run_id)
        try:
            deadline = options.deadline if options.deadline is not None else math.inf
            attributes = {"argo_mcp.run_id": state.run_id, "gen_ai.request.model": options.models[0]}
            with span("argo_mcp.run", **attributes), anyio.move_on_after(deadline):
                planner = RequestPlanner(
                    budget=options.budget,
                    catalogue=self.catalogue,
                    tools_payload_limit=options.tools_payload_limit,
                    tools_token_limit=options.tools_token_limit,
                    artifacts=self.dispatcher.artifacts,
                    output=options.output,
                )
                dispatcher = replace(self.dispatcher, notify=notify, local=planner.local_tools())
                return await run_loop(
                    state, options, chain=self.chain, dispatcher=dispatcher, emit=emit, planner=planner
                )
            assert options.deadline is not None  # only a deadline cancels the scope without raising
            raise RunTimeout(options.deadline, history=state.messages)
        finally:
            run_id.reset(run_token)
            if notify is not None:
                self.host.listeners.discard(notify)


async def _discard(event: Event) -> None:
    pass

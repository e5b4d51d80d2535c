"""One turn's model request through the chain of models: breakers, retries, fallbacks.

For each model of the chain in order: skip it if its breaker is open; else ask
it, retrying transient failures; on success the turn is answered, on failure
the next model gets the same history. Text that reached the consumer from an
attempt that then failed is withdrawn with a ``TurnRestarted`` event, so a
fallback may happen at any point of a streamed turn.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from argo_mcp_client._models.aliases import same_model
from argo_mcp_client._models.assembly import StreamError
from argo_mcp_client._models.retry import RetryPolicy, call_with_retries, is_unhealthy
from argo_mcp_client._telemetry import log, span
from argo_mcp_client.errors import AllModelsFailed, CircuitOpenError, GatewayError, ModelError
from argo_mcp_client.events import (
    Emit,
    ModelRequestStarted,
    ModelRetrying,
    ModelSwitched,
    TextDelta,
    TurnRestarted,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from argo_mcp_client._models.breaker import BreakerBoard
    from argo_mcp_client._models.chat import ChatModel
    from argo_mcp_client._models.ratelimit import ModelGate
    from argo_mcp_client._models.reply import ModelReply


logger = logging.getLogger("argo_mcp_client")


@dataclass(slots=True)
class ModelChain:
    """Sends each turn to the first model of the chain that answers."""

    chat: ChatModel
    breakers: BreakerBoard
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    rand: Callable[[], float] = random.random
    gate: ModelGate | None = None
    """Breakers and rate limits, over shared state; by default this process's, in ``breakers``."""

    def __post_init__(self) -> None:
        if self.gate is None:
            from argo_mcp_client._models.ratelimit import ModelGate

            self.gate = ModelGate(self.breakers, sleep=self.sleep)

    async def request(
        self,
        *,
        turn: int,
        models: Sequence[str],
        messages: Sequence[dict[str, Any]],
        tools: Sequence[dict[str, Any]] | Callable[[str], Sequence[dict[str, Any]]],
        streaming: bool,
        emit: Emit,
        overrides: Mapping[str, Any] | None = None,
    ) -> tuple[ModelReply, str]:
        """The turn's reply and the model that gave it.

        ``tools`` may be a function of the model, so each model of the chain gets the
        tools in the form it takes.

        Raises:
            ModelError: the only model failed (its own error).
            AllModelsFailed: every model of a longer chain failed.
        """
        causes: list[ModelError] = []
        previous: str | None = None
        gate = self.gate
        assert gate is not None  # set in __post_init__
        for index, model in enumerate(models):
            if previous is not None:
                await emit(
                    ModelSwitched(turn=turn, from_model=previous, to_model=model, reason=str(causes[-1]))
                )
            previous = model
            admission = await gate.admit(model)
            if not admission.admitted:
                following = models[index + 1] if index + 1 < len(models) else None
                causes.append(CircuitOpenError(model, retry_in=admission.retry_in, next_model=following))
                continue
            offered = tools(model) if callable(tools) else tools
            turn_request = _TurnRequest(
                self, gate, turn, model, messages, offered, streaming, emit, overrides or {}, admission.probe,
                paused=admission.paused,
            )  # fmt: skip
            try:
                reply = await call_with_retries(
                    turn_request.attempt,
                    self.retry,
                    keep_trying=turn_request.keep_trying,
                    on_retry=turn_request.announce_retry,
                    sleep=self.sleep,
                    rand=self.rand,
                )
            except GatewayError:
                raise  # the same gateway serves every model of the chain
            except ModelError as error:
                if error.status_code == 401:
                    raise
                causes.append(error)
                continue
            finally:
                if admission.probe and not turn_request.recorded:
                    with anyio.CancelScope(shield=True):
                        await gate.released(model, probe=admission.probe)
            return reply, model
        if len(causes) == 1:
            raise causes[0]
        raise AllModelsFailed(causes)


@dataclass(slots=True)
class _TurnRequest:
    """The attempts of one turn at one model."""

    chain: ModelChain
    gate: ModelGate
    turn: int
    model: str
    messages: Sequence[dict[str, Any]]
    tools: Sequence[dict[str, Any]]
    streaming: bool
    emit: Emit
    overrides: Mapping[str, Any]
    probe: bool = False
    """This request is the probe of a breaker whose cooldown has passed."""
    paused: float = 0.0
    """Seconds a 429's pause still held when the model admitted the request (for its first attempt;
    a retry after a 429 waits for it anyway)."""
    text_sent: bool = False
    opened: bool = False
    """A failure of this request opened the breaker."""
    recorded: bool = False
    """The breaker heard how the request went."""

    def keep_trying(self) -> bool:
        return self.gate.admits_retries(self.model, self.opened)

    async def attempt(self, number: int) -> ModelReply:
        gate = self.gate
        paused = self.paused if number == 1 else 0.0
        estimate = await gate.pace(self.model, self.turn, self.messages, self.tools, self.emit, paused)
        started = time.perf_counter()
        attributes = {
            "gen_ai.request.model": self.model,
            "argo_mcp.turn": self.turn,
            "argo_mcp.attempt": number,
        }
        with span("argo_mcp.model_request", **attributes) as current:
            try:
                reply = await self._ask(number)
            except ModelError as error:
                log(logging.INFO, "model request failed", model=self.model, turn=self.turn, error=str(error))
                if error.status_code == 429:
                    await gate.throttled(self.model, error.retry_after)
                if is_unhealthy(error):
                    self.opened = await gate.failed(self.model, probe=self.probe)
                    self.recorded = True
                if self.text_sent:
                    self.text_sent = False
                    await self.emit(TurnRestarted(turn=self.turn, reason=f"{error}"))
                raise
            current.set_attribute("gen_ai.usage.input_tokens", reply.usage.prompt_tokens)
            current.set_attribute("gen_ai.usage.output_tokens", reply.usage.completion_tokens)
            if reply.model:
                current.set_attribute("gen_ai.response.model", reply.model)
        duration = round(time.perf_counter() - started, 3)
        log(logging.DEBUG, "model answered", model=self.model, turn=self.turn, duration=duration)
        await gate.succeeded(self.model)
        self.recorded = True
        await gate.settle(self.model, estimate, reply.usage.total_tokens)
        if reply.model and not same_model(reply.model, self.model):
            logger.warning(
                "asked model %r but %r answered; the gateway may not know %r and used its default",
                self.model,
                reply.model,
                self.model,
            )
        return reply

    async def announce_retry(self, number: int, delay: float, error: BaseException) -> None:
        await self.emit(
            ModelRetrying(turn=self.turn, model=self.model, attempt=number, delay=delay, reason=str(error))
        )

    async def _ask(self, number: int) -> ModelReply:
        chat = self.chain.chat
        await self.emit(ModelRequestStarted(turn=self.turn, model=self.model, attempt=number))
        if self.streaming:
            try:
                return await chat.stream(
                    model=self.model,
                    messages=self.messages,
                    tools=self.tools,
                    on_text=self._on_text,
                    overrides=self.overrides,
                )
            except StreamError as error:
                self.text_sent = False
                await self.emit(
                    TurnRestarted(turn=self.turn, reason=f"{error}; asking again without streaming")
                )
        reply = await chat.complete(
            model=self.model, messages=self.messages, tools=self.tools, overrides=self.overrides
        )
        if reply.content:
            await self._on_text(reply.content)
        return reply

    async def _on_text(self, text: str) -> None:
        self.text_sent = True
        await self.emit(TextDelta(turn=self.turn, text=text))

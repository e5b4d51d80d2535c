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

    async def request(
        self,
        *,
        turn: int,
        models: Sequence[str],
        messages: Sequence[dict[str, Any]],
        tools: Sequence[dict[str, Any]],
        streaming: bool,
        emit: Emit,
        overrides: Mapping[str, Any] | None = None,
    ) -> tuple[ModelReply, str]:
        """The turn's reply and the model that gave it.

        Raises:
            ModelError: the only model failed (its own error).
            AllModelsFailed: every model of a longer chain failed.
        """
        causes: list[ModelError] = []
        previous: str | None = None
        for index, model in enumerate(models):
            breaker = self.breakers.for_model(model)
            if previous is not None:
                await emit(
                    ModelSwitched(turn=turn, from_model=previous, to_model=model, reason=str(causes[-1]))
                )
            previous = model
            if not breaker.try_acquire():
                following = models[index + 1] if index + 1 < len(models) else None
                causes.append(CircuitOpenError(model, retry_in=breaker.retry_in(), next_model=following))
                continue
            turn_request = _TurnRequest(self, turn, model, messages, tools, streaming, emit, overrides or {})
            try:
                reply = await call_with_retries(
                    turn_request.attempt,
                    self.retry,
                    keep_trying=breaker.admits_retries,
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
                breaker.release()
            return reply, model
        if len(causes) == 1:
            raise causes[0]
        raise AllModelsFailed(causes)


@dataclass(slots=True)
class _TurnRequest:
    """The attempts of one turn at one model."""

    chain: ModelChain
    turn: int
    model: str
    messages: Sequence[dict[str, Any]]
    tools: Sequence[dict[str, Any]]
    streaming: bool
    emit: Emit
    overrides: Mapping[str, Any]
    text_sent: bool = False

    async def attempt(self, number: int) -> ModelReply:
        breaker = self.chain.breakers.for_model(self.model)
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
                if is_unhealthy(error):
                    breaker.record_failure()
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
        breaker.record_success()
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
        if self.streaming and not self.overrides:
            try:
                return await chat.stream(
                    model=self.model, messages=self.messages, tools=self.tools, on_text=self._on_text
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

"""What stands between a turn and its model: the breaker, and the pace a rate limit sets.

:class:`ModelGate` asks the :class:`SharedState` (this process's, or a fleet's in
Redis) whether a model's breaker admits a request, when the request may start
under the model's rate limit (waiting, visibly, with a ``RateLimited`` event, when
it may not start yet), and tells it how the request went: a failure counts
against the breaker, and a 429 pauses every request to that model, not only the
one that got it.

A model's limit is the user's (``rate_limits``, by Argo id, alias or glob) or its
profile's ``requests_per_minute`` and ``tokens_per_minute``; tokens are estimated
before the request (about four characters a token) and corrected from the reply.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from argo_mcp_client._models.aliases import canonical_model
from argo_mcp_client._models.profiles import profile_for
from argo_mcp_client._models.shared_state import Admission, InProcessState, RateLimit, SharedState
from argo_mcp_client.events import RateLimited

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from argo_mcp_client._models.breaker import BreakerBoard
    from argo_mcp_client.events import Emit

__all__ = ["ModelGate", "RateLimit", "limit_for"]

DEFAULT_429_PAUSE = 1.0
"""Seconds everyone waits after a 429 that did not say how long (no Retry-After)."""


def limit_for(model: str, limits: Mapping[str, RateLimit] | None = None) -> RateLimit:
    """The rate limit of ``model``: the user's (by Argo id, alias or glob), else its profile's."""
    argo_id = canonical_model(model)
    for key, limit in (limits or {}).items():
        if canonical_model(key) == argo_id or fnmatch.fnmatch(model, key):
            return limit
    profile = profile_for(model)
    return RateLimit(requests=profile.requests_per_minute, tokens=profile.tokens_per_minute)


def estimate_tokens(messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]) -> int:
    """A request's prompt tokens, roughly: four characters a token."""
    return (len(json.dumps(list(messages), default=str)) + len(json.dumps(list(tools)))) // 4 + 1


@dataclass(slots=True)
class ModelGate:
    """Breakers and rate limits for a client's model requests, over a :class:`SharedState`."""

    board: BreakerBoard
    """This process's breakers (with a shared state, its view of the fleet's)."""
    state: SharedState | None = None
    """Where the state lives; ``None``: in this process, in ``board``."""
    limits: Mapping[str, RateLimit] = field(default_factory=dict)
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    _limits: dict[str, RateLimit] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.state is None:
            self.state = InProcessState(self.board.clock, board=self.board)

    @property
    def shared(self) -> SharedState:
        """The state in use."""
        assert self.state is not None  # set in __post_init__
        return self.state

    @property
    def local(self) -> bool:
        """Whether the state is this process's own board."""
        return isinstance(self.state, InProcessState) and self.state.board is self.board

    def limit(self, model: str) -> RateLimit:
        """The rate limit of ``model`` (looked up once)."""
        key = canonical_model(model)
        found = self._limits.get(key)
        if found is None:
            found = self._limits[key] = limit_for(model, self.limits)
        return found

    async def admit(self, model: str) -> Admission:
        """Whether the breaker lets a request go to ``model`` now."""
        return await self.shared.breaker_acquire(model, self.board.settings)

    async def failed(self, model: str, *, probe: bool) -> bool:
        """An unhealthy failure; returns whether the breaker is now open."""
        opened = await self.shared.breaker_failure(model, self.board.settings, probe=probe)
        if not self.local:  # keep this process's view of the fleet's breaker
            mirror = self.board.for_model(model)
            mirror.failures += 1
            if opened:
                mirror.opened_at = self.board.clock()
        return opened

    async def succeeded(self, model: str) -> None:
        """A request succeeded: the breaker closes."""
        await self.shared.breaker_success(model)
        if not self.local:
            self.board.for_model(model).record_success()

    async def released(self, model: str, *, probe: bool) -> None:
        """A request ended without an outcome."""
        await self.shared.breaker_release(model, probe=probe)

    def admits_retries(self, model: str, opened: bool) -> bool:
        """Whether retrying is worth it: not once the breaker has opened."""
        return not opened and self.board.for_model(model).state != "open"

    async def pace(
        self,
        model: str,
        turn: int,
        messages: Sequence[dict[str, Any]],
        tools: Sequence[dict[str, Any]],
        emit: Emit,
        paused: float = 0.0,
    ) -> int:
        """Wait until the rate limit lets the request start; returns its estimated tokens.

        A model without a limit asks nothing more: it waits out ``paused``, the pause
        after a 429 its admission reported.
        """
        limit = self.limit(model)
        estimate = estimate_tokens(messages, tools) if limit.tokens is not None else 0
        delay = await self.shared.reserve(model, limit, estimate) if limit.limited else paused
        if delay > 0:
            reason = (
                f"rate limit of {_describe(limit)}"
                if limit.limited
                else "the gateway said to slow down (429)"
            )
            await emit(RateLimited(turn=turn, model=model, delay=delay, reason=reason))
            await self.sleep(delay)
        return estimate

    async def settle(self, model: str, estimate: int, used: int) -> None:
        """Count the tokens a reply used beyond the estimate."""
        limit = self.limit(model)
        if limit.tokens is not None and used > estimate:
            await self.shared.charge(model, limit, used - estimate)

    async def throttled(self, model: str, retry_after: float | None) -> None:
        """A 429: every request to ``model`` waits (``Retry-After``, else a second)."""
        pause = retry_after if retry_after is not None and retry_after > 0 else DEFAULT_429_PAUSE
        await self.shared.slow_down(model, pause)


def _describe(limit: RateLimit) -> str:
    parts = []
    if limit.requests is not None:
        parts.append(f"{limit.requests} requests")
    if limit.tokens is not None:
        parts.append(f"{limit.tokens} tokens")
    per = "minute" if limit.per == 60 else f"{limit.per:g} s"
    return f"{' and '.join(parts)} per {per}"

"""Where breakers and rate limits keep their state: in this process, or shared by a fleet.

A :class:`SharedState` answers a handful of atomic questions: may a request go
to this model now (and is it the probe of an open breaker)? a request failed or
succeeded; when may the next request start, given the limits? a 429 came back,
so everyone waits. :class:`InProcessState` (the default) answers them for the
runs of one process; ``RedisState`` (:mod:`argo_mcp_client._models.redis_state`)
answers them for every process that points at the same Redis, so a model that is
down is probed once per cooldown by the whole fleet, and a rate limit is held by
all its workers together.

The pacing is a sliding window: a request may start at ``t`` when fewer than
``requests`` requests started in ``(t - per, t]`` and their estimated tokens plus
its own stay within ``tokens``. Start times are handed out in order (first come,
first served), so a limit holds under any concurrency.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from argo_mcp_client._models.aliases import canonical_model
from argo_mcp_client._models.breaker import BreakerBoard, BreakerSettings, CircuitBreaker

__all__ = ["Admission", "InProcessState", "RateLimit", "SharedState", "next_start"]

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """How many requests and tokens a model takes per window (``per`` seconds; a minute by default).

    Example:
        ```python
        limits = {"gpt4o": RateLimit(requests=60, tokens=200_000)}
        client = ArgoMCPClient(rate_limits=limits)
        ```
    """

    requests: int | None = None
    """Requests that may start in any window; ``None`` for no limit."""
    tokens: int | None = None
    """Tokens (estimated before the request, corrected after) per window; ``None`` for no limit."""
    per: float = 60.0
    """The window, in seconds."""

    @property
    def limited(self) -> bool:
        """Whether there is anything to hold."""
        return self.requests is not None or self.tokens is not None


@dataclass(frozen=True, slots=True)
class Admission:
    """A breaker's answer to "may a request go to this model now?"."""

    admitted: bool
    probe: bool = False
    """The request is the one probe of a breaker whose cooldown has passed."""
    retry_in: float = 0.0
    """Seconds until an open breaker lets a probe through (when refused)."""
    paused: float = 0.0
    """Seconds every request to the model still waits after a 429 (when admitted)."""


@runtime_checkable
class SharedState(Protocol):
    """The state behind breakers and rate limits; every method is atomic for all who share it."""

    async def breaker_acquire(self, model: str, settings: BreakerSettings) -> Admission:
        """Whether a request may go to ``model`` now; the first caller after a cooldown becomes the probe.

        An admitted request also learns how long a 429's pause still holds (``paused``), so a
        model without a rate limit needs no other question before its request.
        """
        ...

    async def breaker_failure(self, model: str, settings: BreakerSettings, *, probe: bool) -> bool:
        """Count an unhealthy failure; returns whether the breaker is now open."""
        ...

    async def breaker_success(self, model: str) -> None:
        """A request succeeded: the breaker closes."""
        ...

    async def breaker_release(self, model: str, *, probe: bool) -> None:
        """A request ended without an outcome (cancelled); a probe lets the next caller probe."""
        ...

    async def reserve(self, model: str, limit: RateLimit, cost: int) -> float:
        """Seconds to wait before a request of ``cost`` estimated tokens may start (0: now)."""
        ...

    async def charge(self, model: str, limit: RateLimit, tokens: int) -> None:
        """Count ``tokens`` more against the window (a reply used more than estimated)."""
        ...

    async def slow_down(self, model: str, seconds: float) -> None:
        """Nobody sends ``model`` a request for ``seconds`` (a 429 said so)."""
        ...

    async def aclose(self) -> None:
        """Release connections, if any."""
        ...


def next_start(
    entries: Sequence[tuple[float, int]], now: float, limit: RateLimit, cost: int, not_before: float = 0.0
) -> float:
    """The earliest start at or after ``now`` (and the last entry, and ``not_before``) within ``limit``.

    ``entries`` are the (start, tokens) of earlier requests, in start order.
    """
    start = max(now, not_before, entries[-1][0] if entries else now)
    if limit.tokens is not None:
        cost = min(cost, limit.tokens)
    first = 0
    while True:
        while first < len(entries) and entries[first][0] <= start - limit.per:
            first += 1
        too_many = limit.requests is not None and len(entries) - first + 1 > limit.requests
        too_heavy = (
            limit.tokens is not None
            and sum(entries[i][1] for i in range(first, len(entries))) + cost > limit.tokens
        )
        if not (too_many or too_heavy):
            return start
        start = entries[first][0] + limit.per


@dataclass(slots=True)
class _Window:
    entries: list[tuple[float, int]]
    paused_until: float = 0.0


class InProcessState:
    """Breakers and rate limits for the runs of this process (the default)."""

    def __init__(self, clock: Clock = time.monotonic, *, board: BreakerBoard | None = None) -> None:
        self.clock = clock
        self.board = board if board is not None else BreakerBoard(BreakerSettings(), clock)
        """The breakers themselves (a client's ``breakers``), read and written here."""
        self._windows: dict[str, _Window] = {}

    def breaker(self, model: str, settings: BreakerSettings) -> CircuitBreaker:
        """The breaker of ``model`` (the board's settings apply)."""
        return self.board.for_model(model)

    async def breaker_acquire(self, model: str, settings: BreakerSettings) -> Admission:
        breaker = self.breaker(model, settings)
        probe = breaker.state == "half_open"
        if breaker.try_acquire():
            paused = max(0.0, self._window(model).paused_until - self.clock())
            return Admission(admitted=True, probe=probe, paused=paused)
        return Admission(admitted=False, retry_in=breaker.retry_in())

    async def breaker_failure(self, model: str, settings: BreakerSettings, *, probe: bool) -> bool:
        breaker = self.breaker(model, settings)
        breaker.record_failure()
        return breaker.state == "open"

    async def breaker_success(self, model: str) -> None:
        self.breaker(model, BreakerSettings()).record_success()

    async def breaker_release(self, model: str, *, probe: bool) -> None:
        if probe:
            self.breaker(model, BreakerSettings()).release()

    def _window(self, model: str) -> _Window:
        key = canonical_model(model)
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window([])
        return window

    async def reserve(self, model: str, limit: RateLimit, cost: int) -> float:
        window = self._window(model)
        now = self.clock()
        if not limit.limited:
            return max(0.0, window.paused_until - now)
        gone = 0
        while gone < len(window.entries) and window.entries[gone][0] <= now - limit.per:
            gone += 1
        del window.entries[:gone]
        start = next_start(window.entries, now, limit, cost, window.paused_until)
        window.entries.append((start, cost))
        return start - now

    async def charge(self, model: str, limit: RateLimit, tokens: int) -> None:
        if limit.tokens is not None and tokens > 0:
            window = self._window(model)
            start = max(self.clock(), window.entries[-1][0] if window.entries else 0.0)
            window.entries.append((start, tokens))

    async def slow_down(self, model: str, seconds: float) -> None:
        window = self._window(model)
        window.paused_until = max(window.paused_until, self.clock() + seconds)

    async def aclose(self) -> None:
        pass

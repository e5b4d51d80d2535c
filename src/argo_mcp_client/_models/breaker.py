"""A circuit breaker per model, so a model that is down is skipped instead of waited on.

```
closed ──(threshold consecutive failures)──> open ──(cooldown)──> half_open
  ^                                            ^                      │
  └────────────── probe succeeds ──────────────┼──── probe fails ─────┘
```

In ``half_open`` one request (the probe) goes through; the others are refused
until it ends. Only failures that say the model or the gateway is unhealthy are
counted (timeouts, 429, 5xx, dropped streams); a request the gateway refused
as malformed is the request's fault, not the model's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from argo_mcp_client._models.aliases import canonical_model

__all__ = ["BreakerBoard", "BreakerSettings", "CircuitBreaker"]

BreakerState = Literal["closed", "open", "half_open"]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    """When a model's breaker opens, and for how long."""

    failure_threshold: int = 3
    """Consecutive unhealthy failures that open the breaker."""
    cooldown: float = 30.0
    """Seconds an open breaker waits before letting a probe through."""
    probe_lease: float = 300.0
    """Seconds a fleet's probe may take before another worker may probe (shared state only):
    a worker that died while probing does not keep the model closed to everyone."""


@dataclass(slots=True)
class CircuitBreaker:
    """The breaker of one model. Read ``state``; the client records outcomes."""

    model: str
    settings: BreakerSettings = field(default_factory=BreakerSettings)
    clock: Clock = time.monotonic
    failures: int = 0
    """Consecutive unhealthy failures so far."""
    opened_at: float | None = None
    _probing: bool = False

    @property
    def state(self) -> BreakerState:
        """``"closed"`` (requests go through), ``"open"`` (skipped) or ``"half_open"`` (one probe)."""
        if self.opened_at is None:
            return "closed"
        if self._probing or self.clock() - self.opened_at >= self.settings.cooldown:
            return "half_open"
        return "open"

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a probe through (0 unless open)."""
        if self.state != "open" or self.opened_at is None:
            return 0.0
        return max(0.0, self.settings.cooldown - (self.clock() - self.opened_at))

    def admits_retries(self) -> bool:
        """Whether more tries are worth making now (not once the breaker has opened)."""
        return self.state != "open"

    def try_acquire(self) -> bool:
        """Whether a request may go to the model now; in half_open, the first caller becomes the probe."""
        state = self.state
        if state == "closed":
            return True
        if state == "open" or self._probing:
            return False
        self._probing = True
        return True

    def record_success(self) -> None:
        """A request succeeded: the breaker closes and its failure count starts again."""
        self.failures = 0
        self.opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        """An unhealthy failure: the breaker opens at the threshold, or when the probe failed."""
        self.failures += 1
        if self._probing or self.failures >= self.settings.failure_threshold:
            self.opened_at = self.clock()
        self._probing = False

    def release(self) -> None:
        """End a probe that neither succeeded nor failed (it was cancelled)."""
        self._probing = False


class BreakerBoard(Mapping[str, CircuitBreaker]):
    """The breakers of all models a client has used, keyed by Argo id; shared by its runs."""

    def __init__(self, settings: BreakerSettings, clock: Clock = time.monotonic) -> None:
        self._settings = settings
        self._clock = clock
        self._breakers: dict[str, CircuitBreaker] = {}

    @property
    def settings(self) -> BreakerSettings:
        """The settings every breaker of the board follows."""
        return self._settings

    @property
    def clock(self) -> Clock:
        """The clock the breakers read."""
        return self._clock

    def for_model(self, model: str) -> CircuitBreaker:
        """The breaker of ``model``, under whatever name it is given."""
        key = canonical_model(model)
        if key not in self._breakers:
            self._breakers[key] = CircuitBreaker(model=key, settings=self._settings, clock=self._clock)
        return self._breakers[key]

    def __getitem__(self, model: str) -> CircuitBreaker:
        return self._breakers[canonical_model(model)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._breakers)

    def __len__(self) -> int:
        return len(self._breakers)

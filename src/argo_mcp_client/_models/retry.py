"""Which model failures are worth another try, and how long to wait first.

One retry layer: the openai SDK's own retries are turned off. Transient
failures (timeouts, dropped connections and streams) and the statuses that
mean "not now" (408, 409, 429, 5xx) are retried; a request the gateway refused
(400, 401, 403, 404, 422) is not. The wait honours the gateway's Retry-After
up to a cap, and otherwise grows exponentially with jitter. A 429 has a backoff
of its own, longer and with its jitter added rather than taken off: argo-proxy
drops the gateway's Retry-After, and a rate limit outlasts a 5xx blip.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import anyio
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from argo_mcp_client.errors import GatewayError, ModelError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["RetryPolicy"]

T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a model request is retried."""

    attempts: int = 3
    """Requests to one model per turn, the first included (1 turns retries off)."""
    base_delay: float = 0.5
    """The first wait, doubled for each further retry."""
    max_delay: float = 8.0
    """The longest computed wait."""
    max_retry_after: float = 30.0
    """The longest wait a gateway's Retry-After is allowed to ask for."""
    jitter: float = 0.25
    """Up to this fraction is taken off each computed wait, so clients do not retry in step."""
    rate_limit_base_delay: float = 2.5
    """The first wait after a 429 without Retry-After, doubled for each further retry."""
    rate_limit_max_delay: float = 30.0
    """The longest computed wait after a 429."""
    rate_limit_jitter: float = 0.5
    """Up to this fraction is added to each computed wait after a 429 (never less than the base)."""


def is_retryable(error: BaseException) -> bool:
    """Whether another try at the same model may succeed."""
    if not isinstance(error, ModelError) or isinstance(error, GatewayError):
        return False
    status = error.status_code
    if status is None:
        return error.transient
    return status in RETRY_STATUSES or status >= 500


def is_unhealthy(error: BaseException) -> bool:
    """Whether the failure counts against the model's circuit breaker.

    A retryable failure does; so does a 404 (the gateway does not know the
    model). A request refused as malformed says nothing about the model.
    """
    return is_retryable(error) or (isinstance(error, ModelError) and error.status_code == 404)


def retry_delay(policy: RetryPolicy, retry: int, error: BaseException, rand: Callable[[], float]) -> float:
    """Seconds to wait before retry number ``retry`` (1 for the first retry)."""
    retry_after = error.retry_after if isinstance(error, ModelError) else None
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, policy.max_retry_after)
    if isinstance(error, ModelError) and error.status_code == 429:
        limited = policy.rate_limit_base_delay * 2.0 ** (retry - 1) * (1 + policy.rate_limit_jitter * rand())
        return min(policy.rate_limit_max_delay, limited)
    computed: float = min(policy.max_delay, policy.base_delay * 2.0 ** (retry - 1))
    return computed * (1 - policy.jitter * rand())


async def call_with_retries(
    attempt: Callable[[int], Awaitable[T]],
    policy: RetryPolicy,
    *,
    keep_trying: Callable[[], bool] = lambda: True,
    on_retry: Callable[[int, float, BaseException], Awaitable[None]] | None = None,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """Run ``attempt(number)`` until it succeeds, fails for good, or the policy runs out.

    ``keep_trying`` is asked before each retry (a breaker that opened stops
    them); ``on_retry(next_number, delay, error)`` hears of each retry first.
    """

    def wait(state: RetryCallState) -> float:
        assert state.outcome is not None
        error = state.outcome.exception()
        assert error is not None
        return retry_delay(policy, state.attempt_number, error, rand)

    async def before_sleep(state: RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None and state.next_action is not None:
            error = state.outcome.exception()
            assert error is not None
            await on_retry(state.attempt_number + 1, state.next_action.sleep, error)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait,
        retry=retry_if_exception(lambda error: is_retryable(error) and keep_trying()),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
    async for trial in retrying:
        with trial:
            return await attempt(trial.retry_state.attempt_number)
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

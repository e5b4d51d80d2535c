"""The retry decision table and the waits, without sleeping."""

from __future__ import annotations

import pytest

from argo_mcp_client import GatewayError, ModelError, RetryPolicy
from argo_mcp_client._models.retry import call_with_retries, is_retryable, is_unhealthy, retry_delay


def status(code: int) -> ModelError:
    return ModelError(f"HTTP {code}", model="m", status_code=code)


@pytest.mark.parametrize(
    ("error", "retryable", "unhealthy"),
    [
        (status(408), True, True),
        (status(409), True, True),
        (status(429), True, True),
        (status(500), True, True),
        (status(502), True, True),
        (status(503), True, True),
        (status(400), False, False),
        (status(401), False, False),
        (status(403), False, False),
        (status(404), False, True),
        (status(422), False, False),
        (ModelError("timed out", model="m", transient=True), True, True),
        (ModelError("no choices", model="m"), False, False),
        (GatewayError("auth notice", model="m"), False, False),
        (ValueError("not ours"), False, False),
    ],
    ids=lambda v: str(getattr(v, "status_code", None) or v) if isinstance(v, BaseException) else str(v),
)
def test_decision_table(error: BaseException, retryable: bool, unhealthy: bool) -> None:
    assert (is_retryable(error), is_unhealthy(error)) == (retryable, unhealthy)


def test_retry_after_is_honoured() -> None:
    error = ModelError("slow down", model="m", status_code=429, retry_after=2.5)

    assert retry_delay(RetryPolicy(), 1, error, lambda: 0.9) == 2.5


def test_retry_after_is_capped() -> None:
    error = ModelError("slow down", model="m", status_code=429, retry_after=3600)

    assert retry_delay(RetryPolicy(max_retry_after=30), 1, error, lambda: 0.0) == 30


def test_without_retry_after_the_wait_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0, jitter=0.0)

    assert [retry_delay(policy, n, status(503), lambda: 0.0) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]


def test_jitter_takes_off_at_most_its_fraction() -> None:
    policy = RetryPolicy(base_delay=1.0, jitter=0.25)

    assert retry_delay(policy, 1, status(503), lambda: 0.0) == 1.0
    assert retry_delay(policy, 1, status(503), lambda: 1.0) == 0.75


class Recorder:
    def __init__(self, *outcomes: BaseException | str) -> None:
        self.outcomes = list(outcomes)
        self.attempts: list[int] = []
        self.sleeps: list[float] = []
        self.announced: list[tuple[int, float]] = []

    async def attempt(self, number: int) -> str:
        self.attempts.append(number)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def on_retry(self, number: int, delay: float, error: BaseException) -> None:
        self.announced.append((number, delay))


async def test_transient_failures_are_retried_until_success() -> None:
    calls = Recorder(status(503), status(429), "ok")
    policy = RetryPolicy(attempts=3, base_delay=1, jitter=0, rate_limit_base_delay=1, rate_limit_jitter=0)

    result = await call_with_retries(calls.attempt, policy, on_retry=calls.on_retry, sleep=calls.sleep)

    assert result == "ok"
    assert calls.attempts == [1, 2, 3]
    assert calls.sleeps == [1, 2]
    assert calls.announced == [(2, 1), (3, 2)]


async def test_a_refused_request_is_not_retried() -> None:
    calls = Recorder(status(400), "never")

    with pytest.raises(ModelError, match="HTTP 400"):
        await call_with_retries(calls.attempt, RetryPolicy(), sleep=calls.sleep)

    assert calls.attempts == [1]


async def test_the_last_error_is_raised_when_attempts_run_out() -> None:
    calls = Recorder(status(500), status(502), status(503))

    with pytest.raises(ModelError, match="HTTP 503"):
        await call_with_retries(calls.attempt, RetryPolicy(attempts=3), sleep=calls.sleep)

    assert calls.attempts == [1, 2, 3]


async def test_retries_stop_when_told_to() -> None:
    calls = Recorder(status(500), "never")

    with pytest.raises(ModelError, match="HTTP 500"):
        await call_with_retries(calls.attempt, RetryPolicy(), keep_trying=lambda: False, sleep=calls.sleep)

    assert calls.attempts == [1]

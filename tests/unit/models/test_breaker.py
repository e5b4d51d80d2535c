"""Circuit breaker transitions, on a fake clock: no sleeping."""

from __future__ import annotations

import pytest

from argo_mcp_client._models.breaker import BreakerBoard, BreakerSettings, CircuitBreaker
from support.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(now=1000.0)


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(
        model="gpt4o", settings=BreakerSettings(failure_threshold=3, cooldown=30), clock=clock
    )


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.record_failure()


def test_a_new_breaker_is_closed_and_lets_requests_through(breaker: CircuitBreaker) -> None:
    assert breaker.state == "closed"
    assert breaker.try_acquire()


def test_it_stays_closed_below_the_threshold(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)

    assert breaker.state == "closed"


def test_it_opens_at_the_threshold_and_refuses_requests(breaker: CircuitBreaker) -> None:
    fail(breaker, 3)

    assert breaker.state == "open"
    assert not breaker.try_acquire()
    assert breaker.retry_in() == 30


def test_a_success_resets_the_count(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    breaker.record_success()
    fail(breaker, 2)

    assert breaker.state == "closed"


def test_after_the_cooldown_it_is_half_open(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 3)
    clock.now += 29.9
    before = breaker.state

    clock.now += 0.1

    assert (before, breaker.state) == ("open", "half_open")


def test_half_open_lets_exactly_one_probe_through(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 3)
    clock.now += 30

    assert breaker.try_acquire()
    assert not breaker.try_acquire()
    assert breaker.state == "half_open"


def test_a_successful_probe_closes_it(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 3)
    clock.now += 30
    breaker.try_acquire()

    breaker.record_success()

    assert breaker.state == "closed"
    assert breaker.try_acquire()


def test_a_failed_probe_opens_it_again_for_a_full_cooldown(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 3)
    clock.now += 30
    breaker.try_acquire()

    breaker.record_failure()

    assert breaker.state == "open"
    assert breaker.retry_in() == 30


def test_a_cancelled_probe_frees_the_slot(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 3)
    clock.now += 30
    breaker.try_acquire()

    breaker.release()

    assert breaker.try_acquire()


def test_an_alias_and_an_argo_id_share_one_breaker(clock: FakeClock) -> None:
    board = BreakerBoard(BreakerSettings(), clock)

    assert board.for_model("argo:gpt-4o") is board.for_model("gpt4o")
    assert board.for_model("argo:claude-4.5-sonnet") is board.for_model("claudesonnet45")
    assert list(board) == ["gpt4o", "claudesonnet45"]
    assert board["argo:gpt-4o"].model == "gpt4o"

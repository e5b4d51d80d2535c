"""A fleet of worker processes sharing breakers and rate limits through a real redis-server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import anyio
import pytest

from argo_mcp_client import ArgoMCPClient, BreakerSettings, RateLimit, RedisState, SharedStateError
from argo_mcp_client.testing import ScriptedModel, failure, reply
from integration.conftest import free_port
from support.gateway import stub_gateway
from support.processes import environment_without_argo
from support.redis_server import REDIS_MISSING, redis_missing, redis_server

WORKER = Path(__file__).parent / "fleet_worker.py"
WORKERS = 4
COOLDOWN = 30

needs_redis = pytest.mark.skipif(redis_missing(), reason=REDIS_MISSING)


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if redis_missing():
        pytest.skip(REDIS_MISSING)
    with redis_server(tmp_path) as url:
        yield url


class Fleet:
    def __init__(self, workers: list[subprocess.Popen[str]], clock_file: Path) -> None:
        self.workers = workers
        self.clock_file = clock_file

    def at(self, now: float) -> None:
        self.clock_file.write_text(repr(now))

    def round(self) -> None:
        """Every worker makes its runs, all at once; returns when all are done."""
        for worker in self.workers:
            assert worker.stdin is not None
            worker.stdin.write("round\n")
            worker.stdin.flush()
        for worker in self.workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "done"


@contextmanager
def fleet(base_url: str, shared: str, tmp_path: Path) -> Iterator[Fleet]:
    clock_file = tmp_path / "clock"
    clock_file.write_text("0.0")
    with ExitStack() as stack:
        workers = []
        for _ in range(WORKERS):
            worker = subprocess.Popen(
                [sys.executable, str(WORKER), base_url, shared, str(clock_file)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=environment_without_argo(),
            )
            # On the way out its input is closed, so it stops, and it is waited for.
            workers.append(stack.enter_context(worker))
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        yield Fleet(workers, clock_file)
    assert all(worker.returncode == 0 for worker in workers)


def probes_per_cooldown(down: ScriptedModel, shared: str, base_url: str, tmp_path: Path) -> list[int]:
    """Requests the down model got in each cooldown after its breaker first opened."""
    counts: list[int] = []
    with fleet(base_url, shared, tmp_path) as workers:
        workers.round()  # the breaker(s) open
        for period in range(1, 4):
            before = len(down.requests)
            workers.at(period * COOLDOWN)
            workers.round()
            counts.append(len(down.requests) - before)
    return counts


def test_a_fleet_sharing_redis_probes_a_down_model_once_per_cooldown(redis_url: str, tmp_path: Path) -> None:
    down = ScriptedModel(lambda request: failure(503, "the model is down"))
    with stub_gateway(down, model_ids=["flaky"]) as gateway:
        counts = probes_per_cooldown(down, redis_url, gateway.base_url, tmp_path)
    assert counts == [1, 1, 1]


@needs_redis  # the same fleet as above, so that the two figures are measured alike
def test_a_fleet_without_sharing_probes_once_per_cooldown_per_process(tmp_path: Path) -> None:
    down = ScriptedModel(lambda request: failure(503, "the model is down"))
    with stub_gateway(down, model_ids=["flaky"]) as gateway:
        counts = probes_per_cooldown(down, "none", gateway.base_url, tmp_path)
    assert counts == [WORKERS, WORKERS, WORKERS]


async def test_a_rate_limit_in_redis_is_held_by_all_its_clients_together(redis_url: str) -> None:
    now = 100.0
    states = [RedisState.from_url(redis_url, namespace="limit-test", clock=lambda: now) for _ in range(3)]
    limit = RateLimit(requests=4, per=60)
    try:
        with anyio.fail_after(10):
            delays: list[float] = []

            async def reserve(state: RedisState) -> None:
                for _ in range(3):
                    delays.append(await state.reserve("gpt4o", limit, 0))

            async with anyio.create_task_group() as group:
                for state in states:
                    group.start_soon(reserve, state)
    finally:
        for state in states:
            await state.aclose()
    assert sorted(delays) == [0, 0, 0, 0, 60, 60, 60, 60, 120]


async def test_a_429_in_redis_pauses_every_client(redis_url: str) -> None:
    now = 10.0
    first = RedisState.from_url(redis_url, namespace="pause-test", clock=lambda: now)
    second = RedisState.from_url(redis_url, namespace="pause-test", clock=lambda: now)
    try:
        await first.slow_down("gpt4o", 7.5)
        assert await second.reserve("gpt4o", RateLimit(), 0) == pytest.approx(7.5)
        assert (await second.breaker_acquire("gpt4o", BreakerSettings())).paused == pytest.approx(7.5)
        assert await second.reserve("claudesonnet45", RateLimit(), 0) == 0
    finally:
        await first.aclose()
        await second.aclose()


async def test_an_unreachable_redis_fails_the_run_with_a_shared_state_error() -> None:
    model = ScriptedModel([reply("never asked")])
    client = ArgoMCPClient(
        http_client=model.http_client(), model="scripted", shared_state=f"redis://127.0.0.1:{free_port()}/0"
    )
    async with client:
        with pytest.raises(SharedStateError, match="shared state in Redis failed") as caught:
            await client.run("hello")
    assert caught.value.history == [{"role": "user", "content": "hello"}]
    assert model.requests == []

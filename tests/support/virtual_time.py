"""Simulated time for pacing tests: sleeps end in order of their deadlines, as soon as nothing else can run.

``clock()`` reads the simulated time; ``sleep(seconds)`` parks the caller until the
simulated time reaches its deadline. ``drive()`` (run it in a task group) moves the
time to the earliest deadline whenever every other task is blocked, so a test of
waits measured in minutes takes milliseconds and never depends on the machine's speed.
Only for code that does no real I/O while it waits (a scripted model, no servers).
"""

from __future__ import annotations

import heapq
import itertools

import anyio
import anyio.lowlevel


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, anyio.Event]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await anyio.lowlevel.checkpoint()
            return
        woken = anyio.Event()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), woken))
        await woken.wait()

    async def drive(self) -> None:
        """Forever: when all other tasks are blocked, jump to the next deadline and wake its sleepers."""
        while True:
            await anyio.wait_all_tasks_blocked()
            if not self._sleepers:
                await anyio.sleep(0.001)  # nothing scheduled: the tasks wait on something real
                continue
            deadline = self._sleepers[0][0]
            self.now = max(self.now, deadline)
            while self._sleepers and self._sleepers[0][0] <= self.now:
                heapq.heappop(self._sleepers)[2].set()

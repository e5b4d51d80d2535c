"""Counting this process's descendants, to prove no server outlives its client; starting and stopping them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path


def descendants(pid: int | None = None) -> set[int]:
    """Live (non-zombie) descendant pids of ``pid`` (default: this process), read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid or os.getpid()}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def servers_among(pids: set[int]) -> set[int]:
    """``pids`` without the parent-death guards stdio servers run under on Linux."""
    return {pid for pid in pids if b"PR_SET_PDEATHSIG" not in _cmdline(pid)}


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def stop_process_tree(process: subprocess.Popen[bytes], *, timeout: float, grace: float = 0.0) -> set[int]:
    """Stop ``process`` with SIGTERM (killing it after ``timeout``); return its descendants that outlived it.

    Those still alive ``grace`` seconds after it ended are killed, and returned for the caller to fail on.
    """
    children = descendants(process.pid)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    deadline = time.monotonic() + grace
    left = {pid for pid in children if alive(pid)}
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = {pid for pid in left if alive(pid)}
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def environment_without_argo(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without ``ARGO_*`` variables (plus ``extra``), so a child
    runs on its own defaults whatever the developer has set."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ARGO_")} | (extra or {})

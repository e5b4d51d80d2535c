"""Stdio servers die with the client, even when the client is killed.

A stdio server runs in a process group of its own (so that closing it can end
everything it started). The flip side is that nothing ends it when the client
is SIGKILLed or a notebook kernel is restarted: the server keeps running,
orphaned. On Linux each server is therefore started under a guard: a tiny
Python process (no site packages, a few milliseconds to start) that asks the
kernel for a signal when its parent dies (``PR_SET_PDEATHSIG``), starts the
server in its own process group, and waits for it. When the parent dies it
sends SIGTERM to the group, then SIGKILL two seconds later. Otherwise it only
waits, and exits with the server's status, so the client sees the server's exit.

Elsewhere (macOS, Windows) there is no parent-death signal: a server that does
not exit when its stdin closes outlives a killed client there.

The parent-death signal is tied to the thread that started the process; the
client starts servers from its event loop's thread, which lives as long as the
client.
"""

from __future__ import annotations

import os
import sys

__all__ = ["guard_enabled", "guarded_command"]

_GUARD = r"""
import ctypes, os, signal, sys, time
class Orphaned(Exception):
    pass
def orphaned(signum, frame):
    raise Orphaned
signal.signal(signal.SIGUSR2, orphaned)
ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGUSR2))  # PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv[1]):
    os._exit(70)  # the parent died before the guard was in place
try:
    child = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
except OSError as exc:
    os.write(2, ("cannot start %s: %s\n" % (sys.argv[2], exc)).encode())
    os._exit(127)
# The client's SIGTERM to the group is for the server; the guard waits for it.
signal.signal(signal.SIGTERM, lambda signum, frame: None)
signal.signal(signal.SIGINT, lambda signum, frame: None)
status = None
while status is None:
    try:
        status = os.waitpid(child, 0)[1]
    except Orphaned:
        os.killpg(0, signal.SIGTERM)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if os.waitpid(child, os.WNOHANG)[0]:
                break
            time.sleep(0.05)
        os.killpg(0, signal.SIGKILL)
    except ChildProcessError:
        os._exit(0)
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


def guard_enabled() -> bool:
    """Whether servers are started under the parent-death guard here (Linux, unless turned off)."""
    return sys.platform.startswith("linux") and os.environ.get("ARGO_MCP_NO_ORPHAN_GUARD", "") != "1"


def guarded_command(argv: list[str]) -> list[str]:
    """``argv`` (an absolute executable first) run under the guard where there is one."""
    if not guard_enabled():
        return argv
    return [sys.executable, "-S", "-I", "-c", _GUARD, str(os.getpid()), *argv]

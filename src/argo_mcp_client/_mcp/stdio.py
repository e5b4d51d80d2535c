"""The stdio transport: a server as a subprocess, JSON-RPC over its stdin and stdout.

The SDK's own stdio transport hides the process, so this one keeps what a
long-lived client needs to know about it, in a :class:`StdioWatch`:

* the exit, noticed when it happens (stdout ends), with the exit status;
* the last lines of stderr, which is pumped through this process to any text
  stream (``io.StringIO``, a redirected ``sys.stderr``), not handed over as a
  file descriptor;
* the stdout lines that were not JSON-RPC, quoted once instead of logged each;
* which ``tools/call`` requests were written to the process, so a call that
  never reached it is known not to have run.

On Linux the server is started under a small guard that ends its process
group when this process dies (see :mod:`argo_mcp_client._mcp.orphans`).
Shutdown follows the MCP lifecycle: close stdin, wait, then SIGTERM and SIGKILL
to the whole process group, every wait bounded and shielded from cancellation.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import shutil
import signal
import sys
from collections import Counter, deque
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import anyio
import mcp.types as mcp_types
from mcp.client.stdio import get_default_environment
from mcp.shared.message import SessionMessage

from argo_mcp_client._mcp.orphans import guarded_command

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from anyio.abc import Process
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from argo_mcp_client.config import StdioServer

logger = logging.getLogger("argo_mcp_client")

_STDERR_TAIL = 20
_JUNK_KEPT = 3
_JUNK_BEFORE_GIVING_UP = 50
"""Non-JSON-RPC stdout lines before the first message, after which the start is given up."""
_EXIT_GRACE = 2.0
_TERM_GRACE = 2.0
_POLL = 0.02


def call_key(tool: str, arguments: Any) -> str:
    """A call's identity for telling whether it reached a server: its tool and arguments."""
    import json

    return json.dumps([tool, arguments or {}], sort_keys=True, default=str)


@dataclass(slots=True)
class StdioWatch:
    """What the transport learned about one server process."""

    pid: int | None = None
    returncode: int | None = None
    stderr_tail: deque[str] = field(default_factory=lambda: deque(maxlen=_STDERR_TAIL))
    junk: list[str] = field(default_factory=list)
    """The first stdout lines that were not JSON-RPC."""
    junk_count: int = 0
    messages: int = 0
    """JSON-RPC messages read from stdout."""
    delivered: Counter[str] = field(default_factory=Counter)
    """``tools/call`` requests written to the process, by :func:`call_key`."""
    exited: anyio.Event = field(default_factory=anyio.Event)

    def describe_exit(self) -> str:
        """The exit status and last stderr lines, for an error message."""
        parts = []
        if self.returncode is not None:
            code = self.returncode
            parts.append(
                f"it exited with status {code}"
                if code >= 0 and code < 128
                else f"it was killed by signal {_signal_name(abs(code) if code < 0 else code - 128)}"
            )
        if self.junk:
            parts.append(f"it printed to stdout what is not JSON-RPC: {self.junk[0]!r}")
        if self.stderr_tail:
            parts.append("its last stderr lines:\n    " + "\n    ".join(self.stderr_tail))
        return "; ".join(parts)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


@asynccontextmanager
async def stdio_transport(
    spec: StdioServer,
    watch: StdioWatch,
    *,
    errlog: TextIO | None = None,
    on_exit: Callable[[], None] | None = None,
) -> AsyncIterator[
    tuple[MemoryObjectReceiveStream[SessionMessage | Exception], MemoryObjectSendStream[SessionMessage]]
]:
    """Start ``spec``'s command and yield the session's (read, write) streams."""
    env = get_default_environment() | dict(spec.env)
    executable = shutil.which(spec.command, path=env.get("PATH"))
    if executable is None:
        raise FileNotFoundError(2, "command not found", spec.command)
    command = guarded_command([executable, *spec.args])
    process = await anyio.open_process(command, env=env, cwd=spec.cwd, start_new_session=True, stderr=-1)
    watch.pid = process.pid
    read_writer, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, write_reader = anyio.create_memory_object_stream[SessionMessage](0)

    async def read_stdout() -> None:
        assert process.stdout is not None
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        buffer = ""
        async with read_writer:
            with contextlib.suppress(anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
                async for chunk in process.stdout:
                    lines = (buffer + decoder.decode(chunk)).split("\n")
                    buffer = lines.pop()
                    for line in lines:
                        if not await _deliver(line):
                            return
            # stdout ended: the process is gone or going. Wait for its status,
            # then let the session (and whoever watches) know.
            await _wait_exit(process, 1.0)
            watch.returncode = process.returncode
            watch.exited.set()
            if on_exit is not None:
                on_exit()

    async def _deliver(line: str) -> bool:
        if not line.strip():
            return True
        try:
            message = mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False)
        except ValueError:
            watch.junk_count += 1
            if len(watch.junk) < _JUNK_KEPT:
                watch.junk.append(line[:200])
            if watch.junk_count == 1:
                logger.warning(
                    "MCP server %r printed to stdout what is not JSON-RPC (ignored): %r",
                    spec.name,
                    line[:200],
                )
            # A server that talks only junk will never finish its handshake: stop waiting.
            return not (watch.messages == 0 and watch.junk_count >= _JUNK_BEFORE_GIVING_UP)
        watch.messages += 1
        await read_writer.send(SessionMessage(message))
        return True

    async def write_stdin() -> None:
        assert process.stdin is not None
        async with write_reader:
            async for session_message in write_reader:
                message = session_message.message
                data = message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                try:
                    await process.stdin.send(data.encode())
                except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                    # The process is gone; nothing after this reaches it.
                    await read_writer.aclose()
                    return
                if isinstance(message, mcp_types.JSONRPCRequest) and message.method == "tools/call":
                    params = message.params or {}
                    watch.delivered[call_key(str(params.get("name")), params.get("arguments"))] += 1

    async def pump_stderr() -> None:
        assert process.stderr is not None
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        partial = ""
        with contextlib.suppress(anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            async for chunk in process.stderr:
                text = decoder.decode(chunk)
                _write_err(errlog, text)
                lines = (partial + text).split("\n")
                partial = lines.pop()
                watch.stderr_tail.extend(line for line in lines if line.strip())
        if partial.strip():
            watch.stderr_tail.append(partial)

    async with anyio.create_task_group() as group:
        group.start_soon(read_stdout, name=f"mcp-stdout:{spec.name}")
        group.start_soon(write_stdin, name=f"mcp-stdin:{spec.name}")
        group.start_soon(pump_stderr, name=f"mcp-stderr:{spec.name}")
        try:
            yield read_stream, write_stream
        finally:
            with anyio.CancelScope(shield=True):
                await _stop(process)
                watch.returncode = process.returncode
                watch.exited.set()
                await write_stream.aclose()
                await read_stream.aclose()
                with contextlib.suppress(Exception):
                    await process.aclose()
            group.cancel_scope.cancel()


def _write_err(target: TextIO | None, text: str) -> None:
    stream = target if target is not None else sys.stderr
    if stream is None:  # pythonw and friends
        return
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # closed or broken: the tail keeps the lines anyway
        pass


async def _wait_exit(process: Process, seconds: float) -> bool:
    """Whether the process exited within ``seconds``; polls, since ``wait()`` also waits for pipe EOF."""
    with anyio.move_on_after(seconds):
        while process.returncode is None:  # noqa: ASYNC110 - a process exit has no event to wait on
            await anyio.sleep(_POLL)
    return process.returncode is not None


async def _stop(process: Process) -> None:
    """Close stdin, wait, then SIGTERM and SIGKILL the process group; every wait bounded."""
    if process.stdin is not None:
        with contextlib.suppress(Exception):
            await process.stdin.aclose()
    if await _wait_exit(process, _EXIT_GRACE):
        _kill_group(process.pid, signal.SIGKILL)  # anything it left behind in its group
        return
    _kill_group(process.pid, signal.SIGTERM)
    if await _wait_exit(process, _TERM_GRACE):
        _kill_group(process.pid, signal.SIGKILL)
        return
    _kill_group(process.pid, signal.SIGKILL)
    if not await _wait_exit(process, _TERM_GRACE):
        logger.warning("MCP server process %d survived SIGKILL; abandoning it", process.pid)


def _kill_group(pid: int, sig: signal.Signals) -> None:
    if sys.platform == "win32":  # pragma: no cover - no process groups there
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)

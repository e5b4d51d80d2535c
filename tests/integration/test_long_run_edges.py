"""Servers in the long run, the edges: start failures, stderr, large results, progress, orphans."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from argo_mcp_client import ArgoMCPClient, ServerStartError, StdioServer
from argo_mcp_client._mcp.orphans import guard_enabled
from argo_mcp_client.testing import ScriptedModel, call, reply
from integration.conftest import SERVERS
from support.long_run import HttpProcess, ledger_stdio
from support.processes import alive
from support.reference_servers import everything_spec


def client_for(model: ScriptedModel, *servers: Any, **options: Any) -> ArgoMCPClient:
    return ArgoMCPClient(servers=list(servers), openai_client=model.openai_client(), model="gpt4o", **options)


def raw_server(name: str, *flags: str, **options: Any) -> StdioServer:
    return StdioServer(
        name=name, command=sys.executable, args=(str(SERVERS / "raw_server.py"), *flags), **options
    )


async def wait_until(condition: Callable[[], bool]) -> None:
    """Wait for something another process does (callers bound it with ``anyio.fail_after``)."""
    while not condition():  # noqa: ASYNC110 - a file another process writes has no event
        await anyio.sleep(0.05)


# -- item 5: start failures are easy to read --------------------------------------------------


async def test_item5_a_server_printing_junk_on_stdout_fails_fast_quoting_the_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with anyio.fail_after(30), pytest.raises(ServerStartError) as caught:
        async with client_for(ScriptedModel([]), raw_server("noisy", "--junk", connect_timeout=20)):
            pass

    message = str(caught.value)
    assert "'Loading plugin 0...'" in message
    assert "raw_server: starting up, please wait" in message  # its stderr
    assert len([r for r in caplog.records if r.exc_info]) == 0  # no tracebacks per line
    assert len(caplog.records) < 10


async def test_item5_a_server_that_exits_at_once_gives_its_status_and_stderr() -> None:
    faulty = StdioServer(
        name="quitter", command=sys.executable, args=(str(SERVERS / "faulty_server.py"), "--exit-at-start")
    )
    with anyio.fail_after(30), pytest.raises(ServerStartError) as caught:
        async with client_for(ScriptedModel([]), faulty):
            pass

    assert "exited with status 3" in str(caught.value)
    assert "faulty_server: exiting on request" in str(caught.value)


# -- item 6: server_errlog takes any text stream ---------------------------------------------


async def test_item6_server_stderr_goes_to_a_string_io() -> None:
    errlog = io.StringIO()
    with anyio.fail_after(60):
        async with client_for(ScriptedModel([]), everything_spec(), server_errlog=errlog) as client:
            assert client.servers["everything"].alive

    assert "Starting default (STDIO) server" in errlog.getvalue()


async def test_item6_a_redirected_sys_stderr_works_as_the_default() -> None:
    captured = io.StringIO()
    with anyio.fail_after(60), contextlib.redirect_stderr(captured):
        async with client_for(ScriptedModel([]), everything_spec()) as client:
            assert client.servers["everything"].alive

    assert "Starting default (STDIO) server" in captured.getvalue()


# -- item 7: large results over HTTP in legacy mode ------------------------------------------


async def test_item7_a_large_result_over_legacy_http_arrives_whole(ledger_over_http: HttpProcess) -> None:
    model = ScriptedModel([call("big", {"size": 600_000}), reply("big")])
    server = ledger_over_http.spec("ledger", protocol="legacy")
    with anyio.fail_after(60):
        # Kept out of artifacts, so the record's output is what came over the wire.
        async with client_for(model, server, max_tool_output=1_000_000, artifacts=False) as client:
            result = await client.run("big")

    record = result.tool_calls[0]
    assert not record.is_error, record.output[:300]
    assert record.output == "x" * 600_000


async def test_item7_an_oversize_result_is_a_tool_error_naming_the_limit(
    ledger_over_http: HttpProcess,
) -> None:
    model = ScriptedModel(
        [call("big", {"size": 200_000}), reply("too big"), call("big", {"size": 10}), reply("small")]
    )
    server = ledger_over_http.spec("ledger", protocol="legacy", max_message_bytes=100_000)
    with anyio.fail_after(60):
        async with client_for(model, server) as client:
            first = await client.run("big")
            second = await client.run("small")
            status = client.servers["ledger"]

    assert first.tool_calls[0].is_error
    assert "larger than the 100,000 byte limit" in first.tool_calls[0].output
    assert "max_message_bytes" in first.tool_calls[0].output
    assert second.tool_calls[0].output == "x" * 10
    assert status.alive
    assert status.restarts == 0


# -- item 8: progress keeps a call alive; a timeout tells the server --------------------------


async def test_item8_progress_keeps_a_call_alive_past_the_tool_timeout(ledger: Path) -> None:
    model = ScriptedModel([call("ticking", {"seconds": 2.0, "token": "t"}), reply("ticked")])
    with anyio.fail_after(60):
        async with client_for(model, ledger_stdio(ledger), tool_timeout=0.8) as client:
            result = await client.run("tick")

    assert result.tool_calls[0].output == "ticked 10", result.tool_calls[0].output


async def test_item8_a_silent_call_times_out_and_the_server_hears_it_was_cancelled(ledger: Path) -> None:
    model = ScriptedModel([call("silent", {"seconds": 30, "token": "s"}), reply("gave up")])
    with anyio.fail_after(60):
        async with client_for(model, ledger_stdio(ledger), tool_timeout=0.5) as client:
            result = await client.run("wait")
            await wait_until(lambda: ledger.exists() and "cancelled s" in ledger.read_text())

    assert "gave no result within 0.5 s" in result.tool_calls[0].output


# -- item 3: servers do not outlive a killed client -------------------------------------------

_CLIENT = textwrap.dedent(
    """
    import sys, anyio
    from argo_mcp_client import ArgoMCPClient, StdioServer
    from argo_mcp_client.testing import ScriptedModel

    async def main():
        server = StdioServer(name="raw", command=sys.executable, args=[sys.argv[1], "--linger"])
        async with ArgoMCPClient(servers=[server], openai_client=ScriptedModel([]).openai_client()) as client:
            watch = client._pool.connections["raw"]._life.watch
            print(watch.pid, flush=True)
            await anyio.sleep_forever()

    anyio.run(main)
    """
)


@pytest.mark.skipif(not guard_enabled(), reason="the parent-death guard is Linux-only")
def test_item3_a_stdio_server_dies_with_a_sigkilled_client() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    client = subprocess.Popen(
        [sys.executable, "-c", _CLIENT, str(SERVERS / "raw_server.py")], stdout=subprocess.PIPE, env=env
    )
    try:
        assert client.stdout is not None
        guard = int(client.stdout.readline())
        server = _child_of(guard)
        assert alive(server)
        client.send_signal(signal.SIGKILL)
        client.wait(timeout=10)
        deadline = time.monotonic() + 10
        while (alive(server) or alive(guard)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(server)
        assert not alive(guard)
    finally:
        with contextlib.suppress(ProcessLookupError):
            client.kill()
        client.wait(timeout=10)
        if client.stdout is not None:
            client.stdout.close()


def _child_of(pid: int) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError(f"process {pid} started no server")

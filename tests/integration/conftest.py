"""Fixtures for integration tests: real server subprocesses on this machine."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pytest

from argo_mcp_client import StdioServer
from support.processes import descendants

if TYPE_CHECKING:
    from support.long_run import HttpProcess

SERVERS = Path(__file__).parent / "servers"


def faulty(
    name: str = "faulty", *flags: str, connect_timeout: float = 30.0, env: dict[str, str] | None = None
) -> StdioServer:
    """The faulty test server, started with ``flags``."""
    script = str(SERVERS / "faulty_server.py")
    return StdioServer(
        name=name,
        command=sys.executable,
        args=(script, *flags),
        connect_timeout=connect_timeout,
        env=env or {},
    )


@pytest.fixture
def children_before() -> set[int]:
    """This process's descendants before the test, to compare with after."""
    return descendants()


def free_port() -> int:
    """A loopback port nothing listens on (a closed one, until someone binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Return once ``port`` accepts connections; fail if ``process`` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


@contextmanager
def faulty_http_server(output: IO[str] | int = subprocess.DEVNULL) -> Iterator[str]:
    """The faulty test server serving streamable HTTP on loopback until the block ends; yields its URL."""
    port = free_port()
    script = str(SERVERS / "faulty_server.py")
    process = subprocess.Popen([sys.executable, script, "--http", str(port)], stdout=output, stderr=output)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def http_server_url() -> Iterator[str]:
    """The faulty test server over streamable HTTP, stopped after the test."""
    with faulty_http_server() as url:
        yield url


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """The file a ledger test server appends each side effect to, one line each."""
    return tmp_path / "ledger.txt"


@pytest.fixture
def ledger_over_http(ledger: Path) -> Iterator[HttpProcess]:
    """A FastMCP ledger server over streamable HTTP on 127.0.0.1, killed after the test."""
    # Imported here: support.long_run builds on this module's port helpers.
    from support.long_run import ledger_http

    server = ledger_http(ledger)
    server.start()
    try:
        yield server
    finally:
        server.kill()

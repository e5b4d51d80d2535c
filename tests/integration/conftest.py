"""Fixtures for integration tests: real server subprocesses on this machine."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from argo_mcp_client import StdioServer
from support.processes import descendants

SERVERS = Path(__file__).parent / "servers"


def faulty(name: str = "faulty", *flags: str, connect_timeout: float = 30.0) -> StdioServer:
    """The faulty test server, started with ``flags``."""
    script = str(SERVERS / "faulty_server.py")
    return StdioServer(name=name, command=sys.executable, args=(script, *flags), connect_timeout=connect_timeout)


@pytest.fixture
def children_before() -> set[int]:
    """This process's descendants before the test, to compare with after."""
    return descendants()

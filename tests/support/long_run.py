"""Real servers for the long-run tests, started, killed and started again by the tests.

* :class:`HttpProcess`: a server process serving streamable HTTP on a fixed loopback
  port, so that it can be killed and started again at the same URL (as a restarted
  deployment is).
* server-memory and server-filesystem (npm, pinned), installed once into ``.cache``
  like server-everything (:mod:`support.reference_servers`).
* The ledger server (FastMCP), which writes each side effect to a file the test reads.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from argo_mcp_client import HttpServer, StdioServer
from integration.conftest import SERVERS, free_port, wait_for_port
from support.reference_servers import CACHE, _require, install_everything, npm_install

MEMORY_PACKAGE = "@modelcontextprotocol/server-memory"
FILESYSTEM_PACKAGE = "@modelcontextprotocol/server-filesystem"
NPM_SERVERS_VERSION = "2026.8.31"


class HttpProcess:
    """A server process on a fixed loopback port; :meth:`kill` and :meth:`start` it at will."""

    def __init__(self, argv: list[str], port: int, *, env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self.port = port
        self.url = f"http://127.0.0.1:{port}/mcp"
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, timeout=60)
        self.starts += 1

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def spec(self, name: str, **options: object) -> HttpServer:
        return HttpServer(name=name, url=self.url, **options)  # type: ignore[arg-type]


def everything_http() -> HttpProcess:
    """server-everything over streamable HTTP (it speaks only the handshake: sessions)."""
    entry = install_everything()
    port = free_port()
    return HttpProcess([_require("node"), str(entry), "streamableHttp"], port, env={"PORT": str(port)})


def ledger_http(ledger: Path) -> HttpProcess:
    """The FastMCP ledger server over streamable HTTP."""
    port = free_port()
    script = str(SERVERS / "ledger_server.py")
    return HttpProcess([sys.executable, script, str(ledger), "http", str(port)], port)


def ledger_stdio(ledger: Path, name: str = "ledger") -> StdioServer:
    return StdioServer(
        name=name, command=sys.executable, args=(str(SERVERS / "ledger_server.py"), str(ledger), "stdio")
    )


def _npm_server(package: str) -> Path:
    target = CACHE / f"mcp-{package.rsplit('/', 1)[1]}"
    package_dir = npm_install(target, package, NPM_SERVERS_VERSION, lambda: _require("npm"))
    return package_dir / "dist" / "index.js"


def memory_spec(memory_file: Path, name: str = "memory", **options: object) -> StdioServer:
    """server-memory over stdio, keeping its graph in ``memory_file`` (so it survives restarts)."""
    entry = _npm_server(MEMORY_PACKAGE)
    return StdioServer(
        name=name,
        command=_require("node"),
        args=(str(entry),),
        env={"MEMORY_FILE_PATH": str(memory_file)},
        **options,  # type: ignore[arg-type]
    )


def filesystem_spec(root: Path, name: str = "files") -> StdioServer:
    """server-filesystem over stdio, allowed into ``root``."""
    entry = _npm_server(FILESYSTEM_PACKAGE)
    return StdioServer(name=name, command=_require("node"), args=(str(entry), str(root)))

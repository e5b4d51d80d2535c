"""Serving an ASGI app on a free 127.0.0.1 port, in a thread of the test process.

The simulated gateways and upstreams use it, so subprocesses under test (argo-proxy,
LiteLLM, the tutorials) can reach them over loopback like the real things.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def serve_in_thread(app: Any, *, name: str) -> Iterator[int]:
    """Serve ``app`` until the block ends; yields the port."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        interface="asgi3",  # raw ASGI callables too, which uvicorn would otherwise guess are ASGI 2
        lifespan="off",
        access_log=False,
        log_config=None,
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"{name} failed to start")
            threading.Event().wait(0.01)
        yield int(server.servers[0].sockets[0].getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)

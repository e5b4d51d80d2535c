"""Serving an ASGI app on a free 127.0.0.1 port, in a thread of the test process.

The simulated gateways and upstreams use it, so subprocesses under test (argo-proxy,
LiteLLM, the tutorials) can reach them over loopback like the real things. The
raw ASGI helpers below are what they share for reading requests and answering.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.types import Receive, Send


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


async def read_body(receive: Receive) -> bytes:
    """The whole request body (what arrived before a disconnect)."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        parts.append(bytes(message.get("body", b"")))
        if not message.get("more_body"):
            break
    return b"".join(parts)


async def start_response(send: Send, status: int, headers: dict[str, str]) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    content = json.dumps(body).encode()
    extra = headers or {}
    await start_response(
        send, status, {"content-type": "application/json", "content-length": str(len(content)), **extra}
    )
    await send({"type": "http.response.body", "body": content})

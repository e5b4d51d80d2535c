"""A simulated OpenAI-compatible gateway on 127.0.0.1, answering from a scripted model.

It runs uvicorn in a thread of the test process, so subprocesses (tutorials,
the command line) can reach it over loopback like a real argo-proxy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx2
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from argo_mcp_client.testing import ScriptedModel


@dataclass(frozen=True)
class StubGateway:
    """Where the simulated gateway listens."""

    base_url: str
    model: ScriptedModel


def _app(model: ScriptedModel, model_ids: list[str]) -> Starlette:
    async def models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": m, "object": "model"} for m in model_ids]})

    async def completions(request: Request) -> Response:
        forwarded = httpx2.Request("POST", str(request.url), content=await request.body())
        answer = await model.answer(forwarded)
        return Response(answer.content, status_code=answer.status_code, headers=dict(answer.headers))

    return Starlette(
        routes=[Route("/v1/models", models), Route("/v1/chat/completions", completions, methods=["POST"])]
    )


@contextmanager
def stub_gateway(model: ScriptedModel, model_ids: list[str] | None = None) -> Iterator[StubGateway]:
    """Serve ``model`` on a free loopback port until the block ends."""
    config = uvicorn.Config(
        _app(model, model_ids or ["scripted"]), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="stub-gateway", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the stub gateway failed to start")
            threading.Event().wait(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield StubGateway(base_url=f"http://127.0.0.1:{port}/v1", model=model)
    finally:
        server.should_exit = True
        thread.join(timeout=10)

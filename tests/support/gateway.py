"""A simulated OpenAI-compatible gateway on 127.0.0.1, answering from a scripted model.

It runs uvicorn in a thread of the test process, so subprocesses (tutorials,
the command line) can reach it over loopback like a real argo-proxy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from argo_mcp_client.testing import ScriptedModel
from support.loopback import serve_in_thread


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
    with serve_in_thread(_app(model, model_ids or ["scripted"]), name="stub gateway") as port:
        yield StubGateway(base_url=f"http://127.0.0.1:{port}/v1", model=model)

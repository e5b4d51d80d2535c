"""The Gem-Flux workflow through simulated gateways, shaped as argo-proxy 2.x and argo-bridge reply.

No argo-proxy 2.x or argo-bridge runs: a scripted model decides each reply (build,
gapfill, FBA, then an answer, reading the ids from the tool results), and this
project's own renderers (tests/support/shapes.py) shape it as that gateway would,
streamed or not. The compatibility table labels these rows simulated.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from argo_mcp_client import ArgoMCPClient, StdioServer
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import ScriptedModel, ScriptedReply, ScriptedRequest, call, reply
from support.compat import record_version
from support.fakes import mock_http_client
from support.shapes import FOLLOWS, SHAPES

GEM_FLUX = Path(__file__).parents[2] / "examples" / "argo_llm" / "gem_flux_server.py"
MEDIUM = "glucose_minimal_aerobic"


def workflow(request: ScriptedRequest) -> ScriptedReply:
    done = [
        m for m in request.messages if m["role"] in ("tool", "user") and "tool_result" in str(m["content"])
    ]
    results = [m for m in request.messages if m["role"] == "tool"] or done
    if not results:
        sequences = {"p1": "MKLVINLVGNSGLGKSTF"}
        return ScriptedReply(
            tool_calls=(call("build_model", {"protein_sequences": sequences, "model_name": "ecoli"}),)
        )
    last = str(results[-1]["content"])
    payload = json.loads(last[last.index("{") : last.rindex("}") + 1])
    if len(results) == 1:
        return ScriptedReply(
            tool_calls=(call("gapfill_model", {"model_id": payload["model_id"], "media_id": MEDIUM}),)
        )
    if len(results) == 2:
        return ScriptedReply(
            tool_calls=(call("run_fba", {"model_id": payload["model_id"], "media_id": MEDIUM}),)
        )
    return reply(f"Growth rate: {payload['objective_value']:.3f} per hour.")


def shaped_gateway(shape: str, model: ScriptedModel) -> httpx2.AsyncClient:
    render = SHAPES[shape]

    async def answer(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        whole = httpx2.Request("POST", request.url, json=body | {"stream": False})
        completion: dict[str, Any] = (await model.answer(whole)).json()
        content, media_type = render(completion, bool(body.get("stream")))
        return httpx2.Response(200, headers={"content-type": media_type}, content=content)

    return mock_http_client(answer)


@pytest.mark.parametrize("streaming", [True, False], ids=["streamed", "whole"])
@pytest.mark.parametrize(
    "shape",
    [pytest.param(shape, marks=pytest.mark.compat(f"{shape} (simulated)")) for shape in sorted(SHAPES)],
)
async def test_the_workflow_completes_through_the_shape(shape: str, streaming: bool) -> None:
    record_version(f"{shape} (simulated)", f"none run; shapes of {FOLLOWS[shape]}")
    model = ScriptedModel(workflow)
    server = StdioServer(name="gemflux", command=sys.executable, args=(str(GEM_FLUX),))
    client = ArgoMCPClient(
        servers=[server], http_client=shaped_gateway(shape, model), model="gemini25flash", streaming=streaming
    )

    with anyio.fail_after(120):
        async with client:
            result = await client.run("Build, gapfill and simulate E. coli on glucose.")

    assert [c.tool for c in result.tool_calls] == ["build_model", "gapfill_model", "run_fba"]
    assert not any(c.is_error for c in result.tool_calls)
    assert result.output.startswith("Growth rate: ")
    assert "<tool_call>" not in json.dumps(result.messages)
    check_history(result.messages)

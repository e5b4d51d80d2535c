"""Tutorial scenarios against real models: `pytest -m real_llm`, with argo-proxy (or any
OpenAI-compatible endpoint) at ARGO_BASE_URL. Deselected by default; each test skips, saying
how to start argo-proxy, when the endpoint cannot be reached.

The models come from ARGO_REAL_MODELS (comma-separated; default a GPT, a Claude and a
Gemini alias). Assertions are on the tool calls made and on the history, never on wording.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import httpx2
import pytest

from argo_mcp_client import ArgoMCPClient, ArgoSettings, StdioServer
from argo_mcp_client._history import check_history

pytestmark = pytest.mark.real_llm

GEM_FLUX = Path(__file__).parents[2] / "examples" / "argo_llm" / "gem_flux_server.py"
MODELS = os.environ.get("ARGO_REAL_MODELS", "argo:gpt-4o,argo:claude-4.5-sonnet,argo:gemini-2.5-flash").split(
    ","
)
HOW_TO_START = (
    "start argo-proxy first (pip install argo-proxy; argo-proxy serve config.yaml, with `user:` set to your "
    "ANL user name; it listens on http://localhost:8000/v1), or point ARGO_BASE_URL at another endpoint"
)


@pytest.fixture(scope="module")
def endpoint() -> ArgoSettings:
    settings = ArgoSettings()
    key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
    try:
        response = httpx2.get(
            f"{settings.base_url.rstrip('/')}/models", headers={"Authorization": f"Bearer {key}"}, timeout=5
        )
    except httpx2.HTTPError as exc:
        pytest.skip(f"no model endpoint at {settings.base_url} ({type(exc).__name__}): {HOW_TO_START}")
    if response.status_code != 200:
        pytest.skip(f"{settings.base_url}/models answered HTTP {response.status_code}: {HOW_TO_START}")
    return settings


def gem_flux() -> StdioServer:
    return StdioServer(name="gemflux", command=sys.executable, args=(str(GEM_FLUX),))


@pytest.mark.parametrize("model", MODELS)
async def test_tutorial_01_the_model_builds_a_draft(endpoint: ArgoSettings, model: str) -> None:
    prompt = (
        "Build a draft metabolic model named E_coli_K12 with the GramNegative template from these protein "
        'sequences: {"p1": "MKLVINLVGNSGLGKSTFTQRLIN"}. Then say how many reactions it has.'
    )

    with anyio.fail_after(300):
        async with ArgoMCPClient(servers=[gem_flux()], model=model, settings=endpoint) as client:
            result = await client.run(prompt)

    assert "build_model" in [c.tool for c in result.tool_calls]
    assert any(c.tool == "build_model" and not c.is_error for c in result.tool_calls)
    assert result.output.strip()
    check_history(result.messages)


@pytest.mark.parametrize("model", MODELS)
async def test_the_full_workflow_builds_gapfills_and_simulates(endpoint: ArgoSettings, model: str) -> None:
    prompt = (
        "Using the tools: build a draft model named ecoli from the protein sequences "
        '{"p1": "MKLVINLVGNSGLGKSTFTQRLIN"}, gapfill it on the glucose_minimal_aerobic medium, '
        "then run FBA on the gapfilled model in the same medium and report the growth rate."
    )

    with anyio.fail_after(600):
        async with ArgoMCPClient(
            servers=[gem_flux()], model=model, settings=endpoint, max_turns=12
        ) as client:
            result = await client.run(prompt)

    called = [c.tool for c in result.tool_calls if not c.is_error]
    assert {"build_model", "gapfill_model", "run_fba"} <= set(called)
    assert called.index("build_model") < called.index("gapfill_model") < called.index("run_fba")
    check_history(result.messages)

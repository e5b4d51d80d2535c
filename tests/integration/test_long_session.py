"""A long Gem-Flux session: 30 requests, 5 MB of tool results, a 128 K-token budget, Argo's tools limit.

The scripted model is a simulation; the server computes for real (COBRApy), over stdio.
"""

from __future__ import annotations

import json

import anyio

from argo_mcp_client import ArgoMCPClient, HistoryCompacted
from argo_mcp_client._history import check_history
from argo_mcp_client._models.profiles import ARGO_TOOLS_PAYLOAD_LIMIT
from argo_mcp_client._run.budget import ContextBudget
from argo_mcp_client._run.catalogue import payload_size
from argo_mcp_client.events import Event
from argo_mcp_client.testing import ScriptedModel
from support.gem_flux_long import PROMPT, LongSession, heavy_server
from support.processes import descendants

TOKEN_BUDGET = 128_000


async def test_a_30_request_gem_flux_session_with_5_mb_of_results_fits_every_request() -> None:
    before = descendants()
    session = LongSession()
    model = ScriptedModel(session)
    events: list[Event] = []

    with anyio.fail_after(300):
        async with ArgoMCPClient(
            servers=[heavy_server()],
            openai_client=model.openai_client(),
            model="gpt4o",
            max_turns=40,
            artifact_threshold=100_000,
            streaming=False,
        ) as client:
            async with client.stream(PROMPT) as stream:
                async for event in stream:
                    events.append(event)
            result = stream.result
            assert result is not None
            scans = [c for c in result.tool_calls if c.tool == "scan_uptake"]
            seventh = json.loads(await client.read_artifact(scans[6].artifact or ""))

    # The session ran its course: 30 requests, every tool call answered without error.
    assert len(model.requests) == 30
    assert result.turns == 30
    assert not [c.output[:200] for c in result.tool_calls if c.is_error]
    total = sum(c.artifact.size if c.artifact else len(c.output) for c in result.tool_calls)
    assert total > 5_000_000

    # Every request fit the budget and the gateway's tools limit.
    budget = ContextBudget(context_window=TOKEN_BUDGET, reserve=16_384)
    for request in model.requests:
        assert budget.messages_tokens(request.messages) + budget.tools_tokens(request.tools) < budget.limit
        assert len(json.dumps(request.messages)) // 4 < TOKEN_BUDGET  # the scripted model's own count
        assert payload_size(request.tools) <= ARGO_TOOLS_PAYLOAD_LIMIT
        check_history(request.messages)
    assert any(isinstance(e, HistoryCompacted) for e in events)
    # Descriptions as long as gem-flux-mcp's own (40 KB) come shortened, with the search tool.
    assert "search_tools" in model.requests[0].tool_names

    # The answer quotes data that only the artifact reader showed the model.
    step = seventh["steps"][250]
    growth, pgi = json.dumps(step["growth"]), json.dumps(step["fluxes"]["PGI"])
    assert f"grows at {growth} per hour with PGI carrying {pgi}" in result.output
    fragment = f'"PGI":{pgi}'
    readers = {c.call_id for c in result.tool_calls if c.tool == "read_artifact"}
    for request in model.requests:
        for message in request.messages:
            if message["role"] == "tool" and message["tool_call_id"] not in readers:
                assert fragment not in str(message["content"])

    # The conversation keeps everything; only requests were shortened.
    exports = [m for m in result.messages if m["role"] == "tool" and '"reactions":' in str(m["content"])]
    assert len(exports) == 5
    assert all(len(m["content"]) > 60_000 for m in exports)
    assert descendants() - before == set()

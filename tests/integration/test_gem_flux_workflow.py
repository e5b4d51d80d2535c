"""The Gem-Flux workflow (build, gapfill, FBA) through the client, over stdio, with a scripted model.

The scripted model is a simulation that reads each tool result and picks the
next call from it, as a real model would; the server computes for real.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

from argo_mcp_client import ArgoMCPClient, Conversation, Event, RunResult, StdioServer, ToolProgress
from argo_mcp_client._history import check_history
from argo_mcp_client.config import ProtocolMode
from argo_mcp_client.testing import ScriptedModel, ScriptedReply, ScriptedRequest, call, reply
from support.compat import record_version
from support.processes import descendants

GEM_FLUX = Path(__file__).parents[2] / "examples" / "argo_llm" / "gem_flux_server.py"
MEDIUM = "glucose_minimal_aerobic"
STEP_PREFIXES = ("copying the draft", "ATP stage", "genome-scale stage", "solving FBA for the growth after")

pytestmark = pytest.mark.compat("Gem-Flux stand-in")
record_version("Gem-Flux stand-in", "examples/argo_llm, 11 tools")


def last_result(request: ScriptedRequest) -> dict[str, object]:
    return dict(json.loads(str(request.messages[-1]["content"])))


def workflow(request: ScriptedRequest) -> ScriptedReply:
    """Build a draft, gapfill it with the id the build returned, run FBA on the gapfilled id, report."""
    done = [m for m in request.messages if m["role"] == "tool"]
    if len(done) == 0:
        return ScriptedReply(
            tool_calls=(
                call(
                    "build_model", {"protein_sequences": {"p1": "MKLVINLVGNSGLGKSTF"}, "model_name": "ecoli"}
                ),
            )
        )
    result = last_result(request)
    if len(done) == 1:
        return ScriptedReply(
            tool_calls=(call("gapfill_model", {"model_id": result["model_id"], "media_id": MEDIUM}),)
        )
    if len(done) == 2:
        return ScriptedReply(
            tool_calls=(call("run_fba", {"model_id": result["model_id"], "media_id": MEDIUM}),)
        )
    return reply(f"Growth rate: {result['objective_value']:.3f} per hour.")


async def test_build_gapfill_and_fba_run_through_the_loop() -> None:
    before = descendants()
    model = ScriptedModel(workflow)
    server = StdioServer(name="gemflux", command=sys.executable, args=(str(GEM_FLUX),))
    conversation = Conversation(system_prompt="You are a metabolic modelling assistant.")

    with anyio.fail_after(120):
        async with ArgoMCPClient(
            servers=[server], openai_client=model.openai_client(), model="gpt4o"
        ) as client:
            result = await client.chat(conversation, "Build, gapfill and simulate E. coli on glucose.")

    assert [c.tool for c in result.tool_calls] == ["build_model", "gapfill_model", "run_fba"]
    assert not any(c.is_error for c in result.tool_calls)
    assert result.tool_calls[1].arguments == {"model_id": "ecoli.draft", "media_id": MEDIUM}
    fba = result.tool_calls[2].structured_content
    assert fba["status"] == "optimal"
    assert fba["objective_value"] > 0.1
    assert result.output == f"Growth rate: {fba['objective_value']:.3f} per hour."
    assert result.turns == 4
    check_history(conversation.messages)
    assert descendants() - before == set()


async def gapfill_events(protocol: ProtocolMode) -> tuple[list[Event], RunResult]:
    model = ScriptedModel(workflow)
    server = StdioServer(name="gemflux", command=sys.executable, args=(str(GEM_FLUX),), protocol=protocol)
    events: list[Event] = []
    with anyio.fail_after(120):
        async with (
            ArgoMCPClient(servers=[server], openai_client=model.openai_client(), model="gpt4o") as client,
            client.stream("Build, gapfill and simulate E. coli on glucose.") as stream,
        ):
            async for event in stream:
                events.append(event)
    assert stream.result is not None
    return events, stream.result


async def test_gapfill_model_runs_as_a_task_reporting_its_cobrapy_steps() -> None:
    events, result = await gapfill_events("auto")

    gapfill = result.tool_calls[1]
    assert gapfill.tool == "gapfill_model"
    assert gapfill.task_id is not None
    assert not gapfill.is_error
    assert gapfill.structured_content["model_id"] == "ecoli.draft.gf"
    steps = [e for e in events if isinstance(e, ToolProgress) and e.call_id == gapfill.call_id]
    assert {e.task_id for e in steps} == {gapfill.task_id}
    assert steps[-1].status == "completed"
    # Polled, so which steps are seen depends on timing; the last one is always seen.
    messages = [e.message for e in steps if e.message]
    assert messages
    assert messages[-1].startswith("solving FBA for the growth after gapfilling")
    assert all(m.startswith(STEP_PREFIXES) for m in messages)
    assert result.tool_calls[2].structured_content["status"] == "optimal"


async def test_gapfill_model_reports_its_steps_as_progress_on_a_plain_call() -> None:
    events, result = await gapfill_events("legacy")

    gapfill = result.tool_calls[1]
    assert gapfill.task_id is None
    steps = [e for e in events if isinstance(e, ToolProgress) and e.call_id == gapfill.call_id]
    assert [(e.progress, e.total) for e in steps] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert "genome-scale stage" in (steps[2].message or "")

"""The simulated model's choices, from requests alone (no servers, no HTTP)."""

from __future__ import annotations

import json
from typing import Any

from argo_mcp_client.simulation import SAMPLE_SEQUENCES, respond
from argo_mcp_client.testing import ScriptedReply, ScriptedRequest

GEM_FLUX_TOOLS = ["build_model", "gapfill_model", "run_fba", "list_media", "delete_model"]
REQUIRED = {"gapfill_model": ["model_id", "media_id"], "run_fba": ["model_id", "media_id"]}


def _tool(name: str) -> dict[str, Any]:
    required = REQUIRED.get(name, ["model_id"] if name == "delete_model" else [])
    properties = {key: {"type": "string"} for key in required}
    return {
        "type": "function",
        "function": {
            "name": name,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


def _request(messages: list[dict[str, Any]], tools: list[str] = GEM_FLUX_TOOLS) -> ScriptedRequest:
    return ScriptedRequest(
        body={"model": "simulated", "messages": messages, "tools": [_tool(t) for t in tools]}
    )


def _called(answer: ScriptedReply) -> tuple[str, dict[str, Any]]:
    [call] = answer.tool_calls
    return call.name, json.loads(call.arguments)


def _with_result(messages: list[dict[str, Any]], answer: ScriptedReply, result: dict[str, Any]) -> None:
    """Add the assistant's tool call and the tool's result, as the client would."""
    [call] = answer.tool_calls
    tool_call = {
        "id": f"c{len(messages)}",
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }
    messages.append({"role": "assistant", "content": None, "tool_calls": [tool_call]})
    messages.append({"role": "tool", "tool_call_id": tool_call["id"], "content": json.dumps(result)})


BUILT = {"success": True, "model_id": "E_coli_K12.draft", "num_reactions": 88, "num_metabolites": 72,
         "template_used": "GramNegative"}  # fmt: skip
GAPFILLED = {"success": True, "model_id": "E_coli_K12.draft.gf", "original_model_id": "E_coli_K12.draft",
             "media_id": "glucose_minimal_aerobic", "num_reactions_added": 1, "growth_rate_before": 0.0,
             "growth_rate_after": 0.87, "genomescale_gapfill": {
                 "new_reactions": [{"id": "CS", "name": "citrate synthase"}]}}  # fmt: skip
FBA = {"success": True, "model_id": "E_coli_K12.draft.gf", "media_id": "glucose_minimal_aerobic",
       "status": "optimal", "objective_value": 0.8657}  # fmt: skip


def test_a_plain_request_goes_through_build_gapfill_and_fba_with_ids_from_earlier_results() -> None:
    prompt = (
        "Build a draft model of E. coli K-12 from MKLVINLVGNSGLGKSTFTQRLIN and MKQHKAMIVALERFRKEKRDAALL, "
        "gapfill it on glucose minimal medium and run FBA: what is the growth rate?"
    )
    messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]

    build = respond(_request(messages))
    _with_result(messages, build, BUILT)
    gapfill = respond(_request(messages))
    _with_result(messages, gapfill, GAPFILLED)
    fba = respond(_request(messages))
    _with_result(messages, fba, FBA)
    answer = respond(_request(messages))

    assert _called(build) == (
        "build_model",
        {
            "protein_sequences": {
                "prot_001": "MKLVINLVGNSGLGKSTFTQRLIN",
                "prot_002": "MKQHKAMIVALERFRKEKRDAALL",
            },
            "template": "GramNegative",
            "model_name": "E_coli_K12",
        },
    )
    assert _called(gapfill) == (
        "gapfill_model",
        {"model_id": "E_coli_K12.draft", "media_id": "glucose_minimal_aerobic"},
    )
    assert _called(fba) == (
        "run_fba",
        {"model_id": "E_coli_K12.draft.gf", "media_id": "glucose_minimal_aerobic"},
    )
    assert answer.text is not None
    assert answer.text.startswith("(simulated) Built the draft E_coli_K12.draft: 88 reactions")
    assert "added 1 reactions: CS (citrate synthase)" in answer.text
    assert answer.text.endswith("the growth rate is 0.866 per hour.")


def test_build_without_sequences_uses_the_sample_ones_and_names_the_template_asked_for() -> None:
    answer = respond(_request([{"role": "user", "content": "Build a gram-positive draft model named Bsub"}]))

    assert _called(answer) == (
        "build_model",
        {"protein_sequences": SAMPLE_SEQUENCES, "template": "GramPositive", "model_name": "Bsub"},
    )


def test_the_medium_named_in_the_message_is_used() -> None:
    messages = [{"role": "user", "content": "Gapfill E_coli.draft on pyruvate, anaerobic"}]

    assert _called(respond(_request(messages))) == (
        "gapfill_model",
        {"model_id": "E_coli.draft", "media_id": "pyruvate_minimal_anaerobic"},
    )


def test_a_failed_step_stops_the_workflow_and_is_reported() -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Gapfill E_coli.draft and run FBA"}]
    gapfill = respond(_request(messages))
    _with_result(messages, gapfill, {"success": False, "message": "Model 'E_coli.draft' not found"})

    answer = respond(_request(messages))

    assert answer.tool_calls == ()
    assert answer.text == "(simulated) gapfill_model failed: Model 'E_coli.draft' not found"


def test_a_question_about_work_done_is_answered_from_the_conversation() -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Run FBA on E_coli_K12.draft.gf"}]
    _with_result(messages, respond(_request(messages)), FBA)
    messages.append({"role": "assistant", "content": "done"})
    messages.append({"role": "user", "content": "What growth rate did FBA predict?"})

    answer = respond(_request(messages))

    assert answer.text == (
        "(simulated) FBA of E_coli_K12.draft.gf on glucose_minimal_aerobic is optimal: "
        "the growth rate is 0.866 per hour."
    )


def test_a_message_naming_a_tool_calls_it_with_arguments_from_the_rest() -> None:
    answer = respond(_request([{"role": "user", "content": "delete_model E_coli.draft.gf please"}]))

    assert _called(answer) == ("delete_model", {"model_id": "E_coli.draft.gf"})


def test_a_message_it_cannot_act_on_gets_a_reply_saying_it_is_a_simulation() -> None:
    answer = respond(_request([{"role": "user", "content": "hello"}], tools=["echo"]))

    assert answer.text is not None
    assert answer.text.startswith("(simulated) I am a simulated model, not an LLM.")
    assert "the tools are: echo" in answer.text

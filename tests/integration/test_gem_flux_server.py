"""The Gem-Flux stand-in itself, over real stdio through the bare MCP SDK: Gem-Flux's tools and result shapes.

These tests check the example server, not the client, so the compatibility table
does not count them (test_gem_flux_workflow.py runs the client against it).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "examples" / "argo_llm" / "gem_flux_server.py"
INPUT_SCHEMAS = json.loads((ROOT / "tests" / "fixtures" / "gem_flux_input_schemas.json").read_text())

# A cold start imports COBRApy (about 1.5 s) and parses the bundled models; leave slack for CI.
TIMEOUT = 60

GLUCOSE_MEDIUM = {
    "compounds": ["cpd00027", "cpd00007", "cpd00001", "cpd00009", "cpd00013"],
    "default_uptake": 100.0,
    "custom_bounds": {"cpd00027": [-10, 100]},
}
PROTEINS = {
    "protein_sequences": {"prot_001": "MKLVINLVGNSGLGKSTFTQRLIN", "prot_002": "MKQHKAMIVALERFRKEKRDAALL"},
    "template": "GramNegative",
    "model_name": "E_coli_K12",
}

BUILD_MEDIA_KEYS = {
    "success", "media_id", "compounds", "num_compounds", "media_type", "default_uptake_rate",
    "custom_bounds_applied", "next_steps",
}  # fmt: skip
BUILD_MODEL_KEYS = {
    "success", "model_id", "model_name", "annotated_with_rast", "num_reactions", "num_metabolites",
    "num_genes", "num_exchange_reactions", "template_used", "has_biomass_reaction", "biomass_reaction_id",
    "compartments", "has_atpm", "atpm_reaction_id", "statistics", "model_properties", "interpretation",
    "next_steps", "atp_correction",
}  # fmt: skip
GAPFILL_KEYS = {
    "success", "model_id", "original_model_id", "media_id", "growth_rate_before", "growth_rate_after",
    "target_growth_rate", "gapfilling_successful", "num_reactions_added", "pathway_summary", "interpretation",
    "next_steps", "atp_correction", "genomescale_gapfill", "model_properties",
}  # fmt: skip
RUN_FBA_KEYS = {
    "success", "model_id", "media_id", "objective_reaction", "objective_value", "status", "solver_status",
    "interpretation", "next_steps", "active_reactions", "total_reactions", "total_flux", "fluxes",
    "uptake_fluxes", "secretion_fluxes", "summary", "top_fluxes",
}  # fmt: skip
ERROR_KEYS = {
    "success", "error_type", "error_code", "jsonrpc_error_code", "message", "details", "suggestions",
    "tool_name", "timestamp",
}  # fmt: skip


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    """The reference server as a stdio subprocess, exactly as an MCP host would start it."""
    with anyio.fail_after(TIMEOUT):
        async with Client(StdioServerParameters(command=sys.executable, args=[str(SERVER)])) as connected:
            yield connected


async def structured(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call a tool that must succeed at the MCP level and return its structured result."""
    with anyio.fail_after(TIMEOUT):
        result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    content: dict[str, Any] | None = result.structured_content
    assert content is not None
    return content


@pytest.fixture
async def media_id(client: Client) -> str:
    return str((await structured(client, "build_media", GLUCOSE_MEDIUM))["media_id"])


@pytest.fixture
async def draft(client: Client) -> dict[str, Any]:
    return await structured(client, "build_model", PROTEINS)


@pytest.fixture
async def gapfilled(client: Client, draft: dict[str, Any], media_id: str) -> dict[str, Any]:
    return await structured(client, "gapfill_model", {"model_id": draft["model_id"], "media_id": media_id})


async def test_the_eleven_tools_have_gem_flux_input_schemas(client: Client) -> None:
    tools = (await client.list_tools()).tools

    assert {tool.name: tool.input_schema for tool in tools} == INPUT_SCHEMAS


async def test_every_tool_returns_an_open_object(client: Client) -> None:
    tools = (await client.list_tools()).tools

    assert {tool.output_schema["type"] for tool in tools if tool.output_schema} == {"object"}
    assert all(tool.output_schema == {"type": "object", "additionalProperties": True} for tool in tools)


async def test_build_media_describes_the_new_medium(client: Client) -> None:
    media = await structured(client, "build_media", GLUCOSE_MEDIUM)

    assert set(media) == BUILD_MEDIA_KEYS
    assert media["media_id"].startswith("media_")
    assert media["compounds"][0] == {
        "id": "cpd00027",
        "name": "D-Glucose",
        "formula": "C6H12O6",
        "bounds": [-10, 100],
    }
    assert (media["num_compounds"], media["media_type"], media["custom_bounds_applied"]) == (5, "minimal", 1)


async def test_build_model_stores_a_draft_that_cannot_grow(draft: dict[str, Any]) -> None:
    assert set(draft) == BUILD_MODEL_KEYS
    assert draft["model_id"] == "E_coli_K12.draft"
    assert (draft["biomass_reaction_id"], draft["atpm_reaction_id"], draft["compartments"]) == (
        "bio1",
        "ATPM_c0",
        ["c0", "e0"],
    )
    assert draft["model_properties"] == {
        "is_draft": True,
        "requires_gapfilling": True,
        "estimated_growth_without_gapfilling": 0.0,
    }


async def test_gapfilling_makes_the_draft_grow(gapfilled: dict[str, Any], media_id: str) -> None:
    assert set(gapfilled) == GAPFILL_KEYS
    assert (gapfilled["model_id"], gapfilled["original_model_id"], gapfilled["media_id"]) == (
        "E_coli_K12.draft.gf",
        "E_coli_K12.draft",
        media_id,
    )
    assert gapfilled["growth_rate_before"] == 0
    assert gapfilled["growth_rate_after"] > 0
    assert gapfilled["gapfilling_successful"] is True
    assert gapfilled["num_reactions_added"] == len(gapfilled["genomescale_gapfill"]["new_reactions"]) > 0


async def test_run_fba_on_the_gapfilled_model_reports_growth_and_fluxes(
    client: Client, gapfilled: dict[str, Any], media_id: str
) -> None:
    fba = await structured(client, "run_fba", {"model_id": gapfilled["model_id"], "media_id": media_id})

    assert set(fba) == RUN_FBA_KEYS
    assert (fba["status"], fba["objective_reaction"]) == ("optimal", "bio1")
    assert fba["objective_value"] == pytest.approx(gapfilled["growth_rate_after"])
    assert fba["interpretation"]["metabolism_type"] == "Aerobic respiration"
    assert fba["interpretation"]["carbon_source"] == "cpd00027"
    glucose = next(entry for entry in fba["uptake_fluxes"] if entry["compound_id"] == "cpd00027")
    assert glucose == {
        "compound_id": "cpd00027",
        "compound_name": "D-Glucose",
        "flux": -10.0,
        "reaction_id": "EX_cpd00027_e0",
    }
    assert set(fba["top_fluxes"][0]) == {"reaction_id", "reaction_name", "flux", "direction"}


async def test_run_fba_on_a_predefined_medium_works_for_the_draft(
    client: Client, draft: dict[str, Any]
) -> None:
    fba = await structured(
        client, "run_fba", {"model_id": draft["model_id"], "media_id": "glucose_minimal_aerobic"}
    )

    assert (fba["success"], fba["status"], fba["objective_value"]) == (True, "optimal", 0.0)


async def test_results_are_structured_content_and_the_same_json_text(client: Client) -> None:
    with anyio.fail_after(TIMEOUT):
        result: CallToolResult = await client.call_tool("list_media", {})

    assert result.content[0].type == "text"
    assert json.loads(result.content[0].text) == result.structured_content


async def test_run_fba_on_an_unknown_model_returns_the_error_dict(client: Client) -> None:
    error = await structured(
        client, "run_fba", {"model_id": "missing.draft", "media_id": "glucose_minimal_aerobic"}
    )

    assert set(error) == ERROR_KEYS
    assert (error["success"], error["error_type"], error["error_code"], error["jsonrpc_error_code"]) == (
        False,
        "not_found_error",
        "MODEL_NOT_FOUND",
        -32001,
    )
    assert error["message"] == "Model 'missing.draft' not found in current session"
    assert error["details"] == {"requested_id": "missing.draft", "available_models": [], "num_available": 0}
    assert error["tool_name"] == "run_fba"


async def test_delete_model_of_an_unknown_model_returns_the_error_dict(client: Client) -> None:
    error = await structured(client, "delete_model", {"model_id": "missing.draft"})

    assert error == {
        "success": False,
        "error_type": "ModelNotFound",
        "message": "Model 'missing.draft' not found in session",
        "details": {"model_id": "missing.draft", "available_models": []},
        "suggestion": "Use list_models tool to see available models.",
    }


async def test_an_invalid_gapfill_mode_is_a_tool_error(client: Client, draft: dict[str, Any]) -> None:
    arguments = {
        "model_id": draft["model_id"],
        "media_id": "glucose_minimal_aerobic",
        "gapfill_mode": "genome",
    }

    with anyio.fail_after(TIMEOUT):
        result = await client.call_tool("gapfill_model", arguments)

    assert result.is_error
    assert result.content[0].type == "text"
    assert result.content[0].text.startswith(
        "Error calling tool 'gapfill_model': Invalid gapfill_mode 'genome'"
    )


async def test_create_server_serves_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))  # loading the entry script extends sys.path
    spec = importlib.util.spec_from_file_location("gem_flux_server", SERVER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    with anyio.fail_after(TIMEOUT):
        async with Client(module.create_server()) as in_process:
            result = await in_process.call_tool("get_compound_name", {"compound_id": "cpd00027"})

    assert result.structured_content is not None
    assert (result.structured_content["id"], result.structured_content["name"]) == ("cpd00027", "D-Glucose")

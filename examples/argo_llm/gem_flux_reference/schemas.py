"""Tool definitions: Gem-Flux's exact input schemas with this server's own short descriptions.

The input schemas are the ones Gem-Flux's FastMCP server publishes (no ``title`` keys, no
``additionalProperties`` at the top), so clients see the same tools list from either server.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import mcp.types as types

OUTPUT_SCHEMA: dict[str, Any] = {"type": "object", "additionalProperties": True}

_STRING: dict[str, Any] = {"type": "string"}
_NULLABLE_STRING: dict[str, Any] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
_BOUNDS_PAIR: dict[str, Any] = {
    "type": "array",
    "prefixItems": [{"type": "number"}, {"type": "number"}],
    "minItems": 2,
    "maxItems": 2,
}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


INPUT_SCHEMAS: dict[str, dict[str, Any]] = {
    "build_media": _object(
        {
            "compounds": {"type": "array", "items": _STRING},
            "default_uptake": {"type": "number", "default": 100.0},
            "custom_bounds": {
                "anyOf": [{"type": "object", "additionalProperties": _BOUNDS_PAIR}, {"type": "null"}],
                "default": None,
            },
        },
        ["compounds"],
    ),
    "build_model": _object(
        {
            "protein_sequences": {
                "anyOf": [{"type": "object", "additionalProperties": _STRING}, {"type": "null"}],
                "default": None,
            },
            "fasta_file_path": _NULLABLE_STRING,
            "template": {"type": "string", "default": "GramNegative"},
            "model_name": _NULLABLE_STRING,
            "annotate_with_rast": {"type": "boolean", "default": True},
        }
    ),
    "gapfill_model": _object(
        {
            "model_id": _STRING,
            "media_id": _STRING,
            "target_growth_rate": {"type": "number", "default": 0.01},
            "allow_all_non_grp_reactions": {"type": "boolean", "default": True},
            "gapfill_mode": {"type": "string", "default": "full"},
        },
        ["model_id", "media_id"],
    ),
    "run_fba": _object(
        {
            "model_id": _STRING,
            "media_id": _STRING,
            "objective": {"type": "string", "default": "bio1"},
            "maximize": {"type": "boolean", "default": True},
            "flux_threshold": {"type": "number", "default": 1e-06},
        },
        ["model_id", "media_id"],
    ),
    "get_compound_name": _object({"compound_id": _STRING}, ["compound_id"]),
    "search_compounds": _object({"query": _STRING, "limit": {"type": "integer", "default": 10}}, ["query"]),
    "get_reaction_name": _object({"reaction_id": _STRING}, ["reaction_id"]),
    "search_reactions": _object({"query": _STRING, "limit": {"type": "integer", "default": 10}}, ["query"]),
    "list_models": _object({"filter_state": {"type": "string", "default": "all"}}),
    "delete_model": _object({"model_id": _STRING}, ["model_id"]),
    "list_media": _object({}),
}

DESCRIPTIONS: dict[str, str] = {
    "build_media": (
        "Define a growth medium from ModelSEED compound ids (e.g. cpd00027 D-Glucose, cpd00007 O2, "
        "cpd00001 H2O, cpd00009 Phosphate, cpd00013 NH3). Every compound gets the bounds "
        "(-default_uptake, 100) mmol/gDW/h unless custom_bounds gives [lower, upper] for it "
        '(e.g. {"cpd00027": [-5, 100]}). Returns a media_id for gapfill_model and run_fba.'
    ),
    "build_model": (
        "Build a draft metabolic model from protein sequences (protein_sequences: {id: amino acid "
        "sequence}) or from a FASTA file (fasta_file_path); give exactly one. template is "
        "GramNegative, GramPositive or Core. The model id is '<model_name>.draft' (generated when "
        "model_name is omitted). Drafts do not grow until gapfilled with gapfill_model."
    ),
    "gapfill_model": (
        "Add the fewest reactions that let a model grow at target_growth_rate (1/h) on a medium. "
        "gapfill_mode: full (ATP check, then genome-scale gapfilling), atp_only or genomescale_only. "
        "Stores the result as '<model_id>.gf' and reports growth before and after and the added "
        "reactions. media_id is from build_media or a predefined medium (see list_media)."
    ),
    "run_fba": (
        "Flux balance analysis of a stored model on a medium: optimises objective (default bio1, "
        "the biomass reaction; maximize=false minimises) and returns the objective value, the fluxes "
        "above flux_threshold, uptake and secretion fluxes and the largest internal fluxes. Failures "
        "come back as a result with success=false."
    ),
    "get_compound_name": (
        "Look a compound up by ModelSEED id (e.g. cpd00027) or BiGG id: name, formula, mass, charge "
        "and cross-references."
    ),
    "search_compounds": (
        "Search compounds by id, name, abbreviation, formula or external id (KEGG, ChEBI, BiGG). "
        "Exact matches rank first; limit is 1-100."
    ),
    "get_reaction_name": (
        "Look a reaction up by the id used in models (e.g. PGI, bio1, EX_cpd00027_e0): name, "
        "equation, reversibility, EC numbers, pathways and cross-references."
    ),
    "search_reactions": (
        "Search reactions by id, name, EC number, pathway or external id. Exact matches rank "
        "first; limit is 1-100."
    ),
    "list_models": "List the models of this session; filter_state is all, draft or gapfilled.",
    "delete_model": "Delete a model of this session by its exact model_id.",
    "list_media": "List the predefined media and the media built in this session.",
}


def tool_definitions() -> list[types.Tool]:
    """The eleven tools, in Gem-Flux's order."""
    return [
        types.Tool(
            name=name,
            description=DESCRIPTIONS[name],
            input_schema=deepcopy(schema),
            output_schema=deepcopy(OUTPUT_SCHEMA),
        )
        for name, schema in INPUT_SCHEMAS.items()
    ]

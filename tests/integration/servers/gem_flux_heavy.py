"""Gem-Flux as a long session meets it: gem-flux-mcp's own tool descriptions, and results of megabytes.

Serves, over stdio, the eleven Gem-Flux tools of the reference server (examples/argo_llm) listed with
descriptions as long as gem-flux-mcp's own (2-4.6 K characters each, 40 KB together; written by
tests/support/toolsets.py, not copied), plus two tools whose results are big, computed for real
with COBRApy:

* ``scan_uptake``: FBA at each of ``steps`` uptake rates of one compound, with every flux of each
  solution (a flux table of hundreds of kilobytes, like the flux sampling that ModelSEEDagent keeps
  as an artifact);
* ``export_model``: the model as COBRApy JSON (about 70 KB).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import mcp.types as types
from mcp.server import Server, ServerRequestContext

ROOT = Path(__file__).resolve().parents[3]

if TYPE_CHECKING:
    # mypy names modules from the repository root; at run time examples/argo_llm is on sys.path.
    from examples.argo_llm.gem_flux_reference import GemFluxSession, modeling
    from examples.argo_llm.gem_flux_reference.server import _compute_lock, call_tool_on, serve_stdio
else:
    sys.path.insert(0, str(ROOT / "examples" / "argo_llm"))
    from gem_flux_reference import GemFluxSession, modeling
    from gem_flux_reference.server import _compute_lock, call_tool_on, serve_stdio

sys.path.insert(0, str(ROOT / "tests"))
from support.toolsets import gem_flux_tools  # noqa: E402

SCAN_DESCRIPTION = """Scan growth over the uptake rate of one compound, with full flux solutions.

Runs flux balance analysis at `steps` evenly spaced uptake rates of `compound_id`, from zero up to
`max_uptake` mmol/gDW/h, on the given medium, and returns for every step the uptake, the growth rate
and the complete flux vector (every reaction). Use it to find where growth saturates, which pathways
switch on as the substrate rises, and how fluxes redistribute.

Args:
    model_id: a model from build_model or gapfill_model.
    media_id: a medium from build_media, or a predefined one.
    compound_id: the ModelSEED compound whose uptake is scanned (e.g. cpd00027 for glucose).
    steps: how many uptake rates (2-400).
    max_uptake: the highest uptake rate scanned (mmol/gDW/h).

Returns: {model_id, media_id, compound_id, steps: [{uptake, growth, fluxes: {reaction_id: flux}}]}.
Results are large (about 2.3 KB a step)."""

EXPORT_DESCRIPTION = """Export a stored model as COBRApy JSON: every reaction with its bounds, gene rule and
metabolites, every metabolite with formula and charge, and every gene. Large (70 KB and up)."""


def _tools() -> list[types.Tool]:
    listed = gem_flux_tools()
    listed.append(
        types.Tool(
            name="scan_uptake",
            description=SCAN_DESCRIPTION,
            input_schema={
                "type": "object",
                "properties": {
                    "model_id": {"type": "string"},
                    "media_id": {"type": "string"},
                    "compound_id": {"type": "string"},
                    "steps": {"type": "integer", "minimum": 2, "maximum": 400},
                    "max_uptake": {"type": "number", "default": 20.0},
                },
                "required": ["model_id", "media_id", "compound_id", "steps"],
            },
        )
    )
    listed.append(
        types.Tool(
            name="export_model",
            description=EXPORT_DESCRIPTION,
            input_schema={
                "type": "object",
                "properties": {"model_id": {"type": "string"}},
                "required": ["model_id"],
            },
        )
    )
    return listed


def scan_uptake(
    session: GemFluxSession,
    model_id: str,
    media_id: str,
    compound_id: str,
    steps: int,
    max_uptake: float = 20.0,
) -> dict[str, Any]:
    """FBA at each uptake rate, with every flux of each solution."""
    stored, medium = session._model(model_id), session._medium(media_id)
    rows = []
    for step in range(steps):
        uptake = round(max_uptake * step / (steps - 1), 6)
        bounds = dict(medium.bounds)
        bounds[compound_id] = (-uptake, bounds.get(compound_id, (0.0, 100.0))[1])
        outcome = modeling.solve_fba(stored.model, bounds, "bio1", True)
        fluxes = {rid: round(value, 6) for rid, value in outcome.fluxes.items()}
        rows.append({"uptake": uptake, "growth": round(outcome.objective_value, 6), "fluxes": fluxes})
    return {"model_id": model_id, "media_id": media_id, "compound_id": compound_id, "steps": rows}


def export_model(session: GemFluxSession, model_id: str) -> dict[str, Any]:
    """The stored model as COBRApy JSON."""
    from cobra.io import to_json

    return dict(json.loads(to_json(session._model(model_id).model)))


def create_server() -> Server[Any]:
    """The eleven Gem-Flux tools with descriptions of gem-flux-mcp's lengths, and the two heavy ones."""
    session = GemFluxSession()
    tools = _tools()

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        arguments = dict(params.arguments or {})
        if params.name not in ("scan_uptake", "export_model"):
            answer: types.CallToolResult = await call_tool_on(session, params.name, arguments)
            return answer

        def compute() -> dict[str, Any]:
            with _compute_lock:
                if params.name == "scan_uptake":
                    return scan_uptake(session, **arguments)
                return export_model(session, **arguments)

        try:
            result = await anyio.to_thread.run_sync(compute)
        except Exception as error:
            text = f"Error calling tool '{params.name}': {error}"
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)
        text = json.dumps(result, separators=(",", ":"))
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])

    return Server("gem-flux-heavy", on_list_tools=list_tools, on_call_tool=call_tool)


if __name__ == "__main__":
    anyio.run(serve_stdio, create_server())

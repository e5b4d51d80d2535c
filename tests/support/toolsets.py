"""Tool lists for catalogue tests and benchmarks: Gem-Flux's own, and a thousand from twenty servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mcp.types as mcp_types

from argo_mcp_client._mcp.registry import ToolRegistry

GEM_FLUX_TOOLS = Path(__file__).resolve().parents[1] / "fixtures" / "gem_flux_tools.json"
"""gem-flux-mcp's eleven tool names and schemas, and the length of each real description (2-4.6 K)."""

_TOPICS = [
    ("genome", "annotate genes of a genome assembly with functional roles"),
    ("reaction", "look up biochemical reactions, their equations and EC numbers"),
    ("compound", "find metabolites by name, formula or InChIKey"),
    ("media", "compose growth media from nutrients and uptake bounds"),
    ("flux", "run flux balance analysis and flux variability on a metabolic model"),
    ("sequence", "align protein sequences and find homologs"),
    ("pathway", "map reactions to KEGG and MetaCyc pathways"),
    ("plot", "draw charts of fluxes, growth curves and pathway maps"),
    ("storage", "save and load files, tables and models in the workspace"),
    ("sample", "sample the flux space of a model and summarise the distribution"),
]


def gem_flux_tools() -> list[mcp_types.Tool]:
    """gem-flux-mcp's tools, with descriptions as long as its own (written here, not copied)."""
    return [
        mcp_types.Tool(name=t["name"], description=gem_flux_description(t), input_schema=t["inputSchema"])
        for t in json.loads(GEM_FLUX_TOOLS.read_text())["tools"]
    ]


def gem_flux_description(tool: dict[str, Any]) -> str:
    """A docstring-shaped description as long as the real one: summary, Args, Returns, notes."""
    schema = tool["inputSchema"]
    required = schema.get("required", [])
    lines = []
    for name, spec in schema.get("properties", {}).items():
        default = f", default {json.dumps(spec['default'])}" if "default" in spec else ""
        lines.append(
            f"    {name}: {spec.get('type', 'value')}{default}{' (required)' if name in required else ''}."
        )
    text = f"{tool['summary']}\n\nArgs:\n" + ("\n".join(lines) or "    none.")
    text += "\n\nReturns:\n    A JSON object with success, the ids made or used, and next_steps.\n\nNotes:\n"
    # As long as the real one once in JSON (its escapes included), which is what the gateway weighs.
    target = tool["description_json_chars"]
    while len(json.dumps(text)) < target:
        text += f"    - {tool['summary']}\n"
    while len(json.dumps(text)) > target:
        text = text[:-1]
    return text


def many_servers(servers: int = 20, per_server: int = 50) -> dict[str, list[mcp_types.Tool]]:
    """``servers`` servers of ``per_server`` tools each, with descriptions of about 600 characters."""
    listed: dict[str, list[mcp_types.Tool]] = {}
    for s in range(servers):
        tools = []
        for t in range(per_server):
            topic, does = _TOPICS[(s + t) % len(_TOPICS)]
            name = f"{topic}_tool_{t}"
            description = (
                f"Server {s} tool {t}: {does}. "
                + f"It takes an identifier and options, checks them, and returns a JSON object. {does}. " * 6
            )
            schema: dict[str, Any] = {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "description": f"The {topic} identifier."},
                    "limit": {"type": "integer", "default": 10},
                    "verbose": {"type": "boolean", "default": False},
                },
                "required": ["id"],
            }
            tools.append(mcp_types.Tool(name=name, description=description, input_schema=schema))
        listed[f"server{s:02d}"] = tools
    return listed


def registry(listed: dict[str, list[mcp_types.Tool]]) -> ToolRegistry:
    return ToolRegistry.build(listed)

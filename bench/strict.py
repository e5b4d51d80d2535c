"""(h) Strict tool schemas: the share of tools sent with ``strict: true``, and what the strict form costs.

``python -m bench.strict`` prints the rows alone; ``python -m bench`` prints them in its table.
Tool sets: the Gem-Flux tools (``tests/fixtures/gem_flux_input_schemas.json``) and the public set
(``tests/fixtures/public_tool_schemas.json``: 200 tools of 9 published MCP servers, sources in the file).
The cost is the time to give every tool its GPT form (portable conversion with nulls kept, then the
strict form) on a freshly built registry, beside the portable conversion every registry build does.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as ``python bench/strict.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mcp.types as mcp_types

from argo_mcp_client._mcp.registry import ToolRegistry
from argo_mcp_client._mcp.schema.types import SchemaTarget

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
GPT = SchemaTarget(nulls="keep", strict=True)
REPEATS = 21


def tool_sets() -> dict[str, dict[str, dict[str, Any]]]:
    """Each set's tools: name -> input schema."""
    gem_flux = json.loads((FIXTURES / "gem_flux_input_schemas.json").read_text())
    public = json.loads((FIXTURES / "public_tool_schemas.json").read_text())["servers"]
    return {
        "Gem-Flux": gem_flux,
        "public set": {f"{s}.{n}": schema for s, tools in public.items() for n, schema in tools.items()},
    }


def measure(schemas: dict[str, dict[str, Any]], repeats: int = REPEATS) -> dict[str, Any]:
    tools = [
        mcp_types.Tool(name=name.replace(".", "_"), input_schema=schema) for name, schema in schemas.items()
    ]
    plain_times, strict_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        registry = ToolRegistry.build({"bench": tools})
        plain_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        sent = registry.openai_tools(GPT)
        strict_times.append(time.perf_counter() - start)
    strict = sum(1 for tool in sent if tool["function"].get("strict"))
    reasons = Counter(registry.strict(tool)[2] for tool in registry if registry.strict(tool)[0] is None)
    return {
        "tools": len(tools),
        "strict": strict,
        "plain_ms": statistics.median(plain_times) * 1000,
        "strict_ms": statistics.median(strict_times) * 1000,
        "reasons": reasons,
    }


def rows() -> list[tuple[str, str]]:
    """(workload, figure) rows for the table."""
    out = []
    for name, schemas in tool_sets().items():
        m = measure(schemas)
        share = f"{m['strict']}/{m['tools']} ({100 * m['strict'] / m['tools']:.0f}%)"
        out.append((f"(h) {name}: tools sent strict to GPT", share))
        cost = f"{m['strict_ms']:.2f} ms (portable build {m['plain_ms']:.2f} ms)"
        out.append((f"(h) {name}: GPT form of {m['tools']} tools, median", cost))
    return out


def main() -> int:
    for name, schemas in tool_sets().items():
        m = measure(schemas)
        print(
            f"{name}: {m['strict']}/{m['tools']} tools strict ({100 * m['strict'] / m['tools']:.0f}%); "
            f"GPT form {m['strict_ms']:.2f} ms, portable build {m['plain_ms']:.2f} ms (medians of {REPEATS})"
        )
        for reason, count in m["reasons"].most_common():
            print(f"    plain, {count:3d}: {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

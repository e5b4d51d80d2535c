"""A 30-request Gem-Flux session for a scripted model: build, gapfill, FBA, a dozen uptake scans, exports.

The scripted model (a simulation) reads each tool result as a real model would: it takes ids from
results and artifact handles from previews, reads parts of the scans through ``read_artifact``, and
ends with an answer quoting what it read there. The server is ``tests/integration/servers/gem_flux_heavy.py``;
its scans total over 5 MB.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argo_mcp_client import StdioServer
from argo_mcp_client.testing import ScriptedReply, ScriptedRequest, ScriptedToolCall, call, reply

SERVER_SCRIPT = Path(__file__).resolve().parents[1] / "integration" / "servers" / "gem_flux_heavy.py"
MEDIUM = "glucose_minimal_aerobic"
SCANS = 12
SCAN_STEPS = 300
PROMPT = (
    "Build a draft model of E. coli from these proteins, gapfill it on glucose, run FBA, export it, "
    "then scan growth over glucose and oxygen uptake a dozen times and tell me the growth rate and the "
    "PGI flux at the 251st step of the seventh scan, and the growth at the end of the last scan."
)
_HANDLE = re.compile(r"artifact '([a-z0-9]+)'")


def heavy_server() -> StdioServer:
    return StdioServer(name="gemflux", command=sys.executable, args=(str(SERVER_SCRIPT),))


@dataclass
class LongSession:
    """The simulated model's side of the session: what it has learnt so far, and what it read."""

    model_id: str = ""
    handles: list[str] = field(default_factory=list)
    """The artifact handle of each scan, in order."""
    read: dict[str, str] = field(default_factory=dict)
    steps: int = 0
    plain: bool = False
    """The client sends everything, with no artifacts: the same calls are made, the reads just fail."""

    def plan(self) -> list[Any]:
        """Each request's answer: a tool call (name, arguments) or a callable giving it from the session."""
        scans = [("scan_uptake", lambda s, n=n: s.scan(n)) for n in range(SCANS)]
        export = ("export_model", lambda s: {"model_id": s.model_id})
        return [
            (
                "build_model",
                lambda s: {"protein_sequences": {"p1": "MKLVINLVGNSGLGKSTF"}, "model_name": "ecoli"},
            ),
            ("gapfill_model", lambda s: {"model_id": "ecoli.draft", "media_id": MEDIUM}),
            ("run_fba", lambda s: {"model_id": s.model_id, "media_id": MEDIUM}),
            export,
            ("search_tools", lambda s: {"query": "scan growth over uptake rate fluxes"}),
            ("list_models", lambda s: {}),
            ("list_media", lambda s: {}),
            *scans,
            ("read_artifact", lambda s: {"id": s.handles[6], "pointer": "/steps/250/growth"}),
            ("read_artifact", lambda s: {"id": s.handles[6], "pointer": "/steps/250/fluxes/PGI"}),
            ("read_artifact", lambda s: {"id": s.handles[2], "offset": 100_000, "length": 500}),
            export,
            ("get_compound_name", lambda s: {"compound_id": "cpd00027"}),
            export,
            ("search_compounds", lambda s: {"query": "glucose", "limit": 5}),
            export,
            export,
            ("read_artifact", lambda s: {"id": s.handles[-1], "pointer": f"/steps/{SCAN_STEPS - 1}/growth"}),
        ]

    def scan(self, number: int) -> dict[str, Any]:
        """The arguments of scan ``number``: glucose and oxygen in turn, each to a higher uptake."""
        compound = "cpd00027" if number % 2 == 0 else "cpd00007"
        return {
            "model_id": self.model_id,
            "media_id": MEDIUM,
            "compound_id": compound,
            "steps": SCAN_STEPS,
            "max_uptake": 10.0 + number,
        }

    def answer(self) -> str:
        growth, pgi, last = (self.read[key] for key in ("growth", "pgi", "last"))
        return (
            f"At the 251st step of the seventh scan the model grows at {growth} per hour with PGI carrying "
            f"{pgi} mmol/gDW/h; at the end of the last scan growth is {last} per hour."
        )

    def __call__(self, request: ScriptedRequest) -> ScriptedReply:
        plan = self.plan()
        step, self.steps = self.steps, self.steps + 1
        if step:
            self._learn(plan[step - 1][0], request.messages[-1])
        if step == len(plan):
            return reply(self.answer())
        name, arguments = plan[step]
        tool_call: ScriptedToolCall = call(name, arguments(self))
        return ScriptedReply(tool_calls=(tool_call,))

    def _learn(self, name: str, message: dict[str, Any]) -> None:
        content = str(message.get("content"))
        if name == "build_model" or name == "gapfill_model":
            self.model_id = json.loads(content)["model_id"]
        elif name == "scan_uptake":
            found = _HANDLE.search(content)
            assert found or self.plain, f"a scan result came without an artifact handle: {content[:200]}"
            self.handles.append(found.group(1) if found else "none")
        elif name == "read_artifact":
            key = {0: "growth", 1: "pgi"}.get(len(self.read), "skip" if len(self.read) == 2 else "last")
            self.read[key] = content.strip()

"""The compatibility table, docs/compatibility.md: what a whole test run showed the client working with.

A test that runs the client against a gateway or a server carries
``@pytest.mark.compat("<component>")``, naming a row of :data:`COMPONENTS`, which
says what the tests of that row ran the client against: a real process, or a
simulation. A test in such a module that checks the component or the test harness
alone, without the client, carries ``@pytest.mark.not_compat("<why>")`` and is not
counted. The fixture that starts a component records its version with
:func:`record_version`.

Tests never write the table. A whole run (the README's ``python -m pytest``) saves
its outcomes under ``.cache/`` (git-ignored); then, from the repository root::

    .venv/bin/python -m tests.support.compat          # write docs/compatibility.md
    .venv/bin/python -m tests.support.compat --check  # fail if it differs (CI)
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "compatibility.md"
OUTCOMES = ROOT / ".cache" / "compat" / "last-whole-run.json"
WRITE = "python -m tests.support.compat"
OUTCOME_NAMES = ("passed", "failed", "skipped")

_SHAPES = "replies rendered by the project's own code (tests/support/shapes.py)"
COMPONENTS: dict[str, str] = {
    "argo-proxy": (
        "a real argo-proxy process (from PyPI) on 127.0.0.1, in front of a simulated Argo upstream "
        "(tests/integration/argo_upstream_sim.py)"
    ),
    "LiteLLM proxy": (
        "a real LiteLLM proxy process on 127.0.0.1: its mock models, and a scripted model it forwards to"
    ),
    "MCP SDK server over streamable HTTP": (
        "a test server built on the MCP SDK (tests/integration/servers/faulty_server.py), "
        "over HTTP on 127.0.0.1"
    ),
    "server-everything and mcp-server-time": (
        "the real servers, installed from npm and PyPI, as stdio subprocesses; a scripted model"
    ),
    "Gem-Flux stand-in": (
        "the project's own stand-in server (examples/argo_llm/gem_flux_server.py) over stdio, "
        "not Gem-Flux itself; a scripted model"
    ),
    "argo-proxy 2.x (simulated)": (
        f"simulated, no argo-proxy 2.x runs: {_SHAPES} in the shapes argo-proxy 2.8.9 sends"
    ),
    "argo-bridge (simulated)": (
        f"simulated, no argo-bridge runs: {_SHAPES} in the shapes argo_bridge (be8c406) sends"
    ),
    "argo-bridge, Gemini prompt-based (simulated)": (
        f"simulated, no argo-bridge runs: {_SHAPES} in the shapes argo_bridge (be8c406) sends for Gemini"
    ),
}
"""Each row of the table, and what its tests ran the client against."""


def _outcome_lists() -> defaultdict[str, defaultdict[str, list[str]]]:
    return defaultdict(lambda: defaultdict(list))


@dataclass
class CompatLog:
    """The outcomes of the compat-marked tests of one run, by component."""

    versions: dict[str, str] = field(default_factory=dict)
    outcomes: defaultdict[str, defaultdict[str, list[str]]] = field(default_factory=_outcome_lists)

    def record(self, component: str, test: str, outcome: str) -> None:
        self.outcomes[component][outcome].append(test)

    def save(self, path: Path = OUTCOMES) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"versions": self.versions, "outcomes": self.outcomes}
        path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = OUTCOMES) -> CompatLog:
        document = json.loads(path.read_text(encoding="utf-8"))
        log = cls(versions=dict(document["versions"]))
        for component, results in document["outcomes"].items():
            for outcome, tests in results.items():
                log.outcomes[component][outcome].extend(tests)
        return log

    def table(self) -> str:
        lines = [
            "# Compatibility",
            "",
            "What the last whole test run (`python -m pytest`) showed the client working with.",
            f"Written by `{WRITE}` from that run's outcomes; do not edit by hand.",
            "",
            "A row counts only tests that run the client against the gateway or server; tests",
            "of the gateway alone or of the test harness are not counted. *What the client ran",
            "against* says whether that was a real process or a simulation: a simulated row",
            "shows the client handles the shapes as this project reads them, not that it works",
            "with that gateway.",
            "",
            "| gateway or server | version | what the client ran against "
            "| passed | failed | skipped | tests |",
            "|---|---|---|---|---|---|---|",
        ]
        for component in sorted(self.outcomes):
            results = self.outcomes[component]
            scenarios = sorted({name for names in results.values() for name in names})
            shown = ", ".join(scenarios[:12]) + (
                f", and {len(scenarios) - 12} more" if len(scenarios) > 12 else ""
            )
            counts = " | ".join(str(len(results.get(o, []))) for o in OUTCOME_NAMES)
            version = self.versions.get(component, "unknown")
            basis = COMPONENTS.get(component, "unknown")
            lines.append(f"| {component} | {version} | {basis} | {counts} | {shown} |")
        return "\n".join(lines) + "\n"


COMPAT = CompatLog()


def record_version(component: str, version: str) -> None:
    """Say which version of ``component`` the tests ran against."""
    COMPAT.versions[component] = version


def main(argv: list[str] | None = None) -> int:
    """Write docs/compatibility.md from the last whole run's outcomes, or check it (``--check``)."""
    parser = argparse.ArgumentParser(prog=WRITE, description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed table differs")
    args = parser.parse_args(argv)
    if not OUTCOMES.exists():
        print(f"no outcomes of a whole test run in {OUTCOMES}: run `python -m pytest` first", file=sys.stderr)
        return 1
    table = CompatLog.load().table()
    if not args.check:
        TABLE.write_text(table, encoding="utf-8")
        print(f"wrote {TABLE.relative_to(ROOT)}")
        return 0
    committed = TABLE.read_text(encoding="utf-8") if TABLE.exists() else ""
    if committed == table:
        print(f"{TABLE.relative_to(ROOT)} is what the last whole run showed")
        return 0
    diff = difflib.unified_diff(
        committed.splitlines(keepends=True),
        table.splitlines(keepends=True),
        "docs/compatibility.md (committed)",
        "docs/compatibility.md (this run)",
    )
    sys.stderr.writelines(diff)
    print(
        f"docs/compatibility.md is not what the last whole run showed: run `{WRITE}` and commit it",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())

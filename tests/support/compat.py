"""The compatibility table in docs/compatibility.md, written from the outcomes of a test run.

Tests that prove the client against a real gateway or server carry
``@pytest.mark.compat("argo-proxy")``; the fixture that starts the component
records its version with :func:`record_version`. At the end of a run that
executed the whole suite, the table is written again, so it only ever says what
a run showed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

TABLE = Path(__file__).parents[2] / "docs" / "compatibility.md"


@dataclass
class CompatLog:
    versions: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def record(self, component: str, test: str, outcome: str) -> None:
        self.outcomes[component][outcome].append(test)

    def table(self) -> str:
        lines = [
            "# Compatibility",
            "",
            "Written by the test suite (`python -m pytest`, the whole run) from its own outcomes;",
            "do not edit by hand.",
            "",
            "| gateway or server | version | passed | failed | skipped | what was run |",
            "|---|---|---|---|---|---|",
        ]
        for component in sorted(self.outcomes):
            results = self.outcomes[component]
            scenarios = sorted({name for names in results.values() for name in names})
            shown = ", ".join(scenarios[:12]) + (
                f", and {len(scenarios) - 12} more" if len(scenarios) > 12 else ""
            )
            counts = " | ".join(str(len(results.get(o, []))) for o in ("passed", "failed", "skipped"))
            version = self.versions.get(component, "unknown")
            lines.append(f"| {component} | {version} | {counts} | {shown} |")
        return "\n".join(lines) + "\n"


COMPAT = CompatLog()


def record_version(component: str, version: str) -> None:
    """Say which version of ``component`` the tests ran against."""
    COMPAT.versions[component] = version

"""The README's first program, saved as a file and run as it is, against the simulated model."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from argo_mcp_client.simulation import simulated_model
from support.gateway import stub_gateway
from support.processes import environment_without_argo

ROOT = Path(__file__).parents[2]


def first_program() -> str:
    """The first Python block under the README's "A first program" heading."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## A first program", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the README has no Python block under 'A first program'"
    return match.group(1)


def test_the_readme_first_program_runs_as_saved(tmp_path: Path) -> None:
    program = tmp_path / "first_program.py"
    program.write_text(first_program())
    model = simulated_model()

    with stub_gateway(model, model_ids=["argo:gpt-4o"]) as gateway:
        done = subprocess.run(
            [sys.executable, str(program)],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=ROOT,  # the program names the reference server by its path in the repository
            env=environment_without_argo({"ARGO_BASE_URL": gateway.base_url}),
            check=False,
        )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("(simulated) Built the draft E_coli.draft: 88 reactions")
    assert "the growth rate is 0.866 per hour" in lines[0]
    assert [line.split(" in ")[0] for line in lines[1:4]] == [
        "  build_model: ok",
        "  gapfill_model: ok",
        "  run_fba: ok",
    ]
    assert lines[4].startswith("4 model requests, ")
    assert [request.model for request in model.requests] == ["argo:gpt-4o"] * 4

"""``python -m bench --quick`` runs and prints a figure for every workload.

No timings and no targets are asserted: those belong to the benchmark, not the tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_prints_every_workload() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| (")]
    assert [row[2:5] for row in rows] == [
        "(a)",
        "(a)",
        "(a)",
        "(b)",
        "(c)",
        "(d)",
        "(d)",
        "(e)",
        "(f)",
        "(g)",
        "(h)",
        "(h)",
        "(h)",
        "(h)",
    ]
    for row in rows:
        argo = row.split("|")[2]
        assert re.search(r"\d+(\.\d+)?", argo), row

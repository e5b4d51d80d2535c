"""``python -m bench.cli_start``: how fast ``argo-mcp --help`` answers, against importing openai and mcp.

The CLI parses its arguments before importing the library's heavy dependencies, so ``--help``
and argument errors should cost well under what ``import openai, mcp`` costs. Prints one table
row (median wall time of fresh processes, each run alternating with the other); asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET = 0.5
"""``argo-mcp --help`` should take at most this fraction of ``import openai, mcp``."""


def wall_time(command: list[str]) -> float:
    """Seconds a fresh process running ``command`` takes, output discarded."""
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="processes of each (default 7)")
    args = parser.parse_args(argv)
    help_command = [sys.executable, "-m", "argo_mcp_client.cli", "--help"]
    import_command = [sys.executable, "-c", "import openai, mcp"]
    wall_time(help_command)  # the first run of each warms the file cache
    wall_time(import_command)
    helps, imports = [], []
    for _ in range(args.runs):
        helps.append(wall_time(help_command))
        imports.append(wall_time(import_command))
    help_s, import_s = statistics.median(helps), statistics.median(imports)
    ratio = help_s / import_s
    print("| workload | argo-mcp --help | python -c 'import openai, mcp' | target | met |")
    print("|---|---|---|---|---|")
    print(
        f"| CLI start-up, median of {args.runs} | {help_s * 1000:.0f} ms | {import_s * 1000:.0f} ms "
        f"| ≤ {TARGET:.1f}× (is {ratio:.2f}×) | {'met' if ratio <= TARGET else 'NOT met'} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

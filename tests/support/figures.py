"""Figures a test module reports at the end of the run, printed in the terminal summary.

A module's teardown output is captured by pytest and shown only on failure; a line
given to :func:`report` is printed after the run, under "figures", whatever
happened, and written nowhere.
"""

from __future__ import annotations

import pytest

FIGURES = pytest.StashKey[list[str]]()


def report(config: pytest.Config, line: str) -> None:
    """Print ``line`` in the terminal summary of this run."""
    config.stash.setdefault(FIGURES, []).append(line)


def print_figures(terminal: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Print the reported lines, if any, in their own section (called from ``pytest_terminal_summary``)."""
    lines = config.stash.get(FIGURES, [])
    if lines:
        terminal.section("figures")
        for line in lines:
            terminal.write_line(line)

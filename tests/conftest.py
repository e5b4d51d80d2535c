"""Shared test setup. Async tests run on the anyio plugin (``anyio_mode = "auto"``) with asyncio."""

from __future__ import annotations

import pytest

from support.compat import COMPAT, COMPONENTS
from support.figures import print_figures


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "compat(component): runs the client against that gateway or server (a row of the compatibility "
        "table, tests/support/compat.py)",
    )
    config.addinivalue_line(
        "markers",
        "not_compat(why): in a compat-marked module, checks the component or the harness without the "
        "client, so the compatibility table does not count it",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unknown = {
        f"{item.nodeid}: {marker.args[0]!r}"
        for item in items
        for marker in item.iter_markers("compat")
        if marker.args[0] not in COMPONENTS
    }
    if unknown:
        raise pytest.UsageError(
            "compat markers must name a row of COMPONENTS in tests/support/compat.py: " + ", ".join(unknown)
        )


def _compat_component(item: pytest.Item) -> str | None:
    if item.get_closest_marker("not_compat") is not None:
        return None
    marker = item.get_closest_marker("compat")
    return None if marker is None else str(marker.args[0])


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    component: str | None = getattr(report, "compat_component", None)
    if component is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        COMPAT.record(component, report.nodeid.split("::", 1)[-1], report.outcome)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    report.compat_component = _compat_component(item)
    return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Only a whole run (the README's test command) speaks for the whole table. Its outcomes go to
    # .cache/ (git-ignored); `python -m tests.support.compat` writes the table from them.
    config = session.config
    whole_run = (
        config.args_source is pytest.Config.ArgsSource.TESTPATHS
        and not config.option.keyword
        and config.option.markexpr == "not real_llm"
    )
    if COMPAT.outcomes and whole_run:
        COMPAT.save()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    print_figures(terminalreporter, config)

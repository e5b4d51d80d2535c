"""Shared test setup. Async tests run on the anyio plugin (``anyio_mode = "auto"``) with asyncio."""

from __future__ import annotations

import pytest

from support.compat import COMPAT, TABLE


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "compat(component): proves the client against a real gateway or server, for the compatibility table",
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    marker = next((m for m in getattr(report, "compat_markers", ())), None)
    if marker is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        COMPAT.record(marker, report.nodeid.split("::", 1)[-1], report.outcome)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    report.compat_markers = [m.args[0] for m in item.iter_markers("compat")]
    return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Only a whole run (the README's test command) speaks for the whole table.
    config = session.config
    whole_run = (
        config.args_source is pytest.Config.ArgsSource.TESTPATHS
        and not config.option.keyword
        and config.option.markexpr == "not real_llm"
    )
    if COMPAT.outcomes and whole_run:
        TABLE.parent.mkdir(exist_ok=True)
        TABLE.write_text(COMPAT.table())

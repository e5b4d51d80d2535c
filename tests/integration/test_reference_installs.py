"""The test harness's installer of the reference servers (tests/support/reference_servers.py).

These tests check the harness, not the client: the compatibility table does not
count them. The client against the servers is in test_reference_servers.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from argo_mcp_client import StdioServer
from support import reference_servers
from support.reference_servers import (
    InstallError,
    RegistryUnreachable,
    everything_spec,
    install_everything,
    time_spec,
)

everything_server = reference_servers.everything_server
time_server = reference_servers.time_server


@pytest.fixture
def no_installer(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"an installed server was installed again: {args}")

    monkeypatch.setattr(subprocess, "run", refuse)


@pytest.mark.usefixtures("no_installer")
def test_installed_server_everything_is_reused(everything_server: StdioServer) -> None:
    assert everything_spec() == everything_server


@pytest.mark.usefixtures("no_installer")
def test_installed_mcp_server_time_is_reused(time_server: StdioServer) -> None:
    assert time_spec() == time_server


@pytest.fixture
def fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``npm`` first on PATH that prints what ``$FAKE_NPM_SAYS`` holds and fails."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text('#!/bin/sh\necho "$FAKE_NPM_SAYS" >&2\nexit 1\n')
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path('/usr/bin')}:{Path('/bin')}")
    return tmp_path / "cache"


def test_an_unreachable_registry_is_told_apart(fake_npm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_NPM_SAYS", "npm error code ECONNREFUSED\nnpm error network request failed")

    with pytest.raises(RegistryUnreachable, match=r"registry is unreachable \(npm error code ECONNREFUSED\)"):
        install_everything(fake_npm)


def test_any_other_install_failure_is_an_error(fake_npm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_NPM_SAYS", "npm error code ETARGET\nnpm error notarget No matching version")

    with pytest.raises(InstallError, match="ETARGET"):
        install_everything(fake_npm)


def test_a_failed_install_is_redone_next_time(fake_npm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_NPM_SAYS", "npm error code ETARGET")
    with pytest.raises(InstallError):
        install_everything(fake_npm)
    monkeypatch.setenv("FAKE_NPM_SAYS", "npm error code E500")

    with pytest.raises(InstallError, match="E500"):
        install_everything(fake_npm)

"""Fixtures that run the real argo-proxy on 127.0.0.1 against the simulated Argo upstream.

A test module makes the fixtures its own by assignment (``argo_proxy = conftest_argo.argo_proxy``).
argo-proxy (PyPI ``argo-proxy`` 3.3.x) is started through its Python API in a
subprocess, not through its command line: the command line asks PyPI for the latest
version at every start, and may prompt on stdin. Its config keeps it offline and
non-interactive: ``skip_url_validation`` (no user or URL checks, which can prompt),
``model_refresh_interval_hours: 0`` (no background refresh), and a temporary
directory as its working directory (it writes ``keys.db`` and ``data/`` there).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from integration.argo_upstream_sim import ArgoUpstreamSimulator, argo_upstream_simulator
from integration.conftest import free_port
from support.compat import record_version
from support.processes import descendants

__all__ = ["ArgoProxy", "argo_proxy", "argo_upstream", "running_argo_proxy"]

PROXY_USER = "testuser"
"""The ANL user name in the proxy's config: what the upstream receives as its API key."""

_STARTUP_TIMEOUT = 30.0

# What argo-proxy 3.3 takes from the environment over its config file: a developer's own
# settings (ARGO_BASE_URL above all) must not send the proxy under test elsewhere.
_ENV_OVERRIDES = frozenset(
    {
        "HOST", "PORT", "SOCKET", "VERBOSE", "DEV_MODE", "ARGO_BASE_URL", "SKIP_URL_VALIDATION",
        "ANTHROPIC_STREAM_MODE", "DUMP_REQUESTS", "DUMP_DIR", "DATA_DIR", "USERNAME_PASSTHROUGH",
        "ADMIN_PASSWORD",
    }
)  # fmt: skip

# The proxy's own process, kept to the Python API: ``run`` serves until SIGTERM.
_LAUNCHER = "from argoproxy.app import run; import sys; run(host='127.0.0.1', port=int(sys.argv[1]))"


@dataclass(frozen=True)
class ArgoProxy:
    """A running argo-proxy."""

    base_url: str
    """``http://127.0.0.1:P/v1``, what clients are given."""
    aliases: dict[str, str]
    """Each model name its ``/v1/models`` lists, with the Argo id it stands for."""
    process: subprocess.Popen[bytes]
    log: Path


def _config(upstream: str, port: int) -> str:
    # Written out by hand: argo-proxy's own YAML reader does not take JSON's flow style.
    return (
        'config_version: "3"\n'
        f'user: "{PROXY_USER}"\n'
        "host: 127.0.0.1\n"
        f"port: {port}\n"
        "verbose: false\n"
        f'argo_base_url: "{upstream}"\n'
        "skip_url_validation: true\n"
        "model_refresh_interval_hours: 0\n"
    )


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


def _wait_until_serving(base: str, process: subprocess.Popen[bytes], log: Path) -> dict[str, str]:
    """The proxy's model aliases, once ``/health`` and ``/v1/models`` answer; bounded."""
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"argo-proxy exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            _get_json(f"{base}/health")
            listed = _get_json(f"{base}/v1/models")
        except (OSError, urllib.error.URLError, ValueError):
            time.sleep(0.05)
            continue
        assert isinstance(listed, dict)
        return {str(m["id"]): str(m.get("internal_name", "")) for m in listed["data"]}
    raise TimeoutError(f"argo-proxy did not serve within {_STARTUP_TIMEOUT} s:\n{log.read_text()[-4000:]}")


def _check_installed() -> None:
    # The simulated upstream speaks the native API argo-proxy 3.x uses; 2.x spoke another.
    try:
        version = importlib.metadata.version("argo-proxy")
    except importlib.metadata.PackageNotFoundError:
        version = "none"
    record_version("argo-proxy", version)
    if not version.startswith("3.3."):
        raise RuntimeError(
            f"these tests need argo-proxy 3.3.x in this environment, found {version}: "
            "pip install 'argo-proxy>=3.3,<3.4' (the dev extra has it)"
        )


@contextmanager
def running_argo_proxy(upstream: str) -> Iterator[ArgoProxy]:
    """Run argo-proxy against ``upstream`` (its ``argo_base_url``) until the block ends.

    Its working directory and config are in a temporary directory, removed after;
    its output goes to a log file there, shown if it fails to start.
    """
    _check_installed()
    with tempfile.TemporaryDirectory(prefix="argo-proxy-") as workdir:
        port = free_port()
        config = Path(workdir) / "config.yaml"
        config.write_text(_config(upstream, port))
        log = Path(workdir) / "argo-proxy.log"
        env = {k: v for k, v in os.environ.items() if k not in _ENV_OVERRIDES}
        env |= {"CONFIG_PATH": str(config), "PYTHONUNBUFFERED": "1"}
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, str(port)],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            base = f"http://127.0.0.1:{port}"
            aliases = _wait_until_serving(base, process, log)
            yield ArgoProxy(base_url=f"{base}/v1", aliases=aliases, process=process, log=log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def argo_upstream() -> Iterator[ArgoUpstreamSimulator]:
    """The simulated Argo upstream, for the whole module."""
    with argo_upstream_simulator() as simulator:
        yield simulator


@pytest.fixture(scope="module")
def argo_proxy(argo_upstream: ArgoUpstreamSimulator) -> Iterator[ArgoProxy]:
    """The real argo-proxy in front of the simulated upstream, for the whole module.

    After it stops, no process it started may be left.
    """
    before = descendants()
    with running_argo_proxy(argo_upstream.base_url) as proxy:
        # Had it not read its config, it would have gone to Argo's production URL and its built-in list.
        assert any(r.endpoint == "/v1/models" for r in argo_upstream.requests), (
            f"argo-proxy did not ask the simulated upstream for its models:\n{proxy.log.read_text()[-4000:]}"
        )
        yield proxy
    left = descendants() - before
    assert not left, f"argo-proxy left processes behind: {sorted(left)}"

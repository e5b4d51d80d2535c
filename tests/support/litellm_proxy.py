"""The real LiteLLM proxy (``litellm[proxy]`` from PyPI) on 127.0.0.1, serving mock models.

LiteLLM needs ``openai<3`` and this project ``openai>=3``, so LiteLLM lives in a
virtual environment of its own under ``<repo>/.cache/`` (git-ignored), made with
this interpreter and kept for later runs. A marker file written after a
successful install says the environment is complete; one without it is built
again from scratch.

The proxy's models answer from mocks, so no request leaves the machine:

* ``mock-gpt`` always answers :data:`MOCK_ANSWER`;
* ``mock-tool`` always calls the tool ``add`` with ``{"a": 2, "b": 3}``
  (non-streamed only: LiteLLM's mock streams drop the tool calls), with
  ``finish_reason`` ``"stop"``, not ``"tool_calls"``;
* ``mock-broken`` always fails with HTTP 500.

Mocks cannot change from one request to the next, so for whole runs the proxy
also has a model ``scripted``, which LiteLLM forwards (as to any OpenAI-style
upstream) to a :class:`ScriptedUpstream` on another loopback port: each test
gives it the script it needs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from argo_mcp_client.testing import ScriptedModel, ScriptedRequest, Step, failure
from integration.conftest import free_port, wait_for_port
from support.gateway import stub_gateway
from support.processes import stop_process_tree

LITELLM_REQUIREMENT = "litellm[proxy]==1.106.2"
"""The newest release that resolves here (later ones need a certifi that is not on the index)."""

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".cache" / "litellm-venv"
MARKER_NAME = ".installed"
"""Written into the environment, holding the requirement, once the install succeeded."""

MOCK_ANSWER = "hello from litellm mock"
MOCK_TOOL_CALL_ID = "call_m1"
MOCK_TOOL_ARGUMENTS = {"a": 2, "b": 3}

INSTALL_TIMEOUT = 1200.0
START_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0

# What pip prints when it reaches no package index: connection errors (while it retries), or
# finding no release of LiteLLM at all. Anything else (a pin that does not resolve) is a real failure.
_UNREACHABLE = re.compile(
    r"NewConnectionError|ConnectTimeoutError|ReadTimeoutError|Temporary failure in name resolution"
    r"|Name or service not known|Network is unreachable|Connection refused|ProxyError"
    r"|satisfies the requirement litellm\S* \(from versions: none\)"
)


class RegistryUnreachable(RuntimeError):
    """The package index could not be reached, so LiteLLM could not be installed."""


@dataclass(frozen=True)
class LiteLLMVenv:
    """A complete virtual environment with LiteLLM installed."""

    path: Path
    installed_now: bool
    """Whether this call installed it (else an earlier run had)."""
    seconds: float
    """How long making it (or finding it) took."""

    @property
    def litellm(self) -> Path:
        return self.path / "bin" / "litellm"


@dataclass(frozen=True)
class LiteLLMProxy:
    """A running proxy: where it listens and the key it takes."""

    base_url: str
    """The OpenAI-compatible endpoint, ``http://127.0.0.1:PORT/v1``."""
    master_key: str
    pid: int
    startup_seconds: float
    log: Path


class ScriptedUpstream:
    """The model behind the proxy's ``scripted`` model: answers from the script the current test set."""

    def __init__(self) -> None:
        self._steps: list[Step] = []
        self.model = ScriptedModel(self._next)
        """Its :attr:`~ScriptedModel.requests` are those LiteLLM forwarded since the last :meth:`script`."""

    def script(self, steps: Sequence[Step]) -> None:
        """Answer the next requests with ``steps``, in order (and forget earlier requests)."""
        self._steps = list(steps)
        self.model.requests.clear()

    def _next(self, request: ScriptedRequest) -> Step:
        if not self._steps:
            return failure(400, "the scripted upstream has no step left for this request")
        return self._steps.pop(0)


@contextlib.contextmanager
def scripted_upstream() -> Iterator[tuple[ScriptedUpstream, str]]:
    """A :class:`ScriptedUpstream` served on loopback, and its ``/v1`` URL, until the block ends."""
    upstream = ScriptedUpstream()
    with stub_gateway(upstream.model, ["scripted"]) as gateway:
        yield upstream, gateway.base_url


def proxy_config(upstream_url: str | None = None) -> dict[str, object]:
    """The proxy's config: the mock models, ``scripted`` if given its upstream, no retries in the proxy."""
    fake = {"model": "openai/gpt-4o", "api_key": "sk-fake"}
    tool_call = {
        "id": MOCK_TOOL_CALL_ID,
        "type": "function",
        "function": {"name": "add", "arguments": json.dumps(MOCK_TOOL_ARGUMENTS)},
    }
    models: list[dict[str, object]] = [
        {"model_name": "mock-gpt", "litellm_params": {**fake, "mock_response": MOCK_ANSWER}},
        {"model_name": "mock-tool", "litellm_params": {**fake, "mock_tool_calls": [tool_call]}},
        {
            "model_name": "mock-broken",
            "litellm_params": {**fake, "mock_response": "litellm.InternalServerError"},
        },
    ]
    if upstream_url is not None:
        scripted = {"model": "openai/scripted", "api_key": "sk-fake", "api_base": upstream_url}
        models.append({"model_name": "scripted", "litellm_params": scripted})
    # Without num_retries 0 the proxy retries a failing model twice itself before answering.
    return {"model_list": models, "router_settings": {"num_retries": 0}}


def ensure_venv(path: Path = VENV, requirement: str = LITELLM_REQUIREMENT) -> LiteLLMVenv:
    """The LiteLLM environment at ``path``, installed first unless a complete one is there.

    Raises:
        RegistryUnreachable: pip reached no package index.
        RuntimeError: making the environment failed otherwise (pip's output is in the message).
    """
    started = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Two test sessions at once must not build the same environment together.
    with open(path.parent / f"{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = path / MARKER_NAME
        if marker.is_file() and marker.read_text() == requirement and (path / "bin" / "litellm").is_file():
            return LiteLLMVenv(path, installed_now=False, seconds=time.monotonic() - started)
        if path.exists():
            shutil.rmtree(path)  # an install that did not finish, or another version
        _run([sys.executable, "-m", "venv", str(path)], what="creating the virtual environment")
        log = path.parent / f"{path.name}-install.log"
        try:
            _run(
                [
                    str(path / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    requirement,
                ],
                what=f"pip install {requirement!r}",
                log=log,
            )
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        marker.write_text(requirement)
    return LiteLLMVenv(path, installed_now=True, seconds=time.monotonic() - started)


def _run(command: list[str], *, what: str, log: Path | None = None) -> None:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{what} did not finish within {INSTALL_TIMEOUT:g} s") from exc
    output = done.stdout + done.stderr
    if log is not None:
        log.write_text(output)
    if done.returncode == 0:
        return
    tail = "\n".join(line[:300] for line in output.splitlines()[-30:])
    where = f" (full output in {log})" if log is not None else ""
    if _UNREACHABLE.search(output):
        raise RegistryUnreachable(f"{what} reached no package index{where}:\n{tail}")
    raise RuntimeError(f"{what} failed with exit code {done.returncode}{where}:\n{tail}")


@contextlib.contextmanager
def running_proxy(
    venv: LiteLLMVenv, workdir: Path, *, upstream_url: str | None = None
) -> Iterator[LiteLLMProxy]:
    """Run the proxy on a free loopback port until the block ends; then stop it and check nothing is left.

    Raises:
        RuntimeError: the proxy exited or did not become live (its log is in the message).
        AssertionError: a process the proxy started outlived it.
    """
    config = workdir / "litellm_config.yaml"
    config.write_text(json.dumps(proxy_config(upstream_url), indent=2))  # JSON is YAML
    log = workdir / "litellm.log"
    master_key = f"sk-test-{secrets.token_hex(24)}"
    env = {
        **os.environ,
        "LITELLM_MASTER_KEY": master_key,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # else it fetches the cost map from the internet
    }
    env.pop("DATABASE_URL", None)
    port = free_port()
    command = [str(venv.litellm), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    started = time.monotonic()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        try:
            wait_for_port(port, process, timeout=START_TIMEOUT)
            _wait_live(f"http://127.0.0.1:{port}/health/liveliness", process)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"the LiteLLM proxy did not start: {exc}\n{_tail(log)}") from exc
        yield LiteLLMProxy(
            base_url=f"http://127.0.0.1:{port}/v1",
            master_key=master_key,
            pid=process.pid,
            startup_seconds=time.monotonic() - started,
            log=log,
        )
    finally:
        _stop(process)


def _wait_live(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the proxy exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer 200 within {START_TIMEOUT:g} s")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the proxy; fail if any process it started is still alive afterwards (and end those)."""
    left = stop_process_tree(process, timeout=STOP_TIMEOUT)
    if left:
        raise AssertionError(f"processes started by the LiteLLM proxy outlived it: {sorted(left)}")


def _tail(log: Path, lines: int = 40) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "--- proxy log (end) ---\n" + "\n".join(text.splitlines()[-lines:])

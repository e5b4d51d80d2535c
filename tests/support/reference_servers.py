"""Two real, public MCP servers as stdio commands, installed once into ``<repo>/.cache``.

* ``@modelcontextprotocol/server-everything`` (npm), the MCP reference server that
  exercises every protocol feature. It is installed with this machine's ``npm`` and
  started with its ``node``. It speaks only the 2025-11-25 handshake, so
  ``protocol="auto"`` falls back to it.
* ``mcp-server-time`` (PyPI), built on the Python SDK like this project, in a virtual
  environment of its own so it cannot disturb the project's dependencies. It speaks
  the 2026-07-28 protocol as well as the handshake.

Both are pinned. Each install writes a marker naming what it installed; a later run
that finds the marker starts the server without touching the network, and a changed
pin installs afresh. A file lock keeps two test runs from installing at once.

In pytest, use the session-scoped fixtures ``everything_server`` and ``time_server``,
brought into a test module with ``everything_server = reference_servers.everything_server``
(``pytest_plugins`` cannot load this module: it is imported before pytest could rewrite
its asserts). They skip the test when the package registry cannot be reached, and
fail on any other install problem. Outside pytest (with ``tests/`` on ``sys.path``), call
:func:`everything_spec` and :func:`time_spec`; they raise :class:`RegistryUnreachable`
instead of skipping. :func:`everything_full_spec` is the spec for tests of every
server-to-client feature, and :data:`EVERYTHING_TRIGGERS` says how to set each one off.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from argo_mcp_client import StdioServer
from argo_mcp_client.config import ProtocolMode

__all__ = [
    "CACHE",
    "EVERYTHING_CAPABILITY_TOOLS",
    "EVERYTHING_OFFLINE_ENV",
    "EVERYTHING_PACKAGE",
    "EVERYTHING_PROMPTS",
    "EVERYTHING_RESOURCES",
    "EVERYTHING_RESOURCE_TEMPLATES",
    "EVERYTHING_TASK_TOOLS",
    "EVERYTHING_TOOLS",
    "EVERYTHING_TRIGGERS",
    "EVERYTHING_VERSION",
    "TIME_MCP_VERSION",
    "TIME_PACKAGE",
    "TIME_TOOLS",
    "TIME_VERSION",
    "InstallError",
    "RegistryUnreachable",
    "Trigger",
    "everything_full_spec",
    "everything_server",
    "everything_spec",
    "install_everything",
    "install_time_server",
    "time_server",
    "time_spec",
    "variant",
]

CACHE = Path(__file__).resolve().parents[2] / ".cache"
"""Where the servers are installed (git-ignored)."""

EVERYTHING_PACKAGE = "@modelcontextprotocol/server-everything"
EVERYTHING_VERSION = "2026.8.31"
TIME_PACKAGE = "mcp-server-time"
TIME_VERSION = "2026.10.19"
TIME_MCP_VERSION = "2.3.0"
"""The ``mcp`` the time server's environment gets: the version this project is built on."""

_INSTALL_TIMEOUT = 900.0  # seconds; the registries' own timeouts and retries come first
_MARKER = ".installed"

# ---------------------------------------------------------------------------
# What server-everything offers, for tests that use more than its plain tools.

EVERYTHING_TOOLS = frozenset(
    {
        "echo",
        "get-annotated-message",
        "get-env",
        "get-resource-links",
        "get-resource-reference",
        "get-structured-content",
        "get-sum",
        "get-tiny-image",
        "gzip-file-as-resource",
        "toggle-simulated-logging",
        "toggle-subscriber-updates",
        "trigger-long-running-operation",
    }
)
"""Plain tools, listed to every client."""

EVERYTHING_TASK_TOOLS = frozenset({"simulate-research-query"})
"""Tools listed to every client with ``execution.taskSupport: "required"``: the server answers
a call without task augmentation (which the Python SDK cannot request) with MCP error -32601."""

EVERYTHING_CAPABILITY_TOOLS: Mapping[str, frozenset[str]] = {
    "sampling": frozenset({"trigger-sampling-request"}),
    "elicitation": frozenset({"trigger-elicitation-request", "trigger-url-elicitation"}),
    "roots": frozenset({"get-roots-list"}),
}
"""Tools the server adds, right after ``notifications/initialized`` and before it answers
the first ``tools/list``, only for a client that advertised the capability (the key).
A bare ``mcp.Client`` advertises none of them (it gets only :data:`EVERYTHING_TOOLS` and
:data:`EVERYTHING_TASK_TOOLS`); an ``ArgoMCPClient`` that answers sampling requests
advertises sampling, so it gets ``trigger-sampling-request`` too."""

EVERYTHING_RESOURCES = tuple(
    f"demo://resource/static/document/{name}.md"
    for name in (
        "architecture",
        "extension",
        "features",
        "how-it-works",
        "instructions",
        "startup",
        "structure",
    )
)
"""Its static resources, all ``text/markdown``, in one page."""

EVERYTHING_RESOURCE_TEMPLATES = (
    "demo://resource/dynamic/text/{resourceId}",
    "demo://resource/dynamic/blob/{resourceId}",
)
"""``read_resource("demo://resource/dynamic/text/1")`` gives the text
``"Resource 1: This is a plaintext resource created at <time>"``."""

EVERYTHING_PROMPTS: Mapping[str, tuple[str, ...]] = {
    "simple-prompt": (),
    "args-prompt": ("city", "state"),
    "completable-prompt": ("department", "name"),
    "resource-prompt": ("resourceType", "resourceId"),
}
"""Prompt name to argument names. ``get_prompt("args-prompt", {"city": "Lemont", "state": "IL"})``
gives one user message: ``"What's weather in Lemont, IL?"``."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """A tool call that makes server-everything send something to the client."""

    tool: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    needs: str | None = None
    """The client capability the tool is listed for, if any."""
    effect: str = ""


EVERYTHING_TRIGGERS: Mapping[str, Trigger] = {
    "sampling": Trigger(
        "trigger-sampling-request",
        {"prompt": "Say hi", "maxTokens": 20},
        needs="sampling",
        effect="one sampling/createMessage request: the user message 'Resource trigger-sampling-request "
        "context: Say hi', systemPrompt 'You are a helpful test server.', temperature 0.7, maxTokens 20; "
        "the tool's text is 'LLM sampling result: <the CreateMessageResult as JSON>'",
    ),
    "elicitation": Trigger(
        "trigger-elicitation-request",
        needs="elicitation",
        effect="one elicitation/create request in form mode: 13 typed properties, only 'name' "
        "required; the tool echoes the accepted content",
    ),
    "url_elicitation": Trigger(
        "trigger-url-elicitation",
        {"url": "https://example.com/approve", "message": "Approve the test"},
        needs="elicitation",
        effect="one elicitation/create request with mode 'url', the url and message above and an "
        "elicitationId; answering {'action': 'accept'} completes the call. The client advertises "
        "elicitation.url for this",
    ),
    "url_elicitation_error": Trigger(
        "trigger-url-elicitation",
        {"url": "https://example.com/approve", "errorPath": True},
        needs="elicitation",
        effect="no request: the call fails with MCP error -32042 whose data.elicitations lists one "
        "url elicitation",
    ),
    "roots": Trigger(
        "get-roots-list",
        needs="roots",
        effect="none by itself: the server asks roots/list by itself about 350 ms after initialized "
        "(and on notifications/roots/list_changed); this tool returns what it cached",
    ),
    "progress": Trigger(
        "trigger-long-running-operation",
        {"duration": 1, "steps": 2},
        effect="one notifications/progress per step (progress 1..steps, total steps), only when the "
        "call carries a progress token; then the text 'Long running operation completed. ...'",
    ),
    "logging": Trigger(
        "toggle-simulated-logging",
        effect="a notifications/message every 5 s at a random level until toggled off "
        "(respects logging/setLevel on the handshake)",
    ),
    "resource_updates": Trigger(
        "toggle-subscriber-updates",
        effect="a notifications/resources/updated for each subscribed uri every 5 s until toggled off",
    ),
    "structured": Trigger(
        "get-structured-content",
        {"location": "Chicago"},
        effect="content with the JSON text and structuredContent per its outputSchema: "
        "{'temperature': 36, 'conditions': 'Light rain / drizzle', 'humidity': 82}",
    ),
    "image": Trigger("get-tiny-image", effect="text, one PNG image, text"),
    "resource_links": Trigger(
        "get-resource-links", {"count": 2}, effect="text and resource_link blocks to its resources"
    ),
    "embedded_resource": Trigger(
        "get-resource-reference",
        {"resourceType": "Text", "resourceId": 1},
        effect="text and an embedded text resource demo://resource/dynamic/text/1",
    ),
}
"""How to make server-everything use each server-to-client feature (by feature)."""

EVERYTHING_OFFLINE_ENV: Mapping[str, str] = {"GZIP_ALLOWED_DOMAINS": "127.0.0.1"}
"""Keeps ``gzip-file-as-resource`` from fetching anything but loopback URLs (data: URIs still work)."""

TIME_TOOLS = frozenset({"get_current_time", "convert_time"})


# ---------------------------------------------------------------------------
# Installing.


class RegistryUnreachable(Exception):
    """The package registry could not be reached, so the server cannot be installed here."""


class InstallError(RuntimeError):
    """Installing a server failed for a reason other than an unreachable registry."""


# Messages npm and pip print when they could not reach the registry at all.
_NPM_NETWORK = re.compile(
    r"^npm (?:error|ERR!) (?:network |code (?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT"
    r"|ENETUNREACH|EHOSTUNREACH|ECONNABORTED|ERR_SOCKET_TIMEOUT)\b)",
    re.MULTILINE,
)
_PIP_NETWORK = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution"
    r"|Name or service not known|Network is unreachable|ConnectTimeoutError|Read timed out|ProxyError"
)


def npm_install(
    target: Path, package: str, version: str, npm: Callable[[], str], *, extra: Sequence[str] = ()
) -> Path:
    """Install ``package@version`` into ``target`` once (a marker remembers it); return its folder.

    ``npm`` finds the npm command; it is only asked when there is something to install.

    Raises:
        RegistryUnreachable: npm could not reach its registry.
        InstallError: the install failed, or npm installed another version.
    """
    spec = f"{package}@{version}"
    package_dir = target / "node_modules" / Path(*package.split("/"))
    with _installing(target, spec) as needed:
        if needed:
            flags = ["--no-fund", "--no-audit", "--fetch-retries=2", "--fetch-retry-mintimeout=2000"]
            flags += ["--fetch-retry-maxtimeout=10000", "--fetch-timeout=60000", *extra]
            command = [npm(), "install", "--prefix", str(target), *flags, spec]
            _run(command, what=spec, unreachable=_NPM_NETWORK)
    installed = json.loads((package_dir / "package.json").read_text())["version"]
    if installed != version:
        raise InstallError(f"npm installed {package} {installed}, not {version}")
    return package_dir


def install_everything(cache: Path = CACHE) -> Path:
    """Install server-everything (once) and return its entry script, to run as ``node <it> stdio``.

    Raises:
        RegistryUnreachable: npm could not reach its registry.
        InstallError: anything else went wrong (no npm, a failed install, a wrong version).
    """
    target = cache / "mcp-everything"
    spec = f"{EVERYTHING_PACKAGE}@{EVERYTHING_VERSION}"
    package_dir = npm_install(target, EVERYTHING_PACKAGE, EVERYTHING_VERSION, lambda: _require("npm"))
    bins = json.loads((package_dir / "package.json").read_text())["bin"]
    entry = package_dir / (bins if isinstance(bins, str) else bins["mcp-server-everything"])
    if not entry.is_file():
        raise InstallError(f"{spec} is installed in {target} but has no entry script {entry}")
    return entry


def install_time_server(cache: Path = CACHE) -> Path:
    """Install mcp-server-time (once) into a virtual environment of its own; return its command.

    Raises:
        RegistryUnreachable: pip could not reach the package index.
        InstallError: anything else went wrong.
    """
    target = cache / "mcp-server-time-venv"
    requirements = [f"{TIME_PACKAGE}=={TIME_VERSION}", f"mcp=={TIME_MCP_VERSION}"]
    command = target / "bin" / TIME_PACKAGE
    with _installing(target, " ".join(requirements)) as needed:
        if needed:
            # No pip inside: this project's pip installs into it, which saves bootstrapping one.
            _run([sys.executable, "-m", "venv", "--without-pip", str(target)], what="the virtual environment")
            _run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "--python",
                    str(target / "bin" / "python"),
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--timeout",
                    "60",
                    "--retries",
                    "2",
                    *requirements,
                ],
                what=" ".join(requirements),
                unreachable=_PIP_NETWORK,
            )
    if not command.is_file():
        raise InstallError(f"{TIME_PACKAGE} is installed in {target} but has no command {command}")
    return command


@contextmanager
def _installing(target: Path, spec: str) -> Iterator[bool]:
    """Yield whether ``target`` must be (re)installed with ``spec``; mark it installed afterwards.

    The marker is written only after a complete install, so an interrupted one is redone.
    """
    marker = target / _MARKER
    if _marked(marker, spec):
        yield False
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = target.parent / f"{target.name}.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another test run may be installing it right now
        try:
            if _marked(marker, spec):
                yield False
                return
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            yield True
            marker.write_text(spec + "\n")
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def _marked(marker: Path, spec: str) -> bool:
    try:
        return marker.read_text().strip() == spec
    except OSError:
        return False


def _require(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise InstallError(
            f"{program!r} is not on PATH; the MCP reference server tests need Node.js (node and npm)"
        )
    return found


def _run(command: list[str], *, what: str, unreachable: re.Pattern[str] | None = None) -> None:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as exc:
        raise InstallError(f"installing {what} took more than {_INSTALL_TIMEOUT:g} s: {command}") from exc
    if done.returncode == 0:
        return
    output = f"{done.stdout}\n{done.stderr}".strip()
    found = unreachable.search(output) if unreachable is not None else None
    if found is not None:
        start = output.rfind("\n", 0, found.start()) + 1
        end = output.find("\n", found.end())
        line = output[start : end if end >= 0 else None].strip()
        raise RegistryUnreachable(f"cannot install {what}: the package registry is unreachable ({line})")
    raise InstallError(f"installing {what} failed (exit {done.returncode}): {command}\n{output}")


# ---------------------------------------------------------------------------
# Server specs.


def everything_spec(
    name: str = "everything",
    *,
    protocol: ProtocolMode = "auto",
    env: Mapping[str, str] | None = None,
    cache: Path = CACHE,
) -> StdioServer:
    """server-everything over stdio, installed if needed; ``env`` is added to the child's."""
    node = _require("node")
    entry = install_everything(cache)
    return StdioServer(
        name=name, command=node, args=(str(entry), "stdio"), protocol=protocol, env=dict(env or {})
    )


def everything_full_spec(name: str = "everything", *, cache: Path = CACHE) -> StdioServer:
    """server-everything for tests of every feature: the handshake (``protocol="legacy"``),
    which sampling and elicitation need, and no network for ``gzip-file-as-resource``.

    Its conditional tools (:data:`EVERYTHING_CAPABILITY_TOOLS`) are listed only to a client
    that advertises the capabilities; :data:`EVERYTHING_TRIGGERS` says how to make it send
    each server-to-client message.
    """
    return everything_spec(name, protocol="legacy", env=EVERYTHING_OFFLINE_ENV, cache=cache)


def time_spec(name: str = "time", *, protocol: ProtocolMode = "auto", cache: Path = CACHE) -> StdioServer:
    """mcp-server-time over stdio with UTC as its local time zone, installed if needed."""
    command = install_time_server(cache)
    return StdioServer(name=name, command=str(command), args=("--local-timezone", "UTC"), protocol=protocol)


def variant(
    spec: StdioServer,
    *,
    name: str | None = None,
    protocol: ProtocolMode | None = None,
    env: Mapping[str, str] | None = None,
) -> StdioServer:
    """``spec`` under another name, protocol mode or extra environment, validated like a new one."""
    fields = spec.model_dump()
    if name is not None:
        fields["name"] = name
    if protocol is not None:
        fields["protocol"] = protocol
    if env is not None:
        fields["env"] = {**spec.env, **env}
    return StdioServer.model_validate(fields)


# ---------------------------------------------------------------------------
# Fixtures: bring them into a test module by assigning them to module names.


@pytest.fixture(scope="session")
def everything_server() -> StdioServer:
    """server-everything named ``everything``, protocol ``auto``; skips if npm's registry is unreachable."""
    try:
        return everything_spec()
    except RegistryUnreachable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def time_server() -> StdioServer:
    """mcp-server-time named ``time``, protocol ``auto``; skips if the package index is unreachable."""
    try:
        return time_spec()
    except RegistryUnreachable as exc:
        pytest.skip(str(exc))

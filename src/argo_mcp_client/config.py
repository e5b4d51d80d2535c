"""Settings from the environment, and the specs of the MCP servers to connect to.

A server is one of three kinds: a local command spoken to over stdio
(:class:`StdioServer`), a streamable HTTP endpoint (:class:`HttpServer`), or a
server object in this process (:class:`InProcessServer`, for tests).
:func:`load_servers` reads the ``{"mcpServers": {...}}`` files that Claude
Desktop and Cursor use.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import re
import shlex
from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from argo_mcp_client.errors import ConfigError

if TYPE_CHECKING:
    import os

__all__ = [
    "ArgoSettings",
    "HttpServer",
    "InProcessServer",
    "ServerSpec",
    "StdioServer",
    "load_servers",
]

logger = logging.getLogger("argo_mcp_client")

DEFAULT_BASE_URL = "http://localhost:8000/v1"
DEFAULT_MODEL = "argo:gpt-4o"

# A server's name becomes a tool-name prefix when two servers offer the same
# tool, so it must be usable there.
_SERVER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,31}$")

ProtocolMode = Literal["auto", "legacy"]


class ArgoSettings(BaseSettings):
    """Defaults read from the environment (``ARGO_BASE_URL``, ``ARGO_API_KEY``, ``ARGO_MODEL``).

    Arguments given to :class:`~argo_mcp_client.ArgoMCPClient` override these.
    """

    model_config = SettingsConfigDict(env_prefix="ARGO_", extra="ignore", frozen=True)

    base_url: str = DEFAULT_BASE_URL
    """The OpenAI-compatible endpoint, usually argo-proxy."""
    api_key: SecretStr | None = None
    """Sent as the bearer token. argo-proxy without configured keys accepts any value."""
    model: str = DEFAULT_MODEL
    """The model used when a run names none: an Argo id (``gpt4o``) or an alias (``argo:gpt-4o``)."""


class _ServerBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            kind = type(self).__name__
            name = data.get("name")
            raise ConfigError(
                f"{kind}{f' {name!r}' if name else ''} is invalid: {_first_error(exc)}"
            ) from None

    name: str
    """Unique among the client's servers; prefixes tool names that collide."""
    allow_tools: tuple[str, ...] | None = None
    """If set, only tools matching one of these glob patterns are offered to the model."""
    deny_tools: tuple[str, ...] = ()
    """Tools matching any of these glob patterns are never offered to the model."""
    protocol: ProtocolMode = "auto"
    """``"auto"`` tries the 2026-07-28 protocol and falls back to the handshake;
    ``"legacy"`` goes straight to the handshake (needed for sampling and elicitation)."""
    connect_timeout: float = Field(default=30.0, gt=0)
    """Seconds for the server to start and finish its handshake."""
    tasks: Literal["auto", "never"] = "auto"
    """Whether long tools may run as MCP tasks. ``"auto"``: the client declares task support
    (2026-07-28 servers then run as tasks the calls they choose), and tools that can only run as
    tasks are called as tasks; ``"never"``: no tasks, and task-only tools are not offered."""
    task_tools: tuple[str, ...] = ()
    """Glob patterns of tools to run as tasks whenever the server allows it (on 2025-11-25
    servers, which leave the choice to the client; 2026-07-28 servers choose themselves)."""
    task_timeout: float | None = Field(default=None, gt=0)
    """Seconds a tool running as a task may take before it is cancelled on the server;
    ``None`` (the default) waits as long as the run does. The client's ``tool_timeout``
    bounds only the call that creates the task."""
    label: str | None = None
    """The server's name as written in an ``mcp.json`` file, when it had to be changed
    into a valid ``name`` (``"brave search"`` becomes ``brave_search``)."""
    required: bool = True
    """The client does not start without this server. With ``False`` the client
    starts without it when it fails, shows why in ``client.servers``, and tries
    it again later (when the tools are next needed, after a backoff)."""

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _SERVER_NAME.match(value):
            raise ValueError(
                f"server name {value!r} must start with a letter or '_' and hold at most 32 letters, "
                "digits, '_' or '-', because it prefixes tool names the model sees"
            )
        return value

    def offers(self, tool: str) -> bool:
        """Whether the allow and deny lists let ``tool`` through to the model."""
        if any(fnmatchcase(tool, pattern) for pattern in self.deny_tools):
            return False
        return self.allow_tools is None or any(fnmatchcase(tool, p) for p in self.allow_tools)

    def runs_as_task(self, tool: str, support: str | None) -> bool:
        """Whether a call of ``tool`` (listed with ``execution.taskSupport: support``) runs as a task."""
        if self.tasks == "never" or support not in ("optional", "required"):
            return False
        return support == "required" or any(fnmatchcase(tool, pattern) for pattern in self.task_tools)

    def describe(self) -> str:
        """How the server is reached, for messages (never includes secrets)."""
        raise NotImplementedError


class StdioServer(_ServerBase):
    """A server started as a subprocess and spoken to over its stdin and stdout.

    Example:
        ```python
        StdioServer(name="gemflux", command="python", args=["-m", "gem_flux_mcp"])
        ```
    """

    kind: Literal["stdio"] = "stdio"
    command: str
    args: tuple[str, ...] = ()
    env: dict[str, str] = Field(default_factory=dict, repr=False)
    """Extra environment variables. The child otherwise gets only a minimal,
    safe environment (PATH, HOME, USER, ...), not this process's."""
    cwd: Path | None = None

    def describe(self) -> str:
        return shlex.join([self.command, *self.args])


class HttpServer(_ServerBase):
    """A server reached over streamable HTTP.

    Example:
        ```python
        HttpServer(name="tools", url="http://127.0.0.1:9000/mcp", headers={"Authorization": "Bearer ..."})
        ```
    """

    kind: Literal["http"] = "http"
    url: str
    headers: dict[str, str] = Field(default_factory=dict, repr=False)
    max_message_bytes: int | None = Field(default=16 * 1024 * 1024, gt=0)
    """The largest message (one server-sent event) accepted from the server; a
    larger result becomes a tool error naming this limit. ``None``: no limit."""

    def describe(self) -> str:
        return self.url


class InProcessServer(_ServerBase):
    """A server object living in this process (an ``mcp`` ``MCPServer`` or low-level ``Server``).

    Meant for tests and notebooks: no subprocess, no sockets.
    """

    kind: Literal["in_process"] = "in_process"
    server: Any = Field(repr=False)

    def describe(self) -> str:
        return f"in-process {type(self.server).__name__}"


ServerSpec = Annotated[StdioServer | HttpServer | InProcessServer, Field(discriminator="kind")]
"""Any of the three server kinds."""


_OWNED_REQUEST_KEYS = frozenset({"messages", "model", "tools", "stream", "stream_options", "n"})


def check_request_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """``request_settings`` as given, once checked: nothing the client sets itself, only finite numbers.

    Raises:
        ConfigError: a key the client owns (``messages``, ``model``, ``tools``, ``stream``, ...),
            or a number that is not finite (``nan``, ``inf``), which no gateway accepts.
    """
    owned = sorted(_OWNED_REQUEST_KEYS & set(settings))
    if owned:
        raise ConfigError(
            f"request_settings may not set {owned}: the client sets them for each request "
            "(use run()'s prompt and history, model=, and the servers' tools instead)"
        )
    for key, value in settings.items():
        if (path := _not_finite(value, key)) is not None:
            raise ConfigError(f"request_settings[{path}] is not a finite number; JSON has no NaN or infinity")
    return dict(settings)


def _not_finite(value: Any, path: str) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(path)
    if isinstance(value, Mapping):
        for key, item in value.items():
            if (found := _not_finite(item, f"{path}.{key}")) is not None:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found := _not_finite(item, f"{path}[{index}]")) is not None:
                return found
    return None


def load_servers(path: str | os.PathLike[str]) -> list[StdioServer | HttpServer]:
    """Read servers from a Claude Desktop / Cursor style ``mcp.json`` file.

    Entries with ``command`` become :class:`StdioServer`, entries with ``url``
    become :class:`HttpServer`; entries marked ``"disabled": true`` are skipped.

    Example:
        ```python
        servers = load_servers("~/.cursor/mcp.json")
        ```

    Raises:
        ConfigError: the file is missing, not JSON, or an entry is malformed.
    """
    file = Path(path).expanduser()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"MCP config file {file} does not exist") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read MCP config file {file}: {exc}") from None
    entries = data.get("mcpServers") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise ConfigError(
            f'{file} has no "mcpServers" object; expected {{"mcpServers": {{"name": {{...}}}}}}'
        )
    servers: list[StdioServer | HttpServer] = []
    taken: set[str] = set()
    for label, entry in entries.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{file}: server {label!r} must be an object with a command or a url")
        if entry.get("disabled") is True:
            logger.info("%s: skipping server %r: it is marked disabled", file, label)
            continue
        _warn_unknown_fields(file, label, entry)
        name = valid_server_name(label, taken)
        taken.add(name)
        servers.append(_server_from_entry(file, name, entry, label=None if name == label else label))
    return servers


_ENTRY_FIELDS = ("command", "args", "env", "cwd", "url", "headers", "type", "transport", "disabled")
_FIELD_SPELLINGS = {
    **{name: name for name in _ENTRY_FIELDS},
    "environment": "env",
    "arguments": "args",
    "workingdirectory": "cwd",
    "directory": "cwd",
    "endpoint": "url",
    "serverurl": "url",
    "enabled": "disabled",
}
"""Each known field, and longer spellings people use for it, to find the closest to an unknown field."""
_IGNORED_FIELDS = frozenset(
    {"autoApprove", "alwaysAllow", "timeout", "description", "disabledTools", "envFile", "name", "icon"}
)
"""Fields other clients define that mean nothing here; ignored without a warning."""


def _warn_unknown_fields(file: Path, label: str, entry: Mapping[str, Any]) -> None:
    for key in entry:
        if key in _ENTRY_FIELDS or key in _IGNORED_FIELDS:
            continue
        close = difflib.get_close_matches(key.lower(), _FIELD_SPELLINGS, n=1, cutoff=0.6)
        hint = f"; did you mean {_FIELD_SPELLINGS[close[0]]!r}?" if close else ""
        logger.warning("%s: server %r has an unknown field %r, which is ignored%s", file, label, key, hint)


def valid_server_name(label: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``label`` made into a valid server name, unlike any in ``taken``: other characters become ``_``,
    a leading digit gets ``_`` in front, and a long name is cut to 32 characters."""
    if _SERVER_NAME.match(label) and label not in taken:
        return label
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", label).strip("_") or "server"
    if not re.match(r"[A-Za-z_]", name):
        name = f"_{name}"
    name = name[:32]
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        suffix = f"_{n}"
        candidate = name[: 32 - len(suffix)] + suffix
    return candidate


def _server_from_entry(
    file: Path, name: str, entry: dict[str, Any], *, label: str | None = None
) -> StdioServer | HttpServer:
    transport = entry.get("type") or entry.get("transport")
    if transport == "sse":
        raise ConfigError(
            f"{file}: server {name!r} uses the SSE transport, which argo-mcp-client does not speak; "
            "point it at the server's streamable HTTP endpoint instead"
        )
    try:
        if "command" in entry:
            return StdioServer(
                name=name,
                command=entry["command"],
                args=tuple(entry.get("args") or ()),
                env=entry.get("env") or {},
                cwd=entry.get("cwd"),
                label=label,
            )
        if "url" in entry:
            return HttpServer(name=name, url=entry["url"], headers=entry.get("headers") or {}, label=label)
    except ConfigError as exc:
        raise ConfigError(f"{file}: server {label or name!r} is malformed: {exc}") from None
    raise ConfigError(f'{file}: server {name!r} needs either "command" (stdio) or "url" (streamable HTTP)')


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return (f"{where}: {message}" if where else message) + more


def invalid(what: str, exc: ValidationError) -> ConfigError:
    """``exc`` (pydantic's) as the :class:`ConfigError` this library raises, naming ``what``."""
    return ConfigError(f"{what} is invalid: {_first_error(exc)}")

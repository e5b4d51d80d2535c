"""What the client tells about its servers: their status, resources and prompts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "PromptInfo",
    "ResourceContent",
    "ResourceInfo",
    "ResourceTemplateInfo",
    "ServerStatus",
    "TaskResult",
]


@dataclass(frozen=True, slots=True)
class TaskResult:
    """A tool call's MCP task as its server holds it, fetched again by id."""

    server: str
    task_id: str
    status: str
    """``working``, ``input_required``, ``completed``, ``failed`` or ``cancelled``."""
    output: str
    """The result as the model would be sent it; for an unfinished task, a note saying so."""
    structured_content: Any = None
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """A resource a server offers."""

    server: str
    uri: str
    name: str
    description: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceTemplateInfo:
    """A family of resources a server offers, named by a URI template (RFC 6570)."""

    server: str
    uri_template: str
    """For example ``demo://resource/dynamic/text/{resourceId}``; fill it in and read the URI."""
    name: str
    description: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceContent:
    """Part of a resource as read: text, or bytes for binary resources."""

    uri: str
    mime_type: str | None
    text: str | None = None
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """How a connected server is doing."""

    name: str
    alive: bool
    """Connected now (a crashed server is started again on its next use)."""
    protocol_version: str | None
    """The MCP protocol version agreed on, e.g. ``2025-11-25`` (handshake) or ``2026-07-28``."""
    server_name: str | None
    server_version: str | None
    tools: int
    """Tools it lists (before allow and deny lists)."""
    instance: str | None = None
    """An id of this start of the server, new each time the client starts it (again); ``None`` for
    HTTP servers, which run on their own. See :meth:`ArgoMCPClient.restarted_servers`."""
    error: str | None = None
    """When it is not connected: why it stopped or failed to start."""
    restarts: int = 0
    """How many times it was started again after stopping."""


@dataclass(frozen=True, slots=True)
class PromptInfo:
    """A prompt template a server offers; ``arguments`` names the ones it takes."""

    server: str
    name: str
    description: str | None
    arguments: tuple[str, ...]
    required: tuple[str, ...]

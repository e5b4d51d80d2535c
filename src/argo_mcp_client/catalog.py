"""Resources and prompts of the servers, as the client hands them out."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mcp.types as mcp_types

from argo_mcp_client._results import render_content

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["PromptInfo", "ResourceContent", "ResourceInfo"]


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """A resource a server offers."""

    server: str
    uri: str
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
class PromptInfo:
    """A prompt template a server offers; ``arguments`` names the ones it takes."""

    server: str
    name: str
    description: str | None
    arguments: tuple[str, ...]
    required: tuple[str, ...]


def resource_info(server: str, resource: mcp_types.Resource) -> ResourceInfo:
    return ResourceInfo(
        server=server,
        uri=str(resource.uri),
        name=resource.name,
        description=resource.description,
        mime_type=resource.mime_type,
    )


def resource_contents(result: mcp_types.ReadResourceResult) -> list[ResourceContent]:
    contents: list[ResourceContent] = []
    for item in result.contents:
        if isinstance(item, mcp_types.TextResourceContents):
            contents.append(ResourceContent(uri=str(item.uri), mime_type=item.mime_type, text=item.text))
        elif isinstance(item, mcp_types.BlobResourceContents):
            try:
                data = base64.b64decode(item.blob)
            except (binascii.Error, ValueError):
                data = item.blob.encode()
            contents.append(ResourceContent(uri=str(item.uri), mime_type=item.mime_type, data=data))
    return contents


def prompt_info(server: str, prompt: mcp_types.Prompt) -> PromptInfo:
    arguments = prompt.arguments or []
    return PromptInfo(
        server=server,
        name=prompt.name,
        description=prompt.description,
        arguments=tuple(a.name for a in arguments),
        required=tuple(a.name for a in arguments if a.required),
    )


def prompt_messages(messages: Sequence[mcp_types.PromptMessage]) -> list[dict[str, Any]]:
    """A prompt's messages in OpenAI chat format, ready to start or seed a run."""
    return [{"role": m.role, "content": render_content(m.content)} for m in messages]

"""MCP tool results turned into the text of an OpenAI ``tool`` message.

Tool messages carry text only, so every content block becomes text the model
can read: text as is, structured content as JSON, text resources inlined, and a
one-line placeholder for what a model cannot be sent here (images, audio,
binary resources). Errors are marked in the text itself, since the OpenAI
format has no error flag on tool messages.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from typing import Any

import mcp.types as mcp_types

from argo_mcp_client.result import Attachment

ERROR_PREFIX = "ERROR: "


def render_result(result: mcp_types.CallToolResult) -> str:
    """The text the model is sent for a tool's result: each piece of data once, binary never as text."""
    parts = [render_content(block) for block in result.content]
    structured = result.structured_content
    if structured is not None and not _repeats(result.content, parts, structured):
        parts.append(json.dumps(_without_binary(structured), ensure_ascii=False, default=str))
    text = "\n".join(parts) if parts else "(the tool returned no content)"
    return error_text(text) if result.is_error else text


def error_text(message: str) -> str:
    """Mark ``message`` as an error for the model."""
    return message if message.startswith(ERROR_PREFIX) else ERROR_PREFIX + message


def _repeats(content: list[mcp_types.ContentBlock], parts: list[str], structured: Any) -> bool:
    """Whether the structured content carries the same data as the content blocks, in any wrapping.

    FastMCP wraps a plain value as ``{"result": value}``; server-filesystem and
    server-memory send ``{"content": text}``; media tools mirror their content
    blocks (base64 and all) as ``{"content": [...]}``. The model needs the data once.
    """
    if not content:
        return False
    text = "\n".join(parts)
    candidates: list[Any] = [text]
    with contextlib.suppress(ValueError):
        candidates.append(json.loads(text))
    candidates.append([block.model_dump(by_alias=True, mode="json", exclude_none=True) for block in content])
    return any(_same_data(candidate, structured) for candidate in candidates)


def _same_data(a: Any, b: Any, depth: int = 0) -> bool:
    if a == b:
        return True
    if depth > 3:
        return False
    if isinstance(b, dict) and len(b) == 1:
        return _same_data(a, next(iter(b.values())), depth + 1)
    if isinstance(a, dict) and len(a) == 1:
        return _same_data(next(iter(a.values())), b, depth + 1)
    if isinstance(b, list) and len(b) == 1:
        return _same_data(a, b[0], depth + 1)
    return False


_BINARY_KEYS = ("data", "blob")
_LONG_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]{512,}$")


def _without_binary(value: Any) -> Any:
    """``value`` with base64 data replaced by a note of its size: binary never reaches the model as text."""
    if isinstance(value, dict):
        return {
            key: _binary_note(item)
            if key in _BINARY_KEYS and isinstance(item, str)
            else _without_binary(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_binary(item) for item in value]
    if isinstance(value, str) and _LONG_BASE64.match(value):
        return _binary_note(value)
    return value


def _binary_note(data: str) -> str:
    return f"[{_decoded_size(data)} bytes of binary data: not shown to the model]"


def render_content(block: mcp_types.ContentBlock) -> str:
    """One MCP content block as text a model can be sent."""
    match block:
        case mcp_types.TextContent(text=text):
            return text
        case mcp_types.ImageContent(mime_type=mime, data=data):
            return f"[image {mime}, {_decoded_size(data)} bytes: not shown to the model]"
        case mcp_types.AudioContent(mime_type=mime, data=data):
            return f"[audio {mime}, {_decoded_size(data)} bytes: not shown to the model]"
        case mcp_types.ResourceLink(uri=uri, name=name, mime_type=mime):
            return f"[resource link {name}: {uri}{f' ({mime})' if mime else ''}]"
        case mcp_types.EmbeddedResource(resource=mcp_types.TextResourceContents() as res):
            return f"[resource {res.uri}{f' ({res.mime_type})' if res.mime_type else ''}]\n{res.text}"
        case mcp_types.EmbeddedResource(resource=mcp_types.BlobResourceContents() as res):
            mime = f" {res.mime_type}" if res.mime_type else ""
            return (
                f"[resource {res.uri}{mime}, {_decoded_size(res.blob)} bytes: binary, not shown to the model]"
            )
        case _:  # pragma: no cover - a content type newer than this code
            return f"[{getattr(block, 'type', 'unknown')} content: not shown to the model]"


def attachments(content: list[mcp_types.ContentBlock]) -> tuple[Attachment, ...]:
    """The binary content blocks (images, audio, binary resources), decoded, for the application."""
    found: list[Attachment] = []
    for block in content:
        match block:
            case mcp_types.ImageContent(mime_type=mime, data=data):
                found.append(Attachment(kind="image", mime_type=mime, data=_decoded(data)))
            case mcp_types.AudioContent(mime_type=mime, data=data):
                found.append(Attachment(kind="audio", mime_type=mime, data=_decoded(data)))
            case mcp_types.EmbeddedResource(resource=mcp_types.BlobResourceContents() as res):
                found.append(
                    Attachment(
                        kind="blob", mime_type=res.mime_type, data=_decoded(res.blob), uri=str(res.uri)
                    )
                )
            case _:
                pass
    return tuple(found)


def _decoded(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return data.encode()


def _decoded_size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return len(data)

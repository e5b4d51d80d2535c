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
import json
from typing import Any

import mcp.types as mcp_types

ERROR_PREFIX = "ERROR: "


def render_result(result: mcp_types.CallToolResult) -> str:
    """The text the model is sent for a tool's result."""
    parts = [render_content(block) for block in result.content]
    structured = result.structured_content
    if structured is not None and not _text_repeats(parts, structured):
        parts.append(json.dumps(structured, ensure_ascii=False, default=str))
    text = "\n".join(parts) if parts else "(the tool returned no content)"
    return error_text(text) if result.is_error else text


def error_text(message: str) -> str:
    """Mark ``message`` as an error for the model."""
    return message if message.startswith(ERROR_PREFIX) else ERROR_PREFIX + message


def _text_repeats(parts: list[str], structured: Any) -> bool:
    # Servers built on FastMCP send structured results twice: as structured
    # content and as its JSON in a text block, a non-object value wrapped as
    # {"result": value}. The model needs it once.
    if not parts:
        return False
    try:
        text_value = json.loads("\n".join(parts))
    except ValueError:
        text_value = "\n".join(parts)
    return bool(text_value == structured or structured == {"result": text_value})


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


def _decoded_size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return len(data)

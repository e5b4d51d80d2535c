"""MCP tool results rendered as tool-message text."""

from __future__ import annotations

import base64
import json

import mcp.types as t

from argo_mcp_client import Attachment
from argo_mcp_client._mcp.render import attachments, render_result


def text(value: str) -> t.TextContent:
    return t.TextContent(type="text", text=value)


def test_text_blocks_are_joined() -> None:
    assert render_result(t.CallToolResult(content=[text("one"), text("two")])) == "one\ntwo"


def test_structured_content_repeated_as_text_is_sent_once() -> None:
    result = t.CallToolResult(content=[text('{"growth": 0.87}')], structured_content={"growth": 0.87})

    assert render_result(result) == '{"growth": 0.87}'


def test_a_wrapped_scalar_repeated_as_text_is_sent_once() -> None:
    assert render_result(t.CallToolResult(content=[text("5")], structured_content={"result": 5})) == "5"


def test_structured_content_unlike_the_text_is_added_as_json() -> None:
    result = t.CallToolResult(content=[text("done")], structured_content={"id": "m1"})

    assert render_result(result) == 'done\n{"id": "m1"}'


def test_structured_content_alone_becomes_json() -> None:
    assert render_result(t.CallToolResult(content=[], structured_content={"ok": True})) == '{"ok": true}'


def test_an_error_result_is_marked() -> None:
    result = t.CallToolResult(content=[text("model not found")], is_error=True)

    assert render_result(result) == "ERROR: model not found"


def test_no_content_says_so() -> None:
    assert render_result(t.CallToolResult(content=[])) == "(the tool returned no content)"


def test_an_image_becomes_a_placeholder_with_its_size() -> None:
    data = base64.b64encode(b"x" * 100).decode()
    result = t.CallToolResult(content=[t.ImageContent(type="image", data=data, mime_type="image/png")])

    assert render_result(result) == "[image image/png, 100 bytes: not shown to the model]"


def test_an_embedded_text_resource_is_inlined() -> None:
    resource = t.TextResourceContents(uri="file:///m.json", mime_type="application/json", text='{"a": 1}')
    result = t.CallToolResult(content=[t.EmbeddedResource(type="resource", resource=resource)])

    assert render_result(result) == '[resource file:///m.json (application/json)]\n{"a": 1}'


def test_an_embedded_binary_resource_becomes_a_placeholder() -> None:
    blob = base64.b64encode(b"\0" * 10).decode()
    resource = t.BlobResourceContents(uri="file:///m.sbml", blob=blob)
    result = t.CallToolResult(content=[t.EmbeddedResource(type="resource", resource=resource)])

    assert render_result(result) == "[resource file:///m.sbml, 10 bytes: binary, not shown to the model]"


def test_a_resource_link_names_its_uri() -> None:
    link = t.ResourceLink(type="resource_link", uri="file:///out.csv", name="fluxes", mime_type="text/csv")

    assert (
        render_result(t.CallToolResult(content=[link]))
        == "[resource link fluxes: file:///out.csv (text/csv)]"
    )


def test_item9_a_text_repeated_as_content_key_is_sent_once() -> None:
    body = "line\n" * 1000  # server-filesystem and server-memory send {"content": text} beside the text
    result = t.CallToolResult(content=[text(body)], structured_content={"content": body})

    assert render_result(result) == body


def test_item9_json_repeated_under_any_single_key_is_sent_once() -> None:
    graph = {"entities": [{"name": "Ada"}], "relations": []}
    result = t.CallToolResult(content=[text(json.dumps(graph))], structured_content={"graph": graph})

    assert render_result(result) == json.dumps(graph)


def test_item10_binary_mirrored_in_structured_content_never_reaches_the_model() -> None:
    data = base64.b64encode(bytes(range(256)) * 400).decode()
    image = t.ImageContent(type="image", data=data, mime_type="image/png")
    mirrored = {"content": [{"type": "image", "data": data, "mimeType": "image/png"}]}

    rendered = render_result(t.CallToolResult(content=[image], structured_content=mirrored))

    assert rendered == "[image image/png, 102400 bytes: not shown to the model]"


def test_item10_base64_inside_other_structured_content_is_replaced_by_its_size() -> None:
    data = base64.b64encode(b"\x00" * 3000).decode()
    result = t.CallToolResult(content=[text("saved")], structured_content={"file": "a.bin", "data": data})

    rendered = render_result(result)

    assert data not in rendered
    assert "[3000 bytes of binary data: not shown to the model]" in rendered


def test_item10_binary_blocks_become_attachments() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 10
    blocks: list[t.ContentBlock] = [
        text("here"),
        t.ImageContent(type="image", data=base64.b64encode(png).decode(), mime_type="image/png"),
        t.EmbeddedResource(
            type="resource",
            resource=t.BlobResourceContents(uri="file:///a.bin", blob=base64.b64encode(b"ab").decode()),
        ),
    ]

    found = attachments(blocks)

    assert found == (
        Attachment(kind="image", mime_type="image/png", data=png),
        Attachment(kind="blob", mime_type=None, data=b"ab", uri="file:///a.bin"),
    )

"""Stream shapes of the gateways users run, assembled through the real SDK path.

Each ``tests/fixtures/streams/<shape>.sse`` holds the bytes a client receives: written
by hand in the shape each gateway sends (see that folder's README), not recorded;
``<shape>.expected.json`` the message they must assemble into, or the error.
The bytes are delivered three at a time, so multi-byte characters arrive split.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from argo_mcp_client._models.assembly import IncompleteStream, StreamError
from argo_mcp_client._models.chat import ChatModel
from support.fakes import openai_client

STREAMS = Path(__file__).parents[2] / "fixtures" / "streams"
SHAPES = sorted(p.name.removesuffix(".sse") for p in STREAMS.glob("*.sse"))


def chat_serving(body: bytes, piece: int = 3) -> ChatModel:
    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), piece):
            yield body[start : start + piece]

    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=pieces())

    return ChatModel(openai_client(answer))


async def assemble(shape: str) -> tuple[Any, list[str]]:
    texts: list[str] = []

    async def on_text(text: str) -> None:
        texts.append(text)

    chat = chat_serving((STREAMS / f"{shape}.sse").read_bytes())
    reply = await chat.stream(
        model="gpt4o", messages=[{"role": "user", "content": "hi"}], tools=[], on_text=on_text
    )
    return reply, texts


def test_every_shape_has_an_expectation() -> None:
    assert len(SHAPES) >= 10
    assert all((STREAMS / f"{shape}.expected.json").exists() for shape in SHAPES)


@pytest.mark.parametrize(
    "shape", [s for s in SHAPES if "error" not in json.loads((STREAMS / f"{s}.expected.json").read_text())]
)
async def test_shape_assembles_into_the_expected_message(shape: str) -> None:
    expected = json.loads((STREAMS / f"{shape}.expected.json").read_text())

    reply, texts = await assemble(shape)

    assert reply.content == expected["content"]
    assert "".join(texts) == (expected["content"] or "")
    assert reply.finish_reason == expected["finish_reason"]
    assert [[c.id, c.name, c.arguments] for c in reply.tool_calls] == expected["tool_calls"]
    if expected["usage"] is not None:
        assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == tuple(expected["usage"])


async def test_a_stream_dropped_mid_call_is_refused_not_handed_on() -> None:
    with pytest.raises(IncompleteStream, match="without a finish reason"):
        await assemble("argo_proxy_3_dropped_mid_stream")


async def test_a_malformed_chunk_is_refused() -> None:
    with pytest.raises(StreamError, match="not valid JSON"):
        await assemble("malformed_chunk")


async def test_text_is_passed_on_chunk_by_chunk() -> None:
    _, texts = await assemble("multibyte_text")

    assert texts == ["Glucose → pyruvate: ", "µmax ≈ 0.87 h⁻¹, ", "代謝モデル 🧫 ok"]

"""Streaming through the loop: text as it arrives, fallback when a stream breaks, clean early exits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import anyio
import httpx2
import openai
import pytest

from argo_mcp_client import (
    ArgoMCPClient,
    Conversation,
    InProcessServer,
    ModelError,
    RunFinished,
    TextDelta,
    TurnRestarted,
)
from argo_mcp_client._history import check_history
from argo_mcp_client._models.retry import RetryPolicy
from argo_mcp_client._sse import sse_body
from argo_mcp_client.testing import ScriptedModel, Step, call, raw_stream, reply
from support.fakes import openai_client
from support.servers import ToolLog, tool_server

STREAMS = Path(__file__).parents[2] / "fixtures" / "streams"
NO_WAIT = RetryPolicy(base_delay=0, max_delay=0)


def text_chunk(text: str, finish: str | None = None) -> dict[str, object]:
    return {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "gpt4o",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}  # fmt: skip


class HeldStream:
    """A simulated gateway whose stream sends one chunk, then waits for the test to release the rest."""

    def __init__(self) -> None:
        self.release = anyio.Event()
        self.closed = anyio.Event()

    async def body(self) -> AsyncIterator[bytes]:
        try:
            yield sse_body([text_chunk("first ")], done=False)
            await self.release.wait()
            yield sse_body([text_chunk("rest", "stop")])
        finally:
            self.closed.set()

    def openai_client(self) -> openai.AsyncOpenAI:
        def answer(request: httpx2.Request) -> httpx2.Response:
            return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=self.body())

        return openai_client(answer)


@pytest.fixture
async def held() -> AsyncIterator[tuple[ArgoMCPClient, HeldStream]]:
    stream = HeldStream()
    async with AsyncExitStack() as stack:
        lab = InProcessServer(name="lab", server=tool_server(ToolLog()))
        client = ArgoMCPClient(servers=[lab], openai_client=stream.openai_client(), model="gpt4o")
        yield await stack.enter_async_context(client), stream


async def test_the_first_text_goes_out_before_the_stream_ends(held: tuple[ArgoMCPClient, HeldStream]) -> None:
    client, stream = held
    texts: list[str] = []

    # The gateway holds the rest back until the first delta has reached us:
    # a loop that waited for the whole reply would never finish.
    with anyio.fail_after(10):
        async with client.stream("hi") as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    texts.append(event.text)
                    stream.release.set()

    assert texts == ["first ", "rest"]


async def test_breaking_out_closes_the_http_response(held: tuple[ArgoMCPClient, HeldStream]) -> None:
    client, stream = held
    conversation = Conversation()

    with anyio.fail_after(10):
        async with client.stream("hi", conversation=conversation) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    break
        await stream.closed.wait()

    assert conversation.messages == [{"role": "user", "content": "hi"}]


async def test_cancelling_closes_the_http_response(held: tuple[ArgoMCPClient, HeldStream]) -> None:
    client, stream = held
    conversation = Conversation()
    first_text = anyio.Event()

    async def consume() -> None:
        async with client.stream("hi", conversation=conversation) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    first_text.set()

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(consume)
            await first_text.wait()
            group.cancel_scope.cancel()
        await stream.closed.wait()

    assert conversation.messages == [{"role": "user", "content": "hi"}]


async def test_an_error_mid_stream_withdraws_the_partial_text_and_retries() -> None:
    broken = (
        sse_body([text_chunk("Partial ans")], done=False)
        + b'data: {"error": {"message": "Upstream ended"}}\n\n'
    )
    model = ScriptedModel([raw_stream(broken), reply("Whole answer")])
    conversation = Conversation()

    client = ArgoMCPClient(openai_client=model.openai_client(), model="gpt4o", retry=NO_WAIT)
    async with client, client.stream("hi", conversation=conversation) as events:
        kinds = [(e.kind, getattr(e, "text", "")) async for e in events]

    assert kinds[2:6] == [
        ("text_delta", "Partial ans"),
        ("turn_restarted", ""),
        ("model_retrying", ""),
        ("model_request_started", ""),
    ]
    assert conversation.messages[-1] == {"role": "assistant", "content": "Whole answer"}
    assert "Partial" not in str(conversation.messages)


async def test_an_error_mid_stream_fails_the_run_when_retries_are_off() -> None:
    broken = (
        sse_body([text_chunk("Partial ans")], done=False)
        + b'data: {"error": {"message": "Upstream ended"}}\n\n'
    )
    model = ScriptedModel([raw_stream(broken)])
    conversation = Conversation()

    async with ArgoMCPClient(
        openai_client=model.openai_client(), model="gpt4o", retry=RetryPolicy(attempts=1)
    ) as client:
        with pytest.raises(ModelError, match="Upstream ended"):
            await client.chat(conversation, "hi")

    assert conversation.messages == [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("shape", ["malformed_chunk", "argo_proxy_3_dropped_mid_stream"])
async def test_a_broken_stream_is_asked_again_without_streaming(shape: str) -> None:
    model = ScriptedModel([raw_stream((STREAMS / f"{shape}.sse").read_bytes()), call("ping"), reply("pong")])
    lab = InProcessServer(name="lab", server=tool_server(ToolLog()))

    client = ArgoMCPClient(servers=[lab], openai_client=model.openai_client(), model="gpt4o")
    async with client, client.stream("ping") as events:
        seen = [event async for event in events]

    restarted = [e for e in seen if isinstance(e, TurnRestarted)]
    assert len(restarted) == 1
    assert restarted[0].turn == 1
    assert "asking again without streaming" in restarted[0].reason
    assert [r.stream for r in model.requests] == [True, False, True]
    finished = seen[-1]
    assert isinstance(finished, RunFinished)
    result = finished.result
    assert [c.tool for c in result.tool_calls] == ["ping"]
    check_history(result.messages)


async def test_streamed_and_whole_runs_give_the_same_history() -> None:
    script: list[Step] = [
        [call("add", {"a": 1, "b": 2}), call("echo", {"text": "héllo wörld, a longer text"})],
        reply("3 and héllo"),
    ]
    results = []
    for streaming in (True, False):
        model = ScriptedModel(list(script), chunk_size=3)
        lab = InProcessServer(name="lab", server=tool_server(ToolLog()))
        async with ArgoMCPClient(
            servers=[lab], openai_client=model.openai_client(), model="gpt4o", streaming=streaming
        ) as client:
            results.append(await client.run("go"))

    streamed, whole = results
    assert streamed.messages == whole.messages
    assert streamed.output == whole.output
    assert [c.model_dump(exclude={"duration"}) for c in streamed.tool_calls] == [
        c.model_dump(exclude={"duration"}) for c in whole.tool_calls
    ]
    assert streamed.usage == whole.usage

"""Gateway failures translated into ModelError, checked at the HTTP layer with respx.

The openai SDK runs on httpx2, which respx does not patch; these tests give the
SDK a legacy ``httpx`` client, which it still accepts, so respx sees the requests.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from argo_mcp_client import ModelError
from argo_mcp_client._models.chat import ChatModel
from support.fakes import openai_client

BASE = "http://gateway.test/v1"
HELLO = [{"role": "user", "content": "hi"}]


@pytest.fixture
def gateway() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
def chat() -> ChatModel:
    return ChatModel(openai_client(http_client=httpx.AsyncClient(), base_url=BASE))


async def complete(chat: ChatModel) -> None:
    await chat.complete(model="gpt4o", messages=HELLO, tools=[])


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "check api_key"), (403, "may use this model"), (404, "check the model name"), (500, "HTTP 500")],
)
async def test_status_errors_say_what_to_check(
    gateway: respx.MockRouter, chat: ChatModel, status: int, hint: str
) -> None:
    gateway.post("/chat/completions").mock(
        return_value=httpx.Response(status, json={"error": {"message": "nope"}})
    )

    with pytest.raises(ModelError, match=hint) as caught:
        await complete(chat)

    assert caught.value.status_code == status
    assert caught.value.model == "gpt4o"
    assert "nope" in str(caught.value)


async def test_an_unreachable_gateway_names_the_url_and_argo_proxy(
    gateway: respx.MockRouter, chat: ChatModel
) -> None:
    gateway.post("/chat/completions").mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(
        ModelError, match=r"cannot reach the model endpoint http://gateway\.test/v1/.*argo-proxy"
    ):
        await complete(chat)


async def test_a_reply_without_choices_is_an_error(gateway: respx.MockRouter, chat: ChatModel) -> None:
    empty = {"id": "", "choices": [], "created": 0, "model": "", "object": "chat.completion"}
    gateway.post("/chat/completions").mock(return_value=httpx.Response(200, json=empty))

    with pytest.raises(ModelError, match="returned no choices"):
        await complete(chat)


async def test_tools_are_sent_only_when_there_are_some(gateway: respx.MockRouter, chat: ChatModel) -> None:
    answer = {
        "id": "1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    }
    route = gateway.post("/chat/completions").mock(return_value=httpx.Response(200, json=answer))

    reply = await chat.complete(model="gpt4o", messages=HELLO, tools=[])

    sent = route.calls.last.request.read()
    assert b'"tools"' not in sent
    assert reply.content == "hi"
    assert reply.usage.requests == 1


async def test_missing_and_repeated_call_ids_are_replaced(gateway: respx.MockRouter, chat: ChatModel) -> None:
    calls = [
        {"id": "", "type": "function", "function": {"name": "a", "arguments": "{}"}},
        {"id": "same", "type": "function", "function": {"name": "b", "arguments": "{}"}},
        {"id": "same", "type": "function", "function": {"name": "c", "arguments": "{}"}},
    ]
    answer = {
        "id": "1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt4o",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "tool_calls": calls}, "finish_reason": "tool_calls"}
        ],
    }
    gateway.post("/chat/completions").mock(return_value=httpx.Response(200, json=answer))

    reply = await chat.complete(model="gpt4o", messages=HELLO, tools=[])

    ids = [c.id for c in reply.tool_calls]
    assert len(set(ids)) == 3
    assert all(ids)
    assert ids[1] == "same"

"""What goes over the wire for a model request: the body, the auth header, the request options."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pydantic
import pytest

from argo_mcp_client import ConfigError
from argo_mcp_client._models.chat import ChatModel
from argo_mcp_client.testing import ScriptedModel, reply
from support.fakes import openai_client

TOOLS = [{"type": "function", "function": {"name": "ping", "parameters": {"type": "object"}}}]
MESSAGES = [{"role": "user", "content": "hi"}]


class Recorder:
    """The scripted model behind a transport that keeps every HTTP request it passes on."""

    def __init__(self) -> None:
        self.model = ScriptedModel(lambda request: reply("hello"))
        self.requests: list[httpx2.Request] = []

    async def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return await self.model.answer(request)

    def chat(self, **settings: Any) -> ChatModel:
        return ChatModel(openai_client(self.handle, api_key="sekret"), settings=settings)

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.requests[-1].content)
        return body


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


async def on_text(text: str) -> None:
    pass


async def test_a_streamed_request_carries_the_history_tools_and_stream_options(recorder: Recorder) -> None:
    answer = await recorder.chat().stream(model="m", messages=MESSAGES, tools=TOOLS, on_text=on_text)

    assert answer.content == "hello"
    assert recorder.body == {
        "model": "m",
        "messages": MESSAGES,
        "tools": TOOLS,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


async def test_a_whole_request_carries_no_stream_field(recorder: Recorder) -> None:
    answer = await recorder.chat().complete(model="m", messages=MESSAGES, tools=())

    assert answer.content == "hello"
    assert recorder.body == {"model": "m", "messages": MESSAGES}


async def test_requests_carry_the_api_key_as_a_bearer_token(recorder: Recorder) -> None:
    await recorder.chat().complete(model="m", messages=MESSAGES, tools=())

    assert recorder.requests[-1].headers["authorization"] == "Bearer sekret"


async def test_request_settings_are_sent_as_body_fields(recorder: Recorder) -> None:
    await recorder.chat(temperature=0.2, user="lab-7").complete(model="m", messages=MESSAGES, tools=())

    assert (recorder.body["temperature"], recorder.body["user"]) == (0.2, "lab-7")


async def test_extra_headers_query_and_body_settings_become_request_options(recorder: Recorder) -> None:
    chat = recorder.chat(
        extra_headers={"X-Project": "gemflux"}, extra_query={"tenant": "anl"}, extra_body={"seed": 7}
    )

    await chat.complete(model="m", messages=MESSAGES, tools=())

    sent = recorder.requests[-1]
    assert sent.headers["x-project"] == "gemflux"
    assert sent.url.params["tenant"] == "anl"
    assert recorder.body["seed"] == 7
    assert not {"extra_headers", "extra_query", "extra_body"} & recorder.body.keys()


async def test_omitted_extra_body_fields_and_unset_options_are_left_out(recorder: Recorder) -> None:
    chat = recorder.chat(extra_body={"stream_options": openai.omit, "seed": 7}, extra_headers=None)

    await chat.stream(model="m", messages=MESSAGES, tools=(), on_text=on_text)

    assert "stream_options" not in recorder.body
    assert recorder.body["seed"] == 7


def test_a_setting_that_is_not_json_is_refused_naming_it(recorder: Recorder) -> None:
    class Answer(pydantic.BaseModel):
        text: str

    with pytest.raises(ConfigError, match="'response_format' cannot be sent as JSON"):
        recorder.chat(response_format=Answer)

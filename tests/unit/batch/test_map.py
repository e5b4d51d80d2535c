"""ArgoMCPClient.map: every item once, tagged with its id, in completion order, a bounded number at a time."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace

import anyio
import pytest
from pydantic import BaseModel

from argo_mcp_client import ArgoMCPClient, BatchItem, BatchResult, ConfigError, Event, RetryPolicy, Usage
from argo_mcp_client._models.profiles import KNOWN_PROFILES
from argo_mcp_client.batch._items import cost_of
from argo_mcp_client.testing import ScriptedModel, ScriptedRequest, Step, failure, reply


class Gate:
    """A scripted model that answers each prompt only when the test releases it."""

    def __init__(self) -> None:
        self.released: dict[str, anyio.Event] = {}
        self.in_flight = 0
        self.most_in_flight = 0

    def release(self, prompt: str) -> None:
        self.released.setdefault(prompt, anyio.Event()).set()

    async def respond(self, request: ScriptedRequest) -> Step:
        prompt = str(request.messages[-1]["content"])
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.released.setdefault(prompt, anyio.Event()).wait()
        finally:
            self.in_flight -= 1
        if prompt.startswith("fail"):
            return failure(400, "refused on purpose")
        return reply(f"answer to {prompt}")


def client_for(responder: ScriptedModel) -> ArgoMCPClient:
    return ArgoMCPClient(http_client=responder.http_client(), model="scripted", retry=RetryPolicy(attempts=1))


async def test_results_come_in_completion_order_tagged_with_their_ids() -> None:
    gate = Gate()
    items = [{"id": f"n{i}", "prompt": f"p{i}"} for i in range(3)]
    got: list[BatchResult] = []
    with anyio.fail_after(10):
        async with (
            client_for(ScriptedModel(gate.respond)) as client,
            client.map(items, concurrency=3) as results,
        ):
            for prompt in ("p2", "p0", "p1"):
                gate.release(prompt)
                got.append(await anext(results))
    assert [r.id for r in got] == ["n2", "n0", "n1"]
    assert [r.output for r in got] == ["answer to p2", "answer to p0", "answer to p1"]
    assert all(r.ok and r.turns == 1 and r.tokens > 0 for r in got)


async def test_no_more_than_the_concurrency_are_in_flight() -> None:
    gate = Gate()
    items = [BatchItem(id=str(i), prompt=f"p{i}") for i in range(10)]
    for i in range(10):
        gate.release(f"p{i}")
    with anyio.fail_after(10):
        async with (
            client_for(ScriptedModel(gate.respond)) as client,
            client.map(items, concurrency=3) as results,
        ):
            ids = [result.id async for result in results]
    assert sorted(ids, key=int) == [str(i) for i in range(10)]
    assert gate.most_in_flight <= 3


async def test_a_failed_conversation_is_a_result_with_its_error_and_the_batch_goes_on() -> None:
    gate = Gate()
    for prompt in ("fail me", "fine"):
        gate.release(prompt)
    items = [{"id": "bad", "prompt": "fail me"}, {"id": "good", "prompt": "fine"}]
    with anyio.fail_after(10):
        async with (
            client_for(ScriptedModel(gate.respond)) as client,
            client.map(items, concurrency=1) as results,
        ):
            by_id = {r.id: r async for r in results}
    assert by_id["good"].ok
    assert not by_id["bad"].ok
    assert by_id["bad"].error_type == "ModelError"
    assert "refused on purpose" in (by_id["bad"].error or "")


async def test_items_take_their_own_model_and_system_prompt() -> None:
    model = ScriptedModel(lambda r: reply(f"{r.model}|{r.messages[0]['content']}"))
    items = [{"id": "a", "prompt": "hi", "model": "gpt4o", "system_prompt": "be brief", "metadata": {"k": 1}}]
    async with client_for(model) as client, client.map(items) as results:
        (result,) = [r async for r in results]
    assert result.output == "gpt4o|be brief"
    assert result.model == "gpt4o"
    assert result.metadata == {"k": 1}


def test_cost_is_priced_from_the_profiles_and_unknown_when_a_price_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    priced = replace(KNOWN_PROFILES["gpt4o"], input_price=2.0, output_price=10.0)
    monkeypatch.setitem(KNOWN_PROFILES, "gpt4o", priced)
    spent = Usage(requests=1, prompt_tokens=1_000_000, completion_tokens=100_000, total_tokens=1_100_000)
    assert cost_of({"gpt4o": spent}) == 3.0
    assert cost_of({"gpt4o": spent, "some-local-model": spent}) is None


async def test_two_items_with_one_id_stop_the_batch() -> None:
    model = ScriptedModel(lambda r: reply("ok"))
    items = [{"id": "same", "prompt": "a"}, {"id": "same", "prompt": "b"}]

    async def run_all() -> None:
        async with client_for(model) as client, client.map(items, concurrency=1) as results:
            async for _ in results:
                pass

    with pytest.raises(ConfigError, match="same"):
        await run_all()


async def test_on_event_hears_every_conversation_by_id() -> None:
    model = ScriptedModel(lambda r: reply("ok"))
    heard: list[tuple[str, str]] = []

    def on_event(item_id: str, event: Event) -> None:
        heard.append((item_id, event.kind))

    async def items() -> AsyncIterator[dict[str, str]]:
        for i in range(2):
            yield {"id": f"x{i}", "prompt": "hi"}

    async with client_for(model) as client, client.map(items(), on_event=on_event) as results:
        assert len([r async for r in results]) == 2
    assert ("x0", "run_finished") in heard
    assert ("x1", "run_finished") in heard


async def test_leaving_early_stops_the_conversations_in_flight() -> None:
    gate = Gate()
    gate.release("p0")
    items = [{"id": str(i), "prompt": f"p{i}"} for i in range(5)]
    with anyio.fail_after(10):
        async with client_for(ScriptedModel(gate.respond)) as client:
            async with client.map(items, concurrency=2) as results:
                first = await anext(results)
            assert first.id == "0"
            assert gate.in_flight == 0


class Growth(BaseModel):
    """A typed answer for the batch below."""

    model_id: str
    rate: float


async def test_output_type_gives_each_line_its_validated_value() -> None:
    def respond(request: ScriptedRequest) -> Step:
        genome = str(request.messages[-1]["content"])
        return reply(f'{{"model_id": "{genome}.draft.gf", "rate": 0.5}}')

    items = [{"id": g, "prompt": g} for g in ("g1", "g2")]
    # gpt4o's profile takes response_format, so the answer is the reply's JSON itself.
    client = ArgoMCPClient(http_client=ScriptedModel(respond).http_client(), model="gpt4o")
    async with (
        client,
        client.map(items, concurrency=2, output_type=Growth) as results,
    ):
        got = {r.id: r async for r in results}

    assert got["g1"].value == {"model_id": "g1.draft.gf", "rate": 0.5}
    assert got["g2"].value == {"model_id": "g2.draft.gf", "rate": 0.5}
    assert json.loads(got["g1"].output or "") == got["g1"].value


async def test_an_answer_that_does_not_fit_the_output_type_is_that_lines_error() -> None:
    items = [{"id": "bad", "prompt": "p"}]
    async with (
        client_for(ScriptedModel(lambda request: reply("not json at all"))) as client,
        client.map(items, output_type=Growth) as results,
    ):
        got = [r async for r in results]

    assert (got[0].ok, got[0].error_type) == (False, "OutputValidationError")

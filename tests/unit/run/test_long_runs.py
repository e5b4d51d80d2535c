"""Long runs through the loop: compaction per request, the tool catalogue's search, cost and usage limits."""

from __future__ import annotations

import json

import pytest

from argo_mcp_client import HistoryCompacted, InProcessServer, UsageLimitExceeded, UsageLimits
from argo_mcp_client._history import check_history
from argo_mcp_client._run.budget import ContextBudget
from argo_mcp_client._run.catalogue import payload_size
from argo_mcp_client.testing import ScriptedRequest, call, reply
from support.servers import big_results_server
from unit.conftest import Connect

ROWS = 5_000  # about 95,000 characters of JSON a result


def one_char_a_token(text: str) -> int:
    return len(text)


@pytest.fixture
def fluxes() -> InProcessServer:
    return InProcessServer(name="fluxes", server=big_results_server())


async def test_each_request_is_compacted_to_the_budget_and_the_conversation_keeps_everything(
    connect: Connect, fluxes: InProcessServer
) -> None:
    script = [call("flux_table", {"rows": ROWS, "seed": seed}) for seed in range(4)] + [reply("done")]
    client, model = await connect(
        script, servers=[fluxes], artifact_threshold=200_000, token_counter=one_char_a_token
    )
    budget = ContextBudget.for_window(128_000, 16_384, one_char_a_token)

    events = []
    async with client.stream("Tabulate four seeds") as stream:
        async for event in stream:
            events.append(event)
    result = stream.result
    assert result is not None

    compacted = [e for e in events if isinstance(e, HistoryCompacted)]
    assert compacted
    assert compacted[0].shortened
    for request in model.requests:
        sent = budget.messages_tokens(request.messages) + budget.tools_tokens(request.tools)
        assert sent <= budget.limit
        check_history(request.messages)
    assert [len(m["content"]) > 90_000 for m in result.messages if m["role"] == "tool"] == [True] * 4
    stub = next(m["content"] for m in model.requests[-1].messages if m["role"] == "tool")
    handle = stub.split("read_artifact(id='")[1].split("'")[0]
    assert json.loads(await client.read_artifact(handle))["model_id"] == "model0"
    assert "read_artifact" in model.requests[-1].tool_names


async def test_without_a_budget_the_whole_history_is_sent(connect: Connect, fluxes: InProcessServer) -> None:
    script = [call("flux_table", {"rows": ROWS, "seed": seed}) for seed in range(2)] + [reply("done")]
    client, model = await connect(
        script,
        servers=[fluxes],
        artifact_threshold=200_000,
        token_counter=one_char_a_token,
        context_budget=False,
    )

    await client.run("Tabulate")

    assert sum(len(m["content"] or "") for m in model.requests[-1].messages) > 180_000


async def test_many_tools_are_offered_through_search_within_the_gateway_limit(connect: Connect) -> None:
    long = "It does one narrow thing among very many others and describes it at length. " * 12
    server = InProcessServer(name="many", server=big_results_server(tools=120, description=long))

    def script(request: ScriptedRequest) -> object:
        done = [m for m in request.messages if m["role"] == "tool"]
        if not done:
            return call("search_tools", {"query": "extra tool 117"})
        if len(done) == 1:
            return call("extra_117", {})
        return reply(done[-1]["content"])

    client, model = await connect(script, servers=[server])  # type: ignore[arg-type]

    result = await client.run("Use extra tool 117")

    assert result.output == "called extra_117"
    first, second = model.requests[0], model.requests[1]
    assert "search_tools" in first.tool_names
    assert all(payload_size(r.tools) <= 40_000 for r in model.requests)
    assert "extra_117" in second.tool_names
    assert len(first.tool_names) < 121


async def test_the_cost_comes_from_the_price_table(connect: Connect) -> None:
    client, _ = await connect([call("ping"), reply("pong")], prices={"gpt4o": (2.5, 10.0)})

    result = await client.run("ping")

    usage = result.usage["gpt4o"]
    assert result.cost == pytest.approx(usage.prompt_tokens * 2.5e-6 + usage.completion_tokens * 10e-6)


async def test_the_cost_is_unknown_without_a_price(connect: Connect) -> None:
    client, _ = await connect([reply("hi")], model="my-local-model")

    result = await client.run("hi")

    assert result.cost is None


async def test_a_request_limit_ends_the_run_with_a_valid_history(connect: Connect) -> None:
    client, model = await connect([call("ping"), call("ping"), call("ping"), reply("done")])

    with pytest.raises(UsageLimitExceeded, match="max_requests=2") as raised:
        await client.run("ping thrice", usage_limits=UsageLimits(max_requests=2))

    assert len(model.requests) == 2
    check_history(raised.value.history)
    assert [m["role"] for m in raised.value.history][-2:] == ["assistant", "tool"]


async def test_a_token_limit_counts_the_next_request_too(connect: Connect) -> None:
    client, model = await connect([reply("never sent")], usage_limits=UsageLimits(max_tokens=5))

    with pytest.raises(UsageLimitExceeded, match="max_tokens"):
        await client.run("a prompt of more than five tokens, surely")

    assert model.requests == []


async def test_a_cost_limit_stops_before_the_next_request(connect: Connect) -> None:
    client, model = await connect(
        [call("ping"), call("ping"), reply("done")], prices={"gpt4o": (1_000_000.0, 1_000_000.0)}
    )

    with pytest.raises(UsageLimitExceeded, match="max_cost"):
        await client.run("ping", usage_limits=UsageLimits(max_cost=1.0))

    assert len(model.requests) == 1

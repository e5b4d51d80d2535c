"""Typed output: through response_format where the profile takes it, else a final_answer tool."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from pydantic import BaseModel

from argo_mcp_client import OutputValidationError
from argo_mcp_client._history import check_history
from argo_mcp_client.testing import call, reply
from unit.conftest import Connect


class Growth(BaseModel):
    """The growth of a model on a medium."""

    model_id: str
    rate: float


@dataclass
class Flux:
    reaction: str
    flux: float


async def test_response_format_route_returns_a_validated_instance(connect: Connect) -> None:
    client, model = await connect([call("ping"), reply('{"model_id": "m1", "rate": 0.87}')])

    result = await client.run("How fast?", output_type=Growth)

    assert result.output == Growth(model_id="m1", rate=0.87)
    response_format = model.requests[0].body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["schema"]["required"] == ["model_id", "rate"]
    assert "final_answer" not in model.requests[0].tool_names


async def test_response_format_failure_is_sent_back_then_corrected(connect: Connect) -> None:
    client, model = await connect(
        [reply('{"model_id": "m1"}'), reply('```json\n{"model_id": "m1", "rate": 1}\n```')]
    )

    result = await client.run("How fast?", output_type=Growth)

    assert result.output.rate == 1.0
    feedback = model.requests[1].messages[-1]
    assert feedback["role"] == "user"
    assert "rate: Field required" in feedback["content"]


async def test_validation_failures_past_the_retries_raise_with_the_history(connect: Connect) -> None:
    client, model = await connect([reply("fast"), reply("very fast"), reply("really")])

    with pytest.raises(OutputValidationError, match="not JSON") as raised:
        await client.run("How fast?", output_type=Growth, output_retries=1)

    assert len(model.requests) == 2
    check_history(raised.value.history)


async def test_final_answer_tool_route_for_models_without_json_schema(connect: Connect) -> None:
    client, model = await connect([call("ping"), call("final_answer", {"model_id": "m2", "rate": 0.5})])

    result = await client.run("How fast?", output_type=Growth, model="claudesonnet45")

    assert result.output == Growth(model_id="m2", rate=0.5)
    assert "final_answer" in model.requests[0].tool_names
    assert "response_format" not in model.requests[0].body
    check_history(result.messages)


async def test_a_bad_final_answer_is_answered_with_the_errors(connect: Connect) -> None:
    client, model = await connect(
        [call("final_answer", {"reaction": "PGI"}), call("final_answer", {"reaction": "PGI", "flux": 4.8})]
    )

    result = await client.run("Which flux?", output_type=Flux, model="claudesonnet45")

    assert result.output == Flux(reaction="PGI", flux=4.8)
    error = model.requests[1].messages[-1]
    assert error["role"] == "tool"
    assert "flux: Field required" in error["content"]


async def test_a_text_answer_is_asked_to_use_the_tool(connect: Connect) -> None:
    client, model = await connect([reply("PGI, 4.8"), call("final_answer", {"reaction": "PGI", "flux": 4.8})])

    result = await client.run("Which flux?", output_type=Flux, model="claudesonnet45")

    assert result.output.flux == 4.8
    assert "calling the final_answer tool" in model.requests[1].messages[-1]["content"]


async def test_a_non_object_type_is_wrapped(connect: Connect) -> None:
    client, model = await connect([reply(json.dumps({"value": [1, 2, 3]}))])

    result = await client.run("Numbers?", output_type=list[int])

    assert result.output == [1, 2, 3]
    assert model.requests[0].body["response_format"]["json_schema"]["schema"]["required"] == ["value"]

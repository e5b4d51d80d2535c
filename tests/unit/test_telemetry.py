"""Spans and log records of a run: what an operator sees with OpenTelemetry or logging configured."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from argo_mcp_client._telemetry import run_id
from argo_mcp_client.testing import call, failure, reply
from unit.conftest import Connect

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="session")
def tracing() -> InMemorySpanExporter:
    # The global provider can be set once per process; the library's tracer follows it.
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    trace.set_tracer_provider(provider)
    return _EXPORTER


@pytest.fixture
def spans(tracing: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    tracing.clear()
    yield tracing
    tracing.clear()


def by_name(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]


async def test_a_run_is_traced_as_run_turns_model_requests_and_tool_calls(
    connect: Connect, spans: InMemorySpanExporter
) -> None:
    client, _ = await connect([call("add", {"a": 1, "b": 2}), reply("3")])

    result = await client.run("1 + 2?")

    (run,) = by_name(spans, "argo_mcp.run")
    turns = by_name(spans, "argo_mcp.turn")
    requests = by_name(spans, "argo_mcp.model_request")
    (tool,) = by_name(spans, "argo_mcp.tool_call")
    assert len(turns) == 2
    assert len(requests) == 2
    assert all(t.parent is not None and t.parent.span_id == run.context.span_id for t in turns)
    assert requests[0].parent is not None
    assert requests[0].parent.span_id == turns[0].context.span_id
    assert tool.parent is not None
    assert tool.parent.span_id == turns[0].context.span_id
    assert tool.attributes is not None
    assert (tool.attributes["gen_ai.tool.name"], tool.attributes["argo_mcp.server"]) == ("add", "lab")
    assert requests[0].attributes is not None
    assert requests[0].attributes["gen_ai.request.model"] == "gpt4o"
    input_tokens = [dict(r.attributes or {}).get("gen_ai.usage.input_tokens") for r in requests]
    assert all(isinstance(t, int) and t > 0 for t in input_tokens)
    assert sum(t for t in input_tokens if isinstance(t, int)) == result.usage["gpt4o"].prompt_tokens


async def test_a_failed_model_request_marks_its_span(connect: Connect, spans: InMemorySpanExporter) -> None:
    client, _ = await connect([failure(503, "down")])

    with pytest.raises(Exception, match="down"):
        await client.run("hi")

    (request,) = by_name(spans, "argo_mcp.model_request")
    assert request.status.status_code is trace.StatusCode.ERROR


async def test_log_records_carry_run_id_tool_and_duration(
    connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = await connect([call("echo", {"text": "hi"}), reply("ok")])
    caplog.set_level(logging.DEBUG, logger="argo_mcp_client")

    result = await client.run("echo")

    (record,) = [r for r in caplog.records if r.getMessage().startswith("tool call finished")]
    assert record.__dict__["tool"] == "echo"
    assert record.__dict__["server"] == "lab"
    assert record.__dict__["duration"] >= 0
    assert record.__dict__["run_id"]
    assert f"run_id={record.__dict__['run_id']}" in record.getMessage()
    assert any(r.getMessage().startswith("model answered") for r in caplog.records)
    assert result.output == "ok"


async def test_the_run_id_is_unset_again_after_the_run(connect: Connect) -> None:
    client, _ = await connect([reply("ok")])

    await client.run("hi")

    assert run_id.get() is None


def test_the_library_is_quiet_unless_logging_is_configured() -> None:
    handlers = logging.getLogger("argo_mcp_client").handlers

    assert any(isinstance(h, logging.NullHandler) for h in handlers)

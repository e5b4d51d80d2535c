"""Logs and OpenTelemetry spans for runs, turns, model requests and tool calls.

Logging goes to the ``argo_mcp_client`` logger, quiet unless the application
configures logging; each record carries ``run_id``, ``turn``, ``model``,
``tool`` and ``duration`` where they apply, as attributes a formatter or a JSON
handler can use. Spans use the OpenTelemetry API, which the MCP SDK already
depends on: with no SDK configured they cost next to nothing and go nowhere.
Attribute names follow the OpenTelemetry conventions for generative AI where
one exists.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN, ProxyTracerProvider, Span, Status, StatusCode

if TYPE_CHECKING:
    from collections.abc import Iterator

logger = logging.getLogger("argo_mcp_client")
# A library stays quiet unless the application asks to hear from it.
logger.addHandler(logging.NullHandler())

_tracer = trace.get_tracer("argo_mcp_client")

run_id: ContextVar[str | None] = ContextVar("argo_mcp_run_id", default=None)
"""The run the current task works for; every log record of the run carries it."""


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[Span]:
    """A span around a step; an exception leaving it marks the span as failed."""
    if isinstance(trace.get_tracer_provider(), ProxyTracerProvider):
        # No tracer provider is set: the span would go nowhere, so skip building it.
        yield INVALID_SPAN
        return
    clean = {k: v for k, v in attributes.items() if v is not None}
    with _tracer.start_as_current_span(name, attributes=clean, record_exception=True) as current:
        try:
            yield current
        except BaseException as exc:
            current.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise


def log(level: int, message: str, /, **fields: Any) -> None:
    """Log ``message`` with ``fields`` attached to the record (and shown after the message)."""
    if logger.isEnabledFor(level):
        fields = {"run_id": run_id.get(), **fields}
        shown = " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        logger.log(level, "%s%s", message, f" [{shown}]" if shown else "", extra=fields)

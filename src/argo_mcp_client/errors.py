"""The errors argo-mcp-client raises, split by who is to blame.

```
ArgoMCPError
├── ConfigError              you: bad arguments, settings or server files
├── ServerError              an MCP server
│   └── ServerStartError     it did not start or finish its handshake in time
├── ModelError               the model or the gateway in front of it
│   ├── CircuitOpenError     skipped: the model failed too often lately
│   ├── EmptyCompletion      answered with nothing: no text, no calls, no tokens
│   ├── GatewayError         refused for a reason no other model would change
│   └── AllModelsFailed      every model of the chain failed (an ExceptionGroup)
├── SharedStateError         the fleet's shared breakers and rate limits (Redis) are unreachable
└── RunError                 the tool-calling loop; carries a valid history
    ├── MaxTurnsExceeded     the model kept calling tools past ``max_turns``
    ├── RunTimeout           the run took longer than its deadline
    ├── UsageLimitExceeded   the next request would pass a limit on requests, tokens or cost
    └── OutputValidationError the final answer did not fit ``output_type``, after retries
```

Any of these that ends a run carries ``history``: the conversation up to the
last complete step, in OpenAI message format, in which every assistant tool call
is answered. A run can be resumed from it. (``RunError`` always has one.)

Errors a tool raises never surface here: they go back to the model as error
results, and the run goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from argo_mcp_client.result import ToolCallRecord, Usage

__all__ = [
    "AllModelsFailed",
    "ArgoMCPError",
    "CircuitOpenError",
    "ConfigError",
    "EmptyCompletion",
    "GatewayError",
    "MaxTurnsExceeded",
    "ModelError",
    "OutputValidationError",
    "RunError",
    "RunTimeout",
    "ServerError",
    "ServerStartError",
    "SharedStateError",
    "UsageLimitExceeded",
]


class ArgoMCPError(Exception):
    """Base of every error raised by argo-mcp-client.

    Attributes:
        history: when the error ended a run, the conversation up to the last
            complete step (every tool call answered); otherwise ``None``.
    """

    history: list[dict[str, Any]] | None = None


class ConfigError(ArgoMCPError, ValueError):
    """The client was configured or called wrongly; the message says how to fix it."""


class ServerError(ArgoMCPError):
    """An MCP server failed.

    Attributes:
        server: the server's name as configured.
    """

    def __init__(self, message: str, *, server: str) -> None:
        super().__init__(message)
        self.server = server


class ServerStartError(ServerError):
    """An MCP server did not start, or did not finish its handshake in time.

    Attributes:
        server: the server's name as configured.
        command: how it was launched (a command line or a URL), for the message.
    """

    def __init__(self, message: str, *, server: str, command: str) -> None:
        super().__init__(message, server=server)
        self.command = command


class ModelError(ArgoMCPError):
    """The model request failed at the gateway or the model.

    Attributes:
        model: the model name the request was sent with.
        status_code: the HTTP status, when the gateway answered with one.
        transient: the failure says nothing about the request (a timeout, a
            dropped connection or stream), so trying again may work.
        retry_after: seconds the gateway asked to wait before trying again.
    """

    def __init__(
        self,
        message: str,
        *,
        model: str,
        status_code: int | None = None,
        transient: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.model = model
        self.status_code = status_code
        self.transient = transient
        self.retry_after = retry_after


class EmptyCompletion(ModelError):
    """The model answered with nothing: a clean stop, no text, no tool calls and no output tokens.

    Argo sometimes does this; it is a transient failure of that model (retried, then
    the next model of the chain is asked), never a final answer.
    """

    def __init__(self, model: str) -> None:
        super().__init__(
            f"model {model!r} returned an empty completion (no text, no tool calls, 0 output tokens)",
            model=model,
            transient=True,
        )


class CircuitOpenError(ModelError):
    """The model was not asked: its circuit breaker is open after repeated failures.

    Attributes:
        retry_in: seconds until the breaker lets a trial request through.
    """

    def __init__(self, model: str, *, retry_in: float, next_model: str | None = None) -> None:
        then = "give fallback_models to carry on meanwhile"
        if next_model:
            then = f"{next_model!r} answers meanwhile"
        super().__init__(
            f"model {model!r} was skipped: it failed repeatedly and is rested for {retry_in:.0f} s more; "
            + then,
            model=model,
        )
        self.retry_in = retry_in


class GatewayError(ModelError):
    """The gateway refused the request for a reason another model would not change.

    The Argo authentication notice and argo-bridge's complaint about a system
    field next to messages arrive with HTTP status 200; they end up here, with
    the fix in the message.
    """


class AllModelsFailed(ExceptionGroup[ModelError], ModelError):
    """Every model of the chain failed; ``exceptions`` holds each model's error, in order."""

    def __new__(cls, causes: Sequence[ModelError]) -> AllModelsFailed:
        tried = "; ".join(f"{c.model!r}: {c}" for c in causes)
        return super().__new__(cls, f"every model failed. {tried}", list(causes))

    def __init__(self, causes: Sequence[ModelError]) -> None:
        ModelError.__init__(self, self.message, model=causes[-1].model, status_code=causes[-1].status_code)

    def derive(self, excs: Sequence[ModelError]) -> AllModelsFailed:  # type: ignore[override]
        return AllModelsFailed(excs)


class SharedStateError(ArgoMCPError):
    """The shared state of breakers and rate limits (Redis) could not be read or written."""


class RunError(ArgoMCPError):
    """A run stopped before the model gave its final answer.

    Attributes:
        history: the conversation up to the last complete step; every tool call
            in it is answered, so it can be sent to a model again as it is.
    """

    history: list[dict[str, Any]]

    def __init__(self, message: str, *, history: Sequence[dict[str, Any]]) -> None:
        super().__init__(message)
        self.history = list(history)


class MaxTurnsExceeded(RunError):
    """The model was still calling tools after ``max_turns`` requests.

    Attributes:
        max_turns: the limit that was reached.
        tool_calls: the run's tool calls (``ToolCallRecord``), in order, as a result would have them.
        usage: the tokens spent per model (``Usage``), as a result would have them.
    """

    def __init__(
        self,
        max_turns: int,
        *,
        history: Sequence[dict[str, Any]],
        tool_calls: Sequence[ToolCallRecord] = (),
        usage: Mapping[str, Usage] | None = None,
    ) -> None:
        super().__init__(
            f"the model was still calling tools after {max_turns} turns; "
            "raise max_turns, or resume from this error's history",
            history=history,
        )
        self.max_turns = max_turns
        self.tool_calls = list(tool_calls)
        self.usage = dict(usage or {})


class RunTimeout(RunError):
    """The run was still going at its deadline.

    Attributes:
        deadline: the limit, in seconds.
    """

    def __init__(self, deadline: float, *, history: Sequence[dict[str, Any]]) -> None:
        super().__init__(
            f"the run was stopped at its deadline of {deadline:g} s; raise run_deadline, "
            "or resume from this error's history",
            history=history,
        )
        self.deadline = deadline


class UsageLimitExceeded(RunError):
    """The run was stopped before a request that would pass one of its :class:`UsageLimits`.

    Attributes:
        reason: which limit, and the figures.
    """

    def __init__(self, reason: str, *, history: Sequence[dict[str, Any]]) -> None:
        super().__init__(f"{reason}; raise the limit, or resume from this error's history", history=history)
        self.reason = reason


class OutputValidationError(RunError):
    """The model's final answer did not fit the run's ``output_type``, even after being told why.

    Attributes:
        errors: what was wrong with the last answer.
    """

    def __init__(self, errors: str, *, history: Sequence[dict[str, Any]]) -> None:
        super().__init__(f"the model's answer did not fit the output type: {errors}", history=history)
        self.errors = errors

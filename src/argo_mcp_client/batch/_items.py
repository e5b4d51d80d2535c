"""A batch's input lines and output lines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from argo_mcp_client._models.profiles import profile_for
from argo_mcp_client.errors import ArgoMCPError, RunError
from argo_mcp_client.result import Usage  # noqa: TC001 - pydantic reads it at run time

if TYPE_CHECKING:
    from argo_mcp_client.result import RunResult

__all__ = ["BatchItem", "BatchResult"]


class BatchItem(BaseModel):
    """One conversation of a batch: an id, a prompt, and optionally its own settings.

    Example (one line of a batch's input file):
        ```json
        {"id": "ecoli", "prompt": "Build a draft model of E. coli", "model": "argo:gpt-4o"}
        ```
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    """Names the conversation in the output; unique within the batch."""
    prompt: str | list[dict[str, Any]]
    """The user's message, or messages in OpenAI format."""
    model: str | None = None
    """Overrides the client's model for this conversation."""
    fallback_models: list[str] | None = None
    system_prompt: str | None = None
    max_turns: int | None = None
    deadline: float | None = None
    """Seconds this conversation may take."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Carried unchanged to the output line."""


class ToolCallSummary(BaseModel):
    """A tool call of a conversation, without its output."""

    model_config = ConfigDict(frozen=True)

    name: str
    server: str | None
    tool: str | None
    arguments: dict[str, Any] | None
    is_error: bool
    duration: float


class BatchResult(BaseModel):
    """How one conversation of a batch ended: one line of the output file."""

    model_config = ConfigDict(frozen=True)

    id: str
    ok: bool
    """False when the conversation failed; ``error`` says why."""
    output: str | None = None
    """The model's final answer (with ``output_type``, the typed answer as JSON text)."""
    value: Any = None
    """With ``output_type``: the validated answer, as JSON data."""
    model: str | None = None
    """The model that gave it."""
    turns: int = 0
    tool_calls: list[ToolCallSummary] = Field(default_factory=list)
    usage: dict[str, Usage] = Field(default_factory=dict)
    """Tokens per model."""
    tokens: int = 0
    """Total tokens over all models."""
    cost: float | None = None
    """USD, from the models' prices where every one is known; else ``None``."""
    error: str | None = None
    error_type: str | None = None
    duration: float = 0.0
    """Seconds the conversation took."""
    metadata: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of_run(cls, item: BatchItem, result: RunResult[Any], duration: float) -> BatchResult:
        """The line of a conversation that answered."""
        value: Any = None
        output = result.output
        if not isinstance(output, str):
            value = TypeAdapter(type(output)).dump_python(output, mode="json")
            output = json.dumps(value)
        return cls(
            id=item.id,
            ok=True,
            output=output,
            value=value,
            model=result.model,
            turns=result.turns,
            tool_calls=[
                ToolCallSummary(
                    name=c.name,
                    server=c.server,
                    tool=c.tool,
                    arguments=c.arguments,
                    is_error=c.is_error,
                    duration=c.duration,
                )
                for c in result.tool_calls
            ],
            usage=dict(result.usage),
            tokens=result.total_usage.total_tokens,
            cost=result.cost if result.cost is not None else cost_of(result.usage),
            duration=round(duration, 3),
            metadata=item.metadata,
        )

    @classmethod
    def of_error(cls, item: BatchItem, error: Exception, duration: float) -> BatchResult:
        """The line of a conversation that failed."""
        history = getattr(error, "history", None) if isinstance(error, ArgoMCPError) else None
        turns = sum(1 for m in history or () if m.get("role") == "assistant")
        message = " ".join(str(error).split()) or type(error).__name__
        return cls(
            id=item.id,
            ok=False,
            turns=turns if isinstance(error, RunError | ArgoMCPError) else 0,
            error=message,
            error_type=type(error).__name__,
            duration=round(duration, 3),
            metadata=item.metadata,
        )


def cost_of(usage: dict[str, Usage]) -> float | None:
    """USD spent, from each model's profile prices; ``None`` when a price is not known."""
    total = 0.0
    for model, spent in usage.items():
        profile = profile_for(model)
        if profile.input_price is None or profile.output_price is None:
            return None
        total += spent.prompt_tokens * profile.input_price + spent.completion_tokens * profile.output_price
    return round(total / 1_000_000, 6)

"""What a run produces: its result, each tool call it made, and token usage per model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generic, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeVar

__all__ = ["ArtifactRef", "Attachment", "CallOutcome", "RunResult", "ToolCallRecord", "Usage"]

CallOutcome = Literal["ran", "replayed", "not_run", "maybe_ran"]
"""What became of a tool call on its server.

* ``"ran"``: the server ran it once and answered (its answer may be an error).
* ``"replayed"``: the connection was lost during the call; the call was made once
  more on the restarted server, because it never reached the server or because
  the tool says repeating it is safe (read-only or idempotent).
* ``"not_run"``: it never ran: bad arguments, refused, or the server was down.
* ``"maybe_ran"``: the server stopped (or the call timed out) after the call
  reached it; it may have had its effect. The model is told so.
"""


@dataclass(frozen=True, slots=True)
class Attachment:
    """Binary content a tool returned (an image, audio, a binary resource): for the application.

    The model is sent a one-line note in its place, never the data as text.
    """

    kind: Literal["image", "audio", "blob"]
    mime_type: str | None
    data: bytes | None = None
    """The decoded bytes."""
    uri: str | None = None
    """Where it came from, for embedded resources."""


class Usage(BaseModel):
    """Tokens and requests spent on one model, as the gateway reported them."""

    model_config = ConfigDict(frozen=True)

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            requests=self.requests + other.requests,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class ArtifactRef(BaseModel):
    """A tool result kept whole in the artifact store; the model was sent a preview and this handle.

    Read it back with :meth:`ArgoMCPClient.read_artifact`, or open ``location``
    (a file path, for the default store).
    """

    model_config = ConfigDict(frozen=True)

    id: str
    """The handle the model reads it by (``read_artifact(id=...)``)."""
    size: int
    """Its length in bytes."""
    media_type: str
    """``application/json`` when the whole result parses as JSON, else ``text/plain`` (or a binary's type)."""
    location: str | None = None
    """Where the store keeps it (a file path for the default store), when it says."""
    tool: str | None = None
    """The tool whose result it is."""


class ToolCallRecord(BaseModel):
    """One tool call the model made, and what came of it."""

    model_config = ConfigDict(frozen=True)

    call_id: str
    """The id the model gave the call; the tool message answering it carries the same id."""
    name: str
    """The tool name as the model saw it (possibly ``server__tool``)."""
    server: str | None
    """The server that owns the tool, or ``None`` when the name matched no tool."""
    tool: str | None
    """The tool's name on its server, or ``None`` when the name matched no tool."""
    raw_arguments: str
    """The arguments exactly as the model sent them (a JSON string, or not)."""
    arguments: dict[str, Any] | None
    """The parsed arguments, or ``None`` when they were not a JSON object."""
    output: str
    """The text the model was sent as the tool's result."""
    structured_content: Any = None
    """The tool's structured result, when the server sent one."""
    is_error: bool
    """True when the call failed, whatever the reason: bad arguments, unknown tool,
    a server error, a timeout, or a result the server marked as an error."""
    duration: float
    """Seconds from dispatch to result."""
    artifact: ArtifactRef | None = None
    """Where the whole result is kept when it was too big to send; ``output`` then holds the preview."""
    task_id: str | None = None
    """The server's task id when the call ran as an MCP task (see :meth:`ArgoMCPClient.task_result`)."""

    outcome: CallOutcome = "ran"
    """What became of the call on its server; see :data:`CallOutcome`."""
    attachments: tuple[Attachment, ...] = ()
    """The images, audio and binary resources the tool returned, decoded."""

    @property
    def reported_failure(self) -> bool:
        """True when the call succeeded as a call but the tool's result says it failed.

        The rule: the structured result (or, when there is none, the text, if it
        is a JSON object) has ``"success": false``, as Gem-Flux's ``run_fba``
        and ``delete_model`` answer without marking the result as an error. The
        model is sent the result unchanged either way; this is for showing it.
        """
        if self.is_error:
            return False
        value = self.structured_content
        if value is None and self.output.lstrip().startswith("{"):
            try:
                value = json.loads(self.output)
            except ValueError:
                return False
        return isinstance(value, dict) and value.get("success") is False

    @property
    def failed(self) -> bool:
        """True when the call failed (``is_error``) or its result says it failed (``reported_failure``)."""
        return self.is_error or self.reported_failure


OutputT = TypeVar("OutputT", default=str)
"""The type of a run's final answer: ``str``, or the run's ``output_type``."""


class RunResult(BaseModel, Generic[OutputT]):
    """The outcome of a run: the final answer and everything that led to it."""

    model_config = ConfigDict(frozen=True)

    output: OutputT
    """The model's final answer: its text, or an instance of the run's ``output_type``."""
    messages: list[dict[str, Any]]
    """The whole conversation in OpenAI chat format, ending with the final answer."""
    new_message_index: int
    """Where this run's messages start in ``messages``."""
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    """Every tool call of the run, in the order the model made them."""
    usage: dict[str, Usage] = Field(default_factory=dict)
    """Usage per model, keyed by the model name requests were sent with."""
    turns: int
    """How many model requests the run made."""
    model: str
    """The model that gave the final answer."""
    cost: float | None = None
    """USD the run's requests cost at the models' prices; ``None`` when a model's price is unknown."""

    @property
    def new_messages(self) -> list[dict[str, Any]]:
        """The messages this run added (its prompt, tool traffic and answer)."""
        return self.messages[self.new_message_index :]

    @property
    def total_usage(self) -> Usage:
        """Usage summed over all models."""
        total = Usage()
        for usage in self.usage.values():
            total = total + usage
        return total

"""A conversation that outlives one run, and can be saved and resumed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from argo_mcp_client.config import invalid

if TYPE_CHECKING:
    from collections.abc import Iterable

    from argo_mcp_client.result import ToolCallRecord

__all__ = ["Conversation", "TaskRef"]


class TaskRef(BaseModel):
    """A tool call that ran as an MCP task: where its result can be fetched again."""

    model_config = ConfigDict(frozen=True)

    server: str
    tool: str
    task_id: str


class Conversation(BaseModel):
    """The history of a multi-turn chat, in OpenAI message format.

    Pass it to :meth:`ArgoMCPClient.chat`, which adds each exchange to it. Save
    it with :meth:`to_json` and resume it later with :meth:`from_json`.

    After a failed or cancelled run, the conversation keeps everything up to
    the last complete step (the prompt, and any tool calls with their results),
    and stays valid to continue.

    Example:
        ```python
        conversation = Conversation(system_prompt="You model metabolism.")
        await client.chat(conversation, "Build a model of E. coli")
        await client.chat(conversation, "Now gapfill it on glucose")
        Path("chat.json").write_text(conversation.to_json())
        ```
    """

    messages: list[dict[str, Any]] = Field(default_factory=list)
    """Every message so far, system prompt included once the first run has started."""
    system_prompt: str | None = None
    """Put first in the history if the conversation has no system message yet."""
    model: str | None = None
    """The model for this conversation; ``None`` uses the client's."""
    tasks: dict[str, TaskRef] = Field(default_factory=dict)
    """The tool calls that ran as MCP tasks, by tool call id (the ``tool_call_id`` of their
    answers in ``messages``); see :meth:`ArgoMCPClient.task_result`."""

    def note_tasks(self, records: Iterable[ToolCallRecord]) -> None:
        """Remember the tasks among ``records`` (done for you by ``chat`` and ``stream``)."""
        for record in records:
            if record.task_id is not None and record.server is not None:
                self.tasks[record.call_id] = TaskRef(
                    server=record.server, tool=record.tool or record.name, task_id=record.task_id
                )

    server_instances: dict[str, str] = Field(default_factory=dict)
    """The start of each server (``ServerStatus.instance``) the conversation last ran against.

    Servers may keep state in memory (Gem-Flux keeps its models there): a conversation resumed
    against servers started anew since refers to things they no longer have.
    :meth:`ArgoMCPClient.restarted_servers` names them, and a run continuing it logs a warning.
    """

    def to_json(self) -> str:
        """The conversation as JSON text."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, data: str | bytes) -> Conversation:
        """A conversation saved with :meth:`to_json`.

        Raises:
            ConfigError: ``data`` is not a saved conversation (not JSON, or not its shape).
        """
        try:
            return cls.model_validate_json(data)
        except ValidationError as exc:
            raise invalid("the saved conversation", exc) from None

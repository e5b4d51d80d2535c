"""A conversation that outlives one run, and can be saved and resumed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from argo_mcp_client.config import invalid

__all__ = ["Conversation"]


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

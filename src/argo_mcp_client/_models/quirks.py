"""What some models behind Argo need that others do not, configured or learned from a refusal.

* Models without reliable native tool calling (Gemini through argo-bridge or
  the gateway's native mode) get their tools described in the system prompt and
  their calls parsed out of the reply (see ``prompt_tools``). Chosen by
  pattern, or learned when a request with tools is refused over them.
* Claude in native mode refuses a string ``tool_choice``; it takes the object
  form (``{"type": "auto"}``). Learned the first time it refuses.

What is learned is kept per model (by Argo id) for the life of the client.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from argo_mcp_client._models.aliases import canonical_model, model_family
from argo_mcp_client._models.prompt_tools import decode_model_reply, encode_messages

if TYPE_CHECKING:
    from collections.abc import Sequence

    from argo_mcp_client._models.reply import ModelReply
    from argo_mcp_client.errors import ModelError

logger = logging.getLogger("argo_mcp_client")

_TOOLS_REFUSED = re.compile(r"\btools?\b|function[ _]call", re.IGNORECASE)
_TOOL_CHOICE_REFUSED = re.compile(r"tool_choice", re.IGNORECASE)
_OBJECT_CHOICE = {"auto": "auto", "required": "any", "none": "none"}


@dataclass(slots=True)
class Quirks:
    """Per-model request adjustments."""

    prompt_tool_models: tuple[str, ...] = ()
    """Glob patterns (matched against the name given and its Argo id) of models to use prompt-based tools."""
    tool_choice: str | None = None
    """``"auto"``, ``"required"`` or ``"none"`` to send with every request that has tools."""
    _prompt_learned: set[str] = field(default_factory=set)
    _object_choice: set[str] = field(default_factory=set)

    def prompt_tools(self, model: str) -> bool:
        """Whether tool calls with ``model`` go through the prompt rather than the API."""
        key = canonical_model(model)
        return key in self._prompt_learned or any(
            fnmatchcase(model.lower(), p) or fnmatchcase(key, p) for p in self.prompt_tool_models
        )

    def request(
        self, model: str, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]
    ) -> dict[str, Any]:
        """The request fields that carry the history and the tools for ``model``."""
        if not tools:
            return {"messages": messages}
        if self.prompt_tools(model):
            return {"messages": encode_messages(messages, tools)}
        fields: dict[str, Any] = {"messages": messages, "tools": tools}
        if self.tool_choice is not None:
            if canonical_model(model) in self._object_choice:
                fields["tool_choice"] = {"type": _OBJECT_CHOICE.get(self.tool_choice, self.tool_choice)}
            else:
                fields["tool_choice"] = self.tool_choice
        return fields

    def decode(self, model: str, reply: ModelReply, *, had_tools: bool) -> ModelReply:
        """The reply with prompt-based tool calls parsed out of its text.

        Done for models using prompt-based tools, and for any reply to a request
        with tools whose text holds ``<tool_call>`` blocks: argo-bridge leaves
        them in the text next to the calls it parsed out itself.
        """
        if had_tools and (self.prompt_tools(model) or "<tool_call" in (reply.content or "")):
            return decode_model_reply(reply)
        return reply

    def learn(self, model: str, error: ModelError, *, had_tools: bool) -> bool:
        """Learn from a refused request; ``True`` when sending it again, adjusted, may work."""
        if not had_tools or error.status_code not in (400, 422, 500):
            return False
        key = canonical_model(model)
        message = str(error)
        if (
            self.tool_choice is not None
            and key not in self._object_choice
            and model_family(model) == "anthropic"
            and _TOOL_CHOICE_REFUSED.search(message)
        ):
            logger.warning(
                "model %r refused a string tool_choice; sending the object form from now on", model
            )
            self._object_choice.add(key)
            return True
        if not self.prompt_tools(model) and _TOOLS_REFUSED.search(message):
            logger.warning(
                "model %r refused native tool calling; describing tools in the prompt from now on", model
            )
            self._prompt_learned.add(key)
            return True
        return False

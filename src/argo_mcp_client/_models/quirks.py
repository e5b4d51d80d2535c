"""What some models behind Argo need that others do not: their profile, configured or learned.

* Models without reliable native tool calling (Gemini through argo-bridge or
  the gateway's native mode) get their tools described in the system prompt and
  their calls parsed out of the reply (see ``prompt_tools``). Chosen by
  pattern or profile (``native_tools=False``), or learned when a request with
  tools is refused over them.
* Claude in native mode refuses a string ``tool_choice``; it takes the object
  form (``{"type": "auto"}``). Learned the first time it refuses.
* Gemini refuses several tool calls of one assistant message in the history:
  they are sent as consecutive single-call steps (``parallel_calls_in_history``).
* Reasoning models and Claude refuse some parameters (see ``shaping``).
* Claude through Argo sometimes leaks a call into its text as a Python repr (see ``leaked``).

What is learned amends the model's profile (by Argo id) for the life of the client.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from argo_mcp_client._models.aliases import canonical_model, model_family
from argo_mcp_client._models.leaked import decode_leaked_calls, has_leaked_call
from argo_mcp_client._models.profiles import ProfileBook
from argo_mcp_client._models.prompt_tools import decode_model_reply, encode_messages
from argo_mcp_client._models.shaping import shape_parameters, unwind_parallel_calls

if TYPE_CHECKING:
    from collections.abc import Sequence

    from argo_mcp_client._models.reply import ModelReply
    from argo_mcp_client.errors import ModelError

logger = logging.getLogger("argo_mcp_client")

_TOOLS_REFUSED = re.compile(r"\btools?\b|function[ _]call", re.IGNORECASE)
_TOOL_CHOICE_REFUSED = re.compile(r"tool_choice", re.IGNORECASE)
_PARALLEL_REFUSED = re.compile(r"number of function response parts", re.IGNORECASE)
_TEMPERATURE_REFUSED = re.compile(r"'?temperature'? does not support|only the default", re.IGNORECASE)
_MAX_TOKENS_REFUSED = re.compile(r"'?max_tokens'? is not supported|use 'max_completion_tokens'", re.I)
_EXCLUSIVE_REFUSED = re.compile(r"temperature.{0,5} and .{0,5}top_p.{0,5} cannot both", re.IGNORECASE)
_OBJECT_CHOICE = {"auto": "auto", "required": "any", "none": "none"}


@dataclass(slots=True)
class Quirks:
    """Per-model request adjustments."""

    prompt_tool_models: tuple[str, ...] = ()
    """Glob patterns (matched against the name given and its Argo id) of models to use prompt-based tools."""
    tool_choice: str | None = None
    """``"auto"``, ``"required"`` or ``"none"`` to send with every request that has tools."""
    profiles: ProfileBook = field(default_factory=ProfileBook)
    """What each model accepts, amended by what is learned."""

    def prompt_tools(self, model: str) -> bool:
        """Whether tool calls with ``model`` go through the prompt rather than the API."""
        key = canonical_model(model)
        return not self.profiles.profile(model).native_tools or any(
            fnmatchcase(model.lower(), p) or fnmatchcase(key, p) for p in self.prompt_tool_models
        )

    def shape(self, model: str, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with the parameters ``model`` refuses translated or dropped (each logged once)."""
        shaped, notes = shape_parameters(body, self.profiles.profile(model))
        for note in notes:
            self.profiles.say_once(model, note.split(":")[0], "model %r: %s", model, note)
        return shaped

    def request(
        self, model: str, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]
    ) -> dict[str, Any]:
        """The request fields that carry the history and the tools for ``model``."""
        if not tools:
            return {"messages": messages}
        if self.prompt_tools(model):
            return {"messages": encode_messages(messages, tools)}
        profile = self.profiles.profile(model)
        if not profile.parallel_calls_in_history:
            messages = unwind_parallel_calls(messages)
        fields: dict[str, Any] = {"messages": messages, "tools": tools}
        if self.tool_choice is not None:
            if profile.tool_choice_object:
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
            reply = decode_model_reply(reply)
        if had_tools and has_leaked_call(reply.content):
            return decode_leaked_calls(reply)
        return reply

    def learn(self, model: str, error: ModelError, *, had_tools: bool) -> bool:
        """Learn from a refused request; ``True`` when sending it again, adjusted, may work."""
        if error.status_code not in (400, 422, 500):
            return False
        message = str(error)
        book = self.profiles
        if _EXCLUSIVE_REFUSED.search(message):
            return book.amend(model, "refused temperature with top_p", exclusive_temperature_top_p=True)
        if _TEMPERATURE_REFUSED.search(message) or _MAX_TOKENS_REFUSED.search(message):
            return book.amend(model, "refused a reasoning model's parameter", reasoning=True)
        if not had_tools:
            return False
        if _PARALLEL_REFUSED.search(message):
            return book.amend(
                model, "refused parallel tool calls in the history", parallel_calls_in_history=False
            )
        if (
            self.tool_choice is not None
            and model_family(model) == "anthropic"
            and _TOOL_CHOICE_REFUSED.search(message)
        ):
            return book.amend(model, "refused a string tool_choice", tool_choice_object=True)
        if not self.prompt_tools(model) and _TOOLS_REFUSED.search(message):
            return book.amend(model, "refused native tool calling", native_tools=False)
        return False
